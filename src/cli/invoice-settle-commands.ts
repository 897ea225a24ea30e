import type { Command } from 'commander';
import { isId } from '../domain/ids.js';
import { markInvoicePaid, voidInvoiceOrOrder } from '../service/orders/invoice-settlement.js';
import { orderByInvoice } from '../service/orders/order-repository.js';
import { orExit, print, printJson } from './output.js';
import {
  type ActingFlags,
  actingOption,
  dataOption,
  operatorOf,
  usageError,
  withContext,
} from './store-access.js';

/** `invoice pay` and `invoice void`: staff settling an open invoice by hand (a wire, a PO paid). */
export function registerInvoiceSettleCommands(invoice: Command): void {
  const settling = [
    [
      'pay',
      markInvoicePaid,
      'Mark an open invoice paid, once its payment arrived (a wire, ACH, a purchase order); an order’s invoice issues what the order bought',
    ],
    [
      'void',
      voidInvoiceOrOrder,
      'Void an open invoice; it keeps its number, so the series has no gap, and an order’s invoice cancels the order',
    ],
  ] as const;
  for (const [name, operation, description] of settling)
    actingOption(
      dataOption(invoice.command(name).description(description).argument('<id>', 'the invoice id (inv_...)')),
    )
      .option('--json', 'print the result as JSON')
      .addHelpText('after', `\nExample:\n  $ seatkeeper invoice ${name} inv_...`)
      .action(async (id: string, flags: ActingFlags) => {
        if (!isId(id, 'inv')) throw usageError(`an invoice id looks like inv_...; got "${id}"`);
        const { settled, order } = await withContext(flags, async (ctx) => {
          const settled = orExit(await operation(ctx, { id, actor: await operatorOf(ctx, flags) }));
          return { settled, order: await orderByInvoice(ctx.store.db, id) };
        });
        if (flags.json) printJson(settled);
        else print(`Invoice ${settled.number ?? settled.id} (${settled.id}) is ${settled.status}.`);
        if (order !== undefined) print(`Its order ${order.number} (${order.id}) is ${order.status}.`);
      });
}
