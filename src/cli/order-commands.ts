import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { type Order, PAYMENT_METHODS } from '../contract/orders.js';
import { isId } from '../domain/ids.js';
import { formatAmount } from '../domain/money.js';
import { OFFLINE_METHODS } from '../domain/purchase-rules.js';
import { resolveAccount } from '../service/accounts/operations.js';
import { payOrder } from '../service/orders/checkout.js';
import { cancelOrder, createOrder, createQuote } from '../service/orders/operations.js';
import { listOrders, showOrder } from '../service/orders/order-reads.js';
import { TEST_CARDS } from '../service/payments/test-provider.js';
import { hasItems, type ItemFlags, itemOptions, itemsOf } from './order-items.js';
import {
  invoiceOf,
  madeBy,
  nextStep,
  printMade,
  printOrder,
  printPayment,
  printQuote,
} from './order-output.js';
import { CliError, EXIT, example, orExit, print, printJson, table } from './output.js';
import {
  type ActingFlags,
  accountFilter,
  actingAs,
  actingOption,
  dataOption,
  oneOf,
  READER,
  type StoreFlags,
  usageError,
  withContext,
} from './store-access.js';

/** `seatkeeper quote` and `seatkeeper order ...`: buying at the command line, as vendor staff. */

function orderId(text: string): string {
  if (!isId(text, 'ord')) throw usageError(`an order id looks like ord_...; got "${text}"`);
  return text;
}

const payHelp = [
  '',
  'With the test payment provider, the card number decides the outcome:',
  `  ${TEST_CARDS.approved}  approved: the keys are issued and printed, the first alone on the first line`,
  `  ${TEST_CARDS.declined}  declined (exit 1), with the reason and what to try next`,
  `  ${TEST_CARDS.insufficientFunds}  declined for insufficient funds (exit 1)`,
  `  ${TEST_CARDS.threeDSecure}  pending 3-D Secure: completed with POST /v1/payments/ID/test-completion`,
  'Any other number of 12 to 19 digits is approved. With --method paypal it approves, unless --card is paypal-decline.',
].join('\n');

type PlaceFlags = ActingFlags &
  ItemFlags & {
    quote?: string;
    account?: string;
    method: string;
    apEmail?: string;
    endUser?: string;
    poReference?: string;
    idempotencyKey?: string;
  };

/** A purchase order's details, only for a method paid on net terms. */
function purchaseOrderOf(flags: PlaceFlags, method: (typeof PAYMENT_METHODS)[number]) {
  const given = [flags.apEmail, flags.endUser, flags.poReference].some((value) => value !== undefined);
  if (!OFFLINE_METHODS.includes(method)) {
    if (given)
      throw usageError('--ap-email, --end-user and --po-reference are for bank_wire, ach and purchase_order');
    return undefined;
  }
  if (flags.poReference !== undefined && (flags.poReference.trim() === '' || flags.poReference.length > 100))
    throw usageError(`--po-reference must be 1 to 100 characters; got "${flags.poReference}"`);
  return {
    accountsPayableEmail: flags.apEmail ?? '',
    endUserAccount: flags.endUser ?? '',
    ...(flags.poReference === undefined ? {} : { reference: flags.poReference.trim() }),
  };
}

function idempotencyKeyOf(text: string | undefined): string {
  if (text === undefined) return randomUUID();
  if (!/^[\x21-\x7e]{8,200}$/.test(text))
    throw usageError('--idempotency-key must be 8 to 200 printable characters without spaces');
  return text;
}

