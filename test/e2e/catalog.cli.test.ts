import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engines.js';
import { oneProductBook } from '../support/price-books.js';
import { seatkeeper } from '../support/service-process.js';

/** The catalog commands on a fresh store: what is on sale, a price, a new book from a file. */
describe('seatkeeper catalog', () => {
  const dir = tempDir();
  const data = resolve(dir.path, 'data');
  const cli = (args: string[]) => seatkeeper([...args, '--data', data], { env: { SEATKEEPER_OPERATOR: '' } });
  const file = (name: string, content: unknown) => {
    const path = resolve(dir.path, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  afterAll(() => dir.remove());

  it('shows the default book a fresh store starts with, and prices a quantity from it', async () => {
    const shown = await cli(['catalog', 'show']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('Price book default');
    expect(shown.stdout).toMatch(/key-1y: .*\n.*\n1-24 +\$18\.00/);
    expect(shown.stdout).toMatch(/500\+ +\$12\.00/);

    const line = await cli(['catalog', 'price', 'key-1y', '--quantity', '100', '--json']);
    expect(JSON.parse(line.stdout)).toMatchObject({
      quantity: 100,
      unitPrice: { amount: 15_00, currency: 'USD' },
      total: { amount: 1500_00 },
      priceBookVersion: 'default',
    });
    expect((await cli(['catalog', 'price', 'key-1y', '--quantity', '10'])).stdout).toContain('= $180.00');
  });

  it('refuses a bad quantity, an unknown SKU and a malformed book, saying what is wrong', async () => {
    const zero = await cli(['catalog', 'price', 'key-1y', '--quantity', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--quantity');
    const unknown = await cli(['catalog', 'price', 'key-9y', '--quantity', '10']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('key-9y');

    const book = oneProductBook('2030', '2030-01-01T00:00:00.000Z');
    const badTier = {
      ...book,
      products: [{ ...book.products[0], tiers: [{ upTo: null, unitPrice: 'ten' }] }],
    };
    const malformed = await cli(['catalog', 'add', file('bad.json', badTier)]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('products.0.tiers.0.unitPrice');
    const notJson = await cli(['catalog', 'add', file('not.json', '{')]);
    expect(notJson.code).toBe(2);
    const past = await cli([
      'catalog',
      'add',
      file('past.json', { ...book, effectiveFrom: '2020-01-01T00:00:00Z' }),
    ]);
    expect(past.code).toBe(1);
    expect(past.stderr).toContain('effectiveFrom');
    expect(JSON.parse((await cli(['catalog', 'books', '--json'])).stdout).books).toHaveLength(1);
  });

  it('publishes a book from a file, in force from its date on', async () => {
    const added = await cli([
      'catalog',
      'add',
      file('2030.json', oneProductBook('2030', '2030-01-01T00:00:00.000Z')),
    ]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('Published price book 2030');
    const books = await cli(['catalog', 'books']);
    expect(books.stdout).toMatch(/^default .*\n2030 +2030-01-01T00:00:00\.000Z +USD +key-1y/m);
    expect((await cli(['catalog', 'show'])).stdout).toContain('Price book default');
    expect((await cli(['catalog', 'show', '--at', '2030-02-01'])).stdout).toContain('Price book 2030');
    const later = await cli([
      'catalog',
      'price',
      'key-1y',
      '--quantity',
      '10',
      '--at',
      '2030-02-01',
      '--json',
    ]);
    expect(JSON.parse(later.stdout)).toMatchObject({
      priceBookVersion: '2030',
      unitPrice: { amount: 20_00 },
    });
  });

  it('explains each command with --help', async () => {
    for (const command of ['show', 'books', 'add', 'price']) {
      const help = await seatkeeper(['catalog', command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`seatkeeper catalog ${command}`);
    }
  });
});
