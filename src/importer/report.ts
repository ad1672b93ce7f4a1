import { describeProblem } from './rows.js';
import type { ImportReport } from './run.js';

// What the importer prints: every problem row, every conflict, the rows gone from the source,
// then one summary line and the verification.

export function describeImport(report: ImportReport, { dryRun, from }: { dryRun: boolean; from: string }) {
  const lines: string[] = [];
  if (report.problems.length > 0) {
    lines.push(`Rows pricebook cannot hold as they are (${report.problems.length}):`);
    lines.push(...report.problems.map((problem) => `  ${describeProblem(problem)}`));
  }
  if (report.conflicts.length > 0) {
    lines.push(
      `Items here that differ from their source rows and were not imported from them (${report.conflicts.length}):`,
    );
    for (const { id, here, source } of report.conflicts) {
      const values = (row: { product: string; price: number }) =>
        JSON.stringify({ product: row.product, price: row.price });
      lines.push(`  id ${id}: here ${values(here)}, in the source ${values(source)}`);
    }
  }
  if (report.goneFromSource.length > 0) {
    const what =
      report.counts.deleted > 0
        ? dryRun
          ? 'would be deleted here'
          : 'deleted here'
        : 'kept here; --mirror deletes them';
    lines.push(
      `Imported earlier, no longer in the source (${report.goneFromSource.length}, ${what}): ${report.goneFromSource.join(', ')}`,
    );
  }
  if (report.refused) lines.push(`Nothing written: ${report.refused}.`);
  const { imported, updated, unchanged, skipped, deleted } = report.counts;
  const verb = report.refused ? 'would have: imported' : dryRun ? 'dry run, nothing written: would import' : 'imported';
  lines.push(
    `${verb} ${imported}, updated ${updated}, unchanged ${unchanged}, skipped ${skipped}, deleted ${deleted} (from ${from})`,
  );
  let ok = report.refused === undefined;
  if (report.verification) {
    const { source, target } = report.verification;
    const match = source.count === target.count && source.checksum === target.checksum;
    lines.push(
      `verify: source ${source.count} valid rows, checksum ${source.checksum}; target ${target.count} items with those ids, checksum ${target.checksum}: ${match ? 'they match' : 'they DIFFER'}`,
    );
    if (!dryRun && !match) ok = false;
  }
  return { lines, ok };
}