export function registerOrderCommands(program: Command): void {
  actingOption(
    dataOption(
      itemOptions(
        program
          .command('quote')
          .description(
            'Price new keys, renewals and subscriptions at today’s prices and keep them as a quote for 30 days',
          ),
      ),
    ),
  )
    .requiredOption('--account <account>', 'account id (acc_...) or registered admin email')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', example('seatkeeper quote --account admin@example.com --key key-1y:10'))
    .action(async (flags: ActingFlags & ItemFlags & { account: string }) => {
      if (!hasItems(flags))
        throw usageError('name what to buy: --key, --renew, --subscription or --gateway-license');
      const quote = await withContext(flags, async (ctx) => {
        const principal = await actingAs(ctx, flags);
        const { id } = orExit(await resolveAccount(ctx, flags.account));
        return orExit(await createQuote(ctx, principal, { accountId: id, items: await itemsOf(ctx, flags) }));
      });
      if (flags.json) printJson(quote);
      else printQuote(quote);
    });

  const order = program
    .command('order')
    .description('Orders: a quote placed with a payment method, paid online or on Net 30 terms');

  actingOption(
    dataOption(
      itemOptions(
        order
          .command('create')
          .description(
            'Place a quote, or order items at today’s prices, choosing how it is paid; issues its invoice',
          ),
      ),
    ),
  )
    .option('--quote <id>', 'the quote to place at its prices (ord_...)')
    .option('--account <account>', 'with item flags: account id (acc_...) or registered admin email')
    .requiredOption('--method <method>', PAYMENT_METHODS.join(', '))
    .option('--ap-email <email>', 'bank_wire, ach, purchase_order: the accounts payable email')
    .option('--end-user <account>', 'bank_wire, ach, purchase_order: the end user’s registered account')
    .option('--po-reference <ref>', 'the purchase order number')
    .option(
      '--idempotency-key <key>',
      'a retry with the same key answers with the same order; a new one by default',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      example(
        'seatkeeper order create --quote ord_... --method card',
        'seatkeeper order create --account admin@example.com --key key-1y:100 --method purchase_order \\\n      --ap-email ap@example.com --end-user admin@example.com --po-reference PO-1234',
      ),
    )
    .action(async (flags: PlaceFlags) => {
      const method = oneOf('--method', flags.method, PAYMENT_METHODS);
      const purchaseOrder = purchaseOrderOf(flags, method);
      const idempotencyKey = idempotencyKeyOf(flags.idempotencyKey);
      if (flags.quote !== undefined && (hasItems(flags) || flags.account !== undefined))
        throw usageError('give either --quote or --account with items, not both');
      if (flags.quote === undefined && (!hasItems(flags) || flags.account === undefined))
        throw usageError(
          'give --quote ID, or --account with --key, --renew, --subscription or --gateway-license',
        );
      const placement = { paymentMethod: method, ...(purchaseOrder === undefined ? {} : { purchaseOrder }) };
      const { placed, invoice } = await withContext(flags, async (ctx) => {
        const principal = await actingAs(ctx, flags);
        const input =
          flags.quote !== undefined
            ? { quoteId: orderId(flags.quote), ...placement }
            : {
                accountId: orExit(await resolveAccount(ctx, flags.account ?? '')).id,
                items: await itemsOf(ctx, flags),
                ...placement,
              };
        const placed = orExit(await createOrder(ctx, principal, input, idempotencyKey));
        return { placed, invoice: await invoiceOf(ctx, placed) };
      });
      if (flags.json) printJson(placed);
      else {
        print(
          `Order ${placed.number} (${placed.id}) is ${placed.status}: ${formatAmount(placed.total, placed.currency)}, invoice ${invoice?.number ?? '-'}.`,
        );
        print(nextStep(placed, invoice));
      }
    });

  dataOption(order.command('list').description('Orders and quotes, oldest first'))
    .option('--account <account>', 'only this account’s: id or registered admin email')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', example('seatkeeper order list --account admin@example.com'))
    .action(async (flags: StoreFlags & { account?: string }) => {
      const orders = await withContext(flags, async (ctx) => {
        const accountId = await accountFilter(ctx, flags.account);
        const all: Order[] = [];
        let after: string | undefined;
        do {
          const page = orExit(await listOrders(ctx, READER, { accountId, after }));
          all.push(...page.orders);
          after = page.next ?? undefined;
        } while (after !== undefined);
        return all;
      });
      if (flags.json) printJson({ orders });
      else if (orders.length === 0) print('No orders.');
      else
        print(
          table(
            ['ID', 'NUMBER', 'STATUS', 'METHOD', 'CONNECTIONS', 'TOTAL', 'CREATED'],
            orders.map((o) => [
              o.id,
              o.number,
              o.status,
              o.paymentMethod ?? '-',
              String(o.connections),
              formatAmount(o.total, o.currency),
              o.createdAt.slice(0, 10),
            ]),
          ),
        );
    });

  dataOption(
    order
      .command('show')
      .description('One order or quote with its lines, its invoice and what paying it made')
      .argument('<id>', 'the order id (ord_...)'),
  )
    .option('--json', 'print the result as JSON')
    .addHelpText('after', example('seatkeeper order show ord_...'))
    .action(async (id: string, flags: StoreFlags) => {
      const { shown, invoice, made } = await withContext(flags, async (ctx) => {
        const shown = orExit(await showOrder(ctx, READER, orderId(id)));
        return { shown, invoice: await invoiceOf(ctx, shown), made: await madeBy(ctx, shown) };
      });
      if (flags.json) printJson(shown);
      else {
        printOrder(shown, invoice);
        if (shown.status === 'paid') {
          print();
          printMade(made);
        } else if (shown.status === 'open') {
          print();
          print(nextStep(shown, invoice));
        }
      }
    });

  actingOption(
    dataOption(
      order
        .command('pay')
        .description('Pay an open order by card or PayPal; prints the keys it issued, the key first')
        .argument('<id>', 'the order id (ord_...)'),
    ),
  )
    .option('--method <method>', 'card or paypal; the order’s own method by default')
    .option('--card <number>', 'the card number (the test provider: one of the numbers below)')
    .option(
      '--idempotency-key <key>',
      'a retry with the same key answers with the same payment; a new one by default',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `${payHelp}\n${example(`KEY=$(seatkeeper order pay ord_... --card ${TEST_CARDS.approved} | head -1)`)}`,
    )
    .action(
      async (
        id: string,
        flags: ActingFlags & { method?: string; card?: string; idempotencyKey?: string },
      ) => {
        const method =
          flags.method === undefined
            ? undefined
            : oneOf('--method', flags.method, ['card', 'paypal'] as const);
        const idempotencyKey = idempotencyKeyOf(flags.idempotencyKey);
        const { payment, made, publicUrl } = await withContext(flags, async (ctx) => {
          const principal = await actingAs(ctx, flags);
          const input = {
            ...(method === undefined ? {} : { method }),
            ...(flags.card === undefined ? {} : { paymentToken: flags.card }),
          };
          const payment = orExit(await payOrder(ctx, principal, orderId(id), input, idempotencyKey));
          return { payment, made: await madeBy(ctx, payment.order), publicUrl: ctx.policy.publicUrl };
        });
        if (flags.json) printJson({ ...payment, ...made });
        else printPayment(payment, made, publicUrl);
        if (payment.status === 'declined')
          throw new CliError(
            `${payment.declineReason ?? 'The payment was declined.'} ${payment.nextStep ?? ''}`.trim(),
            EXIT.refused,
            'payment_declined',
          );
      },
    );

  actingOption(
    dataOption(
      order
        .command('cancel')
        .description('Cancel a quote or an unpaid order; its invoice is voided and keeps its number')
        .argument('<id>', 'the order id (ord_...)'),
    ),
  )
    .option('--json', 'print the result as JSON')
    .addHelpText('after', example('seatkeeper order cancel ord_...'))
    .action(async (id: string, flags: ActingFlags) => {
      const { canceled, invoice } = await withContext(flags, async (ctx) => {
        const canceled = orExit(await cancelOrder(ctx, await actingAs(ctx, flags), orderId(id)));
        return { canceled, invoice: await invoiceOf(ctx, canceled) };
      });
      if (flags.json) printJson(canceled);
      else
        print(
          `Order ${canceled.number} (${canceled.id}) is canceled${invoice === undefined ? '' : `; its invoice ${invoice.number} is ${invoice.status}`}.`,
        );
    });
}
