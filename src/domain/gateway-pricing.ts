import { fail, ok, type Result } from './errors.js';
import { type LicenseModel, MAX_LICENSES_PER_KEY, previewGatewayKey } from './gateway-license.js';
import { formatMoney } from './money.js';
import { findProduct, type PriceBook, type PricedLine, priceLine, unitOf } from './price-book.js';
import { gatewayLicenseConnections } from './purchase-rules.js';
import { plural } from './text.js';

/**
 * A gateway license key bought through an order: `quantity` licenses of one model, priced from the
 * book's gateway product of that SKU. A SecuPoint line is the users of all its licenses at the tier
 * those users fall in (2 × SPC-1YR-LIC: 40 users); a Pro line, which adds no user, is its licenses
 * at the tier their number falls in.
 */
export interface PricedGatewayLicenses {
  line: PricedLine;
  model: LicenseModel;
  /** What the line weighs in the purchase rules. */
  connections: number;
}

export function priceGatewayLicenses(
  book: PriceBook,
  item: { sku: string; quantity: number },
  field: string,
): Result<PricedGatewayLicenses> {
  const product = findProduct(book, item.sku);
  if (product === undefined || product.kind !== 'gateway')
    return fail(
      'product_not_found',
      `Price book ${book.version} sells no gateway license ${item.sku}.`,
      field,
    );
  const preview = previewGatewayKey(item);
  if (!preview.ok) {
    // A book only sells known models; the quantity is the one thing a buyer can get wrong here.
    if (preview.error.field === 'quantity')
      return fail(
        'validation_failed',
        `A gateway license key holds 1 to ${MAX_LICENSES_PER_KEY} licenses; this item asks for ${item.quantity}.`,
        `${field}/quantity`,
      );
    return fail('product_not_found', preview.error.detail, field);
  }
  const { model, summary } = preview.value;
  const units = model.kind === 'pro' ? item.quantity : preview.value.totalUsers;
  const priced = priceLine(book, product, units);
  if (!priced.ok) return priced;
  const line = priced.value;
  return ok({
    line: {
      ...line,
      description: `${product.name}: ${summary}, ${plural(units, unitOf(product))} × ${formatMoney(line.unitPrice)}`,
    },
    model,
    connections: gatewayLicenseConnections(model, item.quantity),
  });
}
