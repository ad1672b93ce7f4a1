import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeImport } from '../../../src/importer/report.js';
import type { ImportReport } from '../../../src/importer/run.js';

// What the importer prints, line by line, for each kind of finding.

const counts = { imported: 2, updated: 1, unchanged: 3, skipped: 1, deleted: 0 };
const report = (more: Partial<ImportReport>): ImportReport => ({
  counts,
  problems: [],
  conflicts: [],
  goneFromSource: [],
  ...more,
});

test('problems, conflicts and rows gone from the source are listed before the summary', () => {
  const { lines, ok } = describeImport(
    report({
      problems: [{ id: 7, field: 'price', value: 3_000_000_000, why: 'more than 2147483647' }],
      conflicts: [{ id: 9, here: { id: 9, product: 'Tea', price: 1 }, source: { id: 9, product: 'Tee', price: 2 } }],
      goneFromSource: [4, 5],
    }),
    { dryRun: false, from: 'sqlite:old.sqlite3' },
  );
  assert.deepEqual(lines, [
    'Rows pricebook cannot hold as they are (1):',
    '  id 7: price 3000000000: more than 2147483647',
    'Items here that differ from their source rows and were not imported from them (1):',
    '  id 9: here {"product":"Tea","price":1}, in the source {"product":"Tee","price":2}',
    'Imported earlier, no longer in the source (2, kept here; --mirror deletes them): 4, 5',
    'imported 2, updated 1, unchanged 3, skipped 1, deleted 0 (from sqlite:old.sqlite3)',
  ]);
  assert.equal(ok, true);
});

test('with --mirror the gone rows are deleted, or would be in a dry run', () => {
  const mirrored = report({ goneFromSource: [4], counts: { ...counts, deleted: 1 } });
  assert.match(describeImport(mirrored, { dryRun: false, from: 's' }).lines[0] as string, /\(1, deleted here\): 4$/);
  assert.match(
    describeImport(mirrored, { dryRun: true, from: 's' }).lines[0] as string,
    /\(1, would be deleted here\): 4$/,
  );
});

test('a refused import says so and fails; a verification that differs fails a real run only', () => {
  const refused = describeImport(report({ refused: 'invalid rows (see above)' }), { dryRun: false, from: 's' });
  assert.deepEqual(refused.lines, [
    'Nothing written: invalid rows (see above).',
    'would have: imported 2, updated 1, unchanged 3, skipped 1, deleted 0 (from s)',
  ]);
  assert.equal(refused.ok, false);
  const verification = { source: { count: 2, checksum: 'a' }, target: { count: 2, checksum: 'b' } };
  const differs = describeImport(report({ verification }), { dryRun: false, from: 's' });
  assert.match(differs.lines.at(-1) as string, /they DIFFER$/);
  assert.equal(differs.ok, false);
  assert.equal(describeImport(report({ verification }), { dryRun: true, from: 's' }).ok, true);
});
