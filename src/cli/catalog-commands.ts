import type { Command } from 'commander';
import { type Catalog, checkPriceBookInput, type PricedLine } from '../contract/catalog.js';
import { formatMoney } from '../domain/money.js';
import { addPriceBook, catalogAt, listPriceBooks, priceOf } from '../service/catalog/operations.js';
import { readJsonFile } from './agent-context.js';
import { orExit, print, printJson, table } from './output.js';
import {
  type ActingFlags,
  actingOption,
  dataOption,
  operatorOf,
  type StoreFlags,
  usageError,
  wholeNumber,
  withContext,
} from './store-access.js';

/** `--at 2027-01-01` or a full instant; now when absent. */
function instantOf(text: string | undefined, now: Date): Date {
  if (text === undefined) return now;
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw usageError(`--at must be a date such as 2027-01-01; got "${text}"`);
  return at;
}

const quantities = (tier: Catalog['products'][number]['tiers'][number]) =>
  tier.upTo === null ? `${tier.from}+` : `${tier.from}-${tier.upTo}`;

function printCatalog(catalog: Catalog): void {
  print(
    `Price book ${catalog.version}, in force from ${catalog.effectiveFrom.slice(0, 10)} (${catalog.currency})`,
  );
  for (const product of catalog.products) {
    print();
    print(`${product.sku}: ${product.name}`);
    print(
      table(
        ['CONNECTIONS', 'PER CONNECTION'],
        product.tiers.map((tier) => [quantities(tier), tier.unitPriceText]),
      ),
    );
  }
}

const lineText = (line: PricedLine) =>
  `${line.description} = ${formatMoney(line.total)} (price book ${line.priceBookVersion})`;

/** The catalog from the command line: what is on sale, the books published, a price, a new book. */
export function registerCatalogCommands(program: Command): void {
  const catalog = program
    .command('catalog')
    .description('The catalog: products, volume-tiered prices, and the versioned price books that hold them');

  dataOption(catalog.command('show').description('The products on sale and their price per connection'))
    .option('--at <date>', 'the book in force at this date or instant; now by default')
    .option('--json', 'print the result as JSON')
    .action(async (flags: StoreFlags & { at?: string }) => {
      const shown = await withContext(flags, async (ctx) =>
        orExit(await catalogAt(ctx, instantOf(flags.at, ctx.clock.now()))),
      );
      if (flags.json) printJson(shown);
      else printCatalog(shown);
    });

  dataOption(catalog.command('books').description('Every price book published, by effective date'))
    .option('--json', 'print the result as JSON')
    .action(async (flags: StoreFlags) => {
      const books = await withContext(flags, listPriceBooks);
      if (flags.json) printJson({ books });
      else
        print(
          table(
            ['VERSION', 'EFFECTIVE FROM', 'CURRENCY', 'PRODUCTS', 'PUBLISHED BY'],
            books.map((book) => [
              book.version,
              book.effectiveFrom,
              book.currency,
              book.products.map((product) => product.sku).join(', '),
              book.createdBy,
            ]),
          ),
        );
    });

  actingOption(
    dataOption(
      catalog
        .command('add')
        .description('Publish a new price book from a JSON file; it applies from its effective date on')
        .argument(
          '<file>',
          'the book as JSON ({version, effectiveFrom, currency, products}), or - for standard input',
        ),
    ),
  )
    .option('--json', 'print the result as JSON')
    .action(async (file: string, flags: ActingFlags) => {
      const checked = checkPriceBookInput(readJsonFile(file));
      if (!checked.ok) {
        const field = checked.wrong.replace(/^\//, '').replaceAll('/', '.');
        throw usageError(`${file} is not a price book: ${field}`);
      }
      const book = await withContext(flags, async (ctx) =>
        orExit(await addPriceBook(ctx, { book: checked.value, actor: await operatorOf(ctx, flags) })),
      );
      if (flags.json) printJson(book);
      else print(`Published price book ${book.version}, in force from ${book.effectiveFrom}.`);
    });

  dataOption(
    catalog
      .command('price')
      .description('What a quantity of one SKU costs: the volume tier’s price per connection × the quantity')
      .argument('<sku>', 'the product, e.g. key-1y'),
  )
    .requiredOption('--quantity <n>', 'connections (users for a gateway)')
    .option('--at <date>', 'the book in force at this date or instant; now by default')
    .option('--json', 'print the result as JSON')
    .action(async (sku: string, flags: StoreFlags & { quantity: string; at?: string }) => {
      const quantity = wholeNumber('--quantity', flags.quantity, 1, 9_999_999);
      const line = await withContext(flags, async (ctx) =>
        orExit(await priceOf(ctx, sku, quantity, instantOf(flags.at, ctx.clock.now()))),
      );
      if (flags.json) printJson(line);
      else print(lineText(line));
    });
}
