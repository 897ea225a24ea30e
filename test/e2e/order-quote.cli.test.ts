import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Order, Payment } from '../../src/contract/orders.js';
import { ONLINE_MINIMUM_REASON } from '../../src/domain/purchase-rules.js';
import { TEST_CARDS } from '../../src/service/payments/test-provider.js';
import { readmeShellBlock, runPasted } from '../support/readme.js';
import { customerWithKey } from '../support/service-process.js';
import { KEY_LINE, serviceForOrders } from './cli-fixture.js';

/**
 * Buying at the command line, what is bought: the README's Buying section, quotes of keys, renewals,
 * gateway licenses and a subscription's new size, the items refused, and the commands' --help.
 */
// A dozen starts of the command per test: without a current bundle, each compiles the sources.
describe('seatkeeper quote, order and invoice pay|void', { timeout: 180_000 }, () => {
  const { dir, data, service, cli, json } = serviceForOrders();

  it('runs the README Buying section as pasted: quote, order, paid by card, the key activated shows [0, 10]', async () => {
    const script = readmeShellBlock('Buying');
    expect(script).toContain('order pay');
    const checkout = readdirSync(dir.path).sort();
    const { stdout } = await runPasted(script, { serviceUrl: service.url, checkout: dir.path });
    expect(readdirSync(dir.path).sort(), 'what the README left in the checkout').toEqual([
      ...new Set([...checkout, 'tmp']),
    ]);
    expect(stdout).toMatch(/^Order SO-\w+ \(ord_\w+\): paid, card$/m);
    expect(stdout).toMatch(/^Invoice SK-\d{6} \(inv_\w+\): paid$/m);
    expect(stdout).toMatch(/^([0-9A-Z]{4}-){4}[0-9A-Z]{4}\n10 connections, 1 year, support term until /m);
    // Once as `agent activate` answers, once as `agent usage` starts.
    expect(stdout.split('\n').filter((line) => line === '[0, 10]')).toHaveLength(2);
    expect(stdout).toMatch(/\bcounting\s+\d{4}-\d{2}-\d{2}/);
    const keys = JSON.parse(
      (await cli(['key', 'list', '--account', 'buyer@example.com', '--json'])).stdout,
    ) as { licenses: { status: string; connections: number; orderNumber?: string }[] };
    expect(keys.licenses).toEqual([expect.objectContaining({ status: 'active', connections: 10 })]);
  });

  it('prints a quote readably: lines, totals, price book, payment methods, validity and how to place it', async () => {
    const { email } = await customerWithKey(data);
    const quoted = await cli(['quote', '--account', email, '--key', 'key-1y:10', '--key', 'key-2y:15']);
    expect(quoted.code, quoted.stderr).toBe(0);
    expect(quoted.stdout).toMatch(/^Quote (ord_\w+) for acc_\w+, price book default\n/);
    expect(quoted.stdout).toMatch(/DESCRIPTION\s+QUANTITY\s+UNIT\s+AMOUNT/);
    expect(quoted.stdout).toMatch(/10 connections × \$18\.00\s+10\s+\$18\.00\s+\$180\.00/);
    expect(quoted.stdout).toMatch(/^Total\s+\$[\d,]+\.\d{2}$/m);
    expect(quoted.stdout).toContain('Payment methods: card, paypal');
    expect(quoted.stdout).toMatch(/^Valid until \d{4}-\d{2}-\d{2} at these prices\.$/m);
    const id = /^Quote (ord_\w+)/.exec(quoted.stdout)?.[1];
    expect(quoted.stdout).toContain(`Place it: seatkeeper order create --quote ${id} --method card`);
    const big = await json<Order>(['quote', '--account', email, '--subscription', 'subscription-yearly:100']);
    expect(big).toMatchObject({ status: 'quote', connections: 100, items: [{ type: 'subscription' }] });
    expect(big.paymentMethods).toEqual(['card', 'paypal', 'bank_wire', 'ach', 'purchase_order']);
  });

  it('quotes and pays a renewal of a key of the account', async () => {
    const { email, key, id } = await customerWithKey(data);
    const quote = await json<Order>(['quote', '--account', email, '--renew', `${key}:2`]);
    expect(quote.items).toEqual([{ type: 'renewal', licenseId: id, years: 2 }]);
    expect(quote.lines[0]?.description).toContain(`…${key.slice(-4)}`);
    const order = await json<Order>(['order', 'create', '--quote', quote.id, '--method', 'paypal']);
    const paid = await cli(['order', 'pay', order.id]);
    expect([paid.code, paid.stderr]).toEqual([0, '']);
    expect(paid.stdout).toMatch(new RegExp(`^Renewed …${key.slice(-4)} \\(${id}\\): support term until `));
  });

  it('quotes, orders and pays gateway licenses: the key is printed first, with what it holds', async () => {
    const { email } = await customerWithKey(data);
    const quoted = await cli(['quote', '--account', email, '--gateway-license', 'SPC-1YR-LIC:2']);
    expect(quoted.code, quoted.stderr).toBe(0);
    expect(quoted.stdout).toMatch(
      /SecuPoint VPN Client, 1 year: 2 × SPC-1YR-LIC \(20 VPN users each, 1 year\), 40 users × \$6\.00\s+40\s+\$6\.00\s+\$240\.00/,
    );
    const order = await json<Order>([
      ...['order', 'create', '--account', email, '--gateway-license', 'SPC-1YR-LIC:2'],
      ...['--gateway-license', 'PRO-1YR-LIC:1', '--method', 'card'],
    ]);
    expect(order).toMatchObject({
      connections: 50,
      total: 390_00,
      items: [
        { type: 'gateway_license', sku: 'SPC-1YR-LIC', quantity: 2 },
        { type: 'gateway_license', sku: 'PRO-1YR-LIC', quantity: 1 },
      ],
    });
    const paid = await cli(['order', 'pay', order.id]);
    expect([paid.code, paid.stderr]).toEqual([0, '']);
    const lines = paid.stdout.split('\n');
    expect(lines[0]).toMatch(KEY_LINE);
    expect(lines[1]).toMatch(
      /^Gateway license key: 2 × SPC-1YR-LIC \(20 VPN users each, 1 year\), to add to an organization \(gwk_\w+\)\.$/,
    );
    expect(lines[3]).toMatch(/^Gateway license key: 1 × PRO-1YR-LIC \(Pro features, 1 year\)/);
    const shown = await json<Order>(['order', 'show', order.id]);
    expect(shown.fulfilment?.gatewayKeys).toEqual([
      expect.objectContaining({ item: 0, sku: 'SPC-1YR-LIC', quantity: 2, keyHint: lines[0]?.slice(-4) }),
      expect.objectContaining({ item: 1, sku: 'PRO-1YR-LIC', quantity: 1 }),
    ]);
  });

  it('refuses malformed items (exit 2) and unknown products or keys (exit 1) with their codes', async () => {
    const { email } = await customerWithKey(data);
    const cases: [string[], number, string][] = [
      [['--key', 'key-1y'], 2, '--key must be SKU:CONNECTIONS, such as key-1y:10; got "key-1y"'],
      [
        ['--key', 'key-1y:ten'],
        2,
        '--key key-1y:CONNECTIONS must be a whole number from 1 to 1000000; got "ten"',
      ],
      [['--key', 'key-1y:0'], 2, 'must be a whole number from 1'],
      [['--renew', 'lic_x:2:3'], 2, '--renew must be LICENSE[:YEARS]'],
      [
        ['--key', 'key-9y:10'],
        1,
        'Price book default sells no fixed license key key-9y. (product_not_found)',
      ],
      [['--subscription', 'key-1y:10'], 1, '(product_not_found)'],
      [['--renew', 'ABCD-EFGH-JKMN-PQRS-TVWX'], 1, '(license_key_malformed)'],
      [['--renew', 'lic_0000000000aaaaaaaaaaaaaaaa:2'], 1, '(license_not_found)'],
      [[], 2, 'name what to buy: --key, --renew, --subscription or --gateway-license'],
      [
        ['--gateway-license', 'SPC-1YR-LIC'],
        2,
        '--gateway-license must be SKU:QUANTITY, such as SPC-1YR-LIC:2',
      ],
      [
        ['--gateway-license', 'SPC-1YR-LIC:10001'],
        2,
        '--gateway-license SPC-1YR-LIC:QUANTITY must be a whole number from 1 to 10000; got "10001"',
      ],
      [
        ['--gateway-license', 'AP-1YR-LIC:4'],
        1,
        'Price book default sells no gateway license AP-1YR-LIC. (product_not_found)',
      ],
    ];
    for (const [items, code, message] of cases) {
      const outcome = await cli(['quote', '--account', email, ...items]);
      expect([outcome.code, outcome.stderr], items.join(' ')).toEqual([
        code,
        expect.stringContaining(message),
      ]);
    }
    const nobody = await cli(['quote', '--account', 'nobody@nowhere.example', '--key', 'key-1y:10']);
    expect([nobody.code, nobody.stderr]).toEqual([1, expect.stringContaining('(account_not_found)')]);
  });

  it('refuses an online order below 10 connections with the seeds’ sentence', async () => {
    const { email } = await customerWithKey(data);
    const quote = await cli(['quote', '--account', email, '--key', 'key-1y:9']);
    expect(quote.stdout).toContain(`Payment methods: none. ${ONLINE_MINIMUM_REASON}`);
    const refused = await cli([
      'order',
      'create',
      '--account',
      email,
      '--key',
      'key-1y:9',
      '--method',
      'card',
    ]);
    expect([refused.code, refused.stderr]).toEqual([
      1,
      `seatkeeper: ${ONLINE_MINIMUM_REASON} (order_below_online_minimum)\n`,
    ]);
  });

  it('documents the test cards and an example in --help', async () => {
    const pay = await cli(['order', 'pay', '--help']);
    for (const card of Object.values(TEST_CARDS)) expect(pay.stdout).toContain(card);
    expect(pay.stdout).toContain('Example:');
    for (const path of [['quote'], ['order', 'create'], ['invoice', 'pay'], ['invoice', 'void']])
      expect((await cli([...path, '--help'])).stdout, path.join(' ')).toContain('Example:');
  });

  it('scales a subscription bought through an order: each proration line prints its day count and formula', async () => {
    const { email } = await customerWithKey(data);
    const bought = await json<Order>([
      ...[
        'order',
        'create',
        '--account',
        email,
        '--subscription',
        'subscription-monthly:100',
        '--method',
        'card',
      ],
    ]);
    const paid = await json<Payment>(['order', 'pay', bought.id]);
    const [subscriptionId = ''] = paid.order.fulfilment?.subscriptionIds ?? [];
    expect(subscriptionId).toMatch(/^sub_/);
    const scaled = await cli([
      ...[
        'order',
        'create',
        '--account',
        email,
        '--change-subscription',
        `${subscriptionId}:150`,
        '--method',
        'card',
      ],
    ]);
    expect(scaled.code, scaled.stderr).toBe(0);
    const id = /\((ord_\w+)\)/.exec(scaled.stdout)?.[1] ?? '';
    const shown = await cli(['order', 'show', id]);
    // Bought and scaled the same day: that day is used, the rest of the month credited and charged.
    expect(shown.stdout).toMatch(/Unused time on 100 connections, \d+ of \d+ days .*× \d+\/\d+/);
    expect(shown.stdout).toMatch(/Remaining time on 150 connections, \d+ of \d+ days .*× \d+\/\d+/);
    const malformed = await cli([
      'order',
      'create',
      '--account',
      email,
      '--change-subscription',
      subscriptionId,
      '--method',
      'card',
    ]);
    expect([malformed.code, malformed.stderr]).toEqual([
      2,
      expect.stringContaining('--change-subscription must be'),
    ]);
  });
});
