import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Database, openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { itemMigrations } from '../src/items/migrations/index.js';
import { createItem, itemStore, updateItem } from '../src/items/repository/items.js';
import { median, pinSelf, SERVER_CPU } from './lib.js';

// What a single-row write costs the SQLite database at each step of the schema: the same
// updates (a PUT's statement) and inserts (a create's), through the repository and the SQLite
// driver, one at a time so that each commits alone, on databases migrated up to each migration
// that changed what a write touches. CPU microseconds per write, median of alternating rounds,
// this process pinned to the servers' core (bench/README.md, "What a write costs").
//
//   node --import tsx bench/write-cost.ts [--rounds 9] [--writes 3000]

const { values: args } = parseArgs({
  options: { rounds: { type: 'string', default: '9' }, writes: { type: 'string', default: '3000' } },
});
const ROUNDS = Number(args.rounds);
const WRITES = Number(args.writes);
const ITEMS = 10_000;

const STEPS = [
  { upTo: '003_add_product_search', label: 'items, product index, search form (the schema of 39dfb02)' },
  { upTo: '004_add_order_indexes', label: '+ (price, id) and (product, id) indexes for keyset lists' },
  { upTo: '006_create_item_changes', label: '+ the change log trigger (item_changes, its index)' },
  { upTo: '007_item_changes_without_autoincrement', label: '+ the change log without AUTOINCREMENT' },
] as const;

async function databaseUpTo(dir: string, upTo: string): Promise<Database> {
  const database = await openDatabase({ kind: 'sqlite', path: join(dir, `${upTo}.sqlite3`) } as never);
  const all = itemMigrations('sqlite');
  const names = Object.keys(all).filter((name) => name <= upTo);
  await migrateToLatest(database, Object.fromEntries(names.map((name) => [name, all[name]])) as never);
  const store = itemStore(database);
  for (let i = 1; i <= ITEMS; i++) await createItem(store, { product: `P${i % 1000}`, price: i });
  return database;
}

/** CPU microseconds per write. */
async function cpuPerWrite(write: () => Promise<unknown>): Promise<number> {
  const started = process.cpuUsage();
  for (let n = 0; n < WRITES; n++) await write();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / WRITES;
}

const price = () => Math.floor(Math.random() * 100_000);

/** An update of a random item's product and price, and an insert: CPU µs per write of each. */
async function writes(database: Database): Promise<[number, number]> {
  const store = itemStore(database);
  const update = () => {
    const id = 1 + Math.floor(Math.random() * ITEMS);
    return updateItem(store, id, { product: `P${id % 1000}`, price: price() });
  };
  return [
    await cpuPerWrite(update),
    await cpuPerWrite(() => createItem(store, { product: 'Bench item', price: price() })),
  ];
}

pinSelf(SERVER_CPU);
const dir = mkdtempSync(join(tmpdir(), 'pricebook-write-cost-'));
try {
  const databases = [];
  for (const step of STEPS) databases.push(await databaseUpTo(dir, step.upTo));
  const updates: number[][] = STEPS.map(() => []);
  const inserts: number[][] = STEPS.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [...databases.keys()] : [...databases.keys()].reverse();
    for (const i of order) {
      const [update, insert] = await writes(databases[i] as Database);
      updates[i]?.push(update);
      inserts[i]?.push(insert);
    }
  }
  console.log(
    `SQLite, ${WRITES} single-row writes of each kind per round, ${ROUNDS} rounds, CPU µs per write (median):`,
  );
  console.log('  update         insert');
  const [updateBase, insertBase] = [median(updates[0] ?? []), median(inserts[0] ?? [])];
  const cell = (cost: number, base: number) => `${cost.toFixed(1).padStart(6)} ×${(cost / base).toFixed(2)}`;
  STEPS.forEach((step, i) => {
    const [update, insert] = [median(updates[i] ?? []), median(inserts[i] ?? [])];
    console.log(`  ${cell(update, updateBase)}  ${cell(insert, insertBase)}  ${step.label}`);
  });
  for (const database of databases) await database.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
