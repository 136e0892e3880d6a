/**
 * How import reports look in a terminal and as --json. Kept apart from the
 * commands so the queue's `enqueue --wait` prints exactly what `import` prints.
 */
import { type ImportReport, reportSummary } from '../core/runOutcome.js';

export const EXIT = { ok: 0, fileError: 1, usage: 2, rowErrors: 3 } as const;

export function exitCodeOf(report: Pick<ImportReport, 'kind' | 'errors'>): number {
  switch (report.kind) {
    case 'atomic-aborted':
      return EXIT.rowErrors;
    case 'failed':
    case 'held':
      return EXIT.fileError;
    case 'applied':
    case 'dry-run':
    case 'unfinished':
      return report.errors.length > 0 ? EXIT.rowErrors : EXIT.ok;
  }
}

/** The --json shape: stable, documented in README and docs/. */
export function reportJson(report: ImportReport): Record<string, unknown> {
  return { ...reportSummary(report), ...(report.fileError ? { fileError: report.fileError } : {}) };
}

const MAX_ERRORS_SHOWN = 20;

export function renderReport(report: ImportReport, sourceName: string): string {
  const lines: string[] = [];
  const what = report.dryRun ? 'Dry run of' : 'Import of';
  lines.push(`${what} ${sourceName} into "${report.organization}" (run ${report.runId})`);
  if (report.kind === 'failed' || report.kind === 'held') {
    // A queued sync over its threshold is held, not failed: `orgsync approve` can still apply it.
    const outcome = report.kind === 'held' ? 'NEEDS APPROVAL' : 'FAILED';
    lines.push(`  ${outcome} ${report.fileError.code}: ${report.fileError.message}`);
    lines.push('  Nothing was written.');
    return lines.join('\n');
  }
  const c = report.counts;
  lines.push(
    `  rows ${c.rows}: created ${c.created}, updated ${c.updated}, moved ${c.moved}, unchanged ${c.unchanged}` +
      `${c.merged ? `, merged ${c.merged}` : ''}, deactivated ${c.deactivated}, failed ${c.failed}, skipped ${c.skipped}`,
  );
  if (c.membersAdded !== undefined) lines.push(`  members: added ${c.membersAdded}, removed ${c.membersRemoved ?? 0}`);
  if (report.errors.length > 0) {
    const shown = report.errors.slice(0, MAX_ERRORS_SHOWN);
    lines.push(`  Errors${report.errors.length > shown.length ? ` (first ${shown.length} of ${report.errors.length})` : ''}:`);
    const rowWidth = String(shown.at(-1)?.row ?? 0).length;
    for (const e of shown) {
      lines.push(`    row ${String(e.row).padStart(rowWidth)}  ${e.code}  ${e.field}: ${e.message}`);
    }
    if (report.errors.length > shown.length) lines.push('    ... use --report errors.csv for all of them');
  }
  for (const w of report.warnings) lines.push(`  Warning: ${w}`);
  if (report.kind === 'atomic-aborted') lines.push(`  ${report.fileError.message}.`);
  else if (report.dryRun) lines.push('  Dry run: nothing was written.');
  lines.push(`  Status: ${report.status}`);
  return lines.join('\n');
}
