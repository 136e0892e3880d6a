/**
 * How import reports look in a terminal and as --json. Kept apart from the
 * commands so the queue's `enqueue --wait` prints exactly what `import` prints.
 */
import { type ImportReport, reportSummary } from '../core/runOutcome.js';
import { type Palette, paletteFor } from './color.js';
import { renderPlan } from './planText.js';

export const EXIT = { ok: 0, fileError: 1, usage: 2, rowErrors: 3 } as const;

export function exitCodeOf(report: Pick<ImportReport, 'kind' | 'errors' | 'status'>): number {
  switch (report.kind) {
    case 'atomic-aborted':
      return EXIT.rowErrors;
    case 'failed':
    case 'held':
      return EXIT.fileError;
    case 'stopped':
      // Skipped: nothing to do is not a failure. Cancelled: nothing was written (the CLI's own import exits 130/143).
      return report.status === 'skipped' ? EXIT.ok : EXIT.fileError;
    case 'applied':
    case 'dry-run':
    case 'unfinished':
      return report.errors.length > 0 ? EXIT.rowErrors : EXIT.ok;
  }
}

/** The --json shape: stable, documented in README and docs/. Dry runs and held runs carry their whole plan. */
export function reportJson(report: ImportReport): Record<string, unknown> {
  return { ...reportSummary(report), ...(report.fileError ? { fileError: report.fileError } : {}), ...(report.plan ? { plan: report.plan } : {}) };
}

/** Where a truncated plan is complete, for the text report. */
export const PLAN_MORE = 'see --plan-report FILE (or --json)';

const MAX_ERRORS_SHOWN = 20;

export function renderReport(report: ImportReport, sourceName: string, paint: Palette = paletteFor(process.stdout)): string {
  const lines: string[] = [];
  const what = report.dryRun ? 'Dry run of' : 'Import of';
  lines.push(`${what} ${sourceName} into "${report.organization}" (run ${report.runId})`);
  if (report.kind === 'failed' || report.kind === 'stopped') {
    const outcome = report.kind === 'stopped' ? report.status.toUpperCase() : 'FAILED';
    lines.push(`  ${paint.red(outcome)} ${report.fileError.code}: ${report.fileError.message}`);
    lines.push('  Nothing was written.');
    return lines.join('\n');
  }
  // Over its threshold: held (a queued sync, `orgsync approve` applies it) or a dry run, with the real counts and the plan.
  if (report.kind === 'held') lines.push(`  ${paint.red('NEEDS APPROVAL')} ${report.fileError.code}: ${report.fileError.message}`);
  const c = report.counts;
  lines.push(
    `  rows ${c.rows}: created ${c.created}, updated ${c.updated}, moved ${c.moved}, unchanged ${c.unchanged}` +
      `${c.merged ? `, merged ${c.merged}` : ''}, deactivated ${c.deactivated}, failed ${c.failed}, skipped ${c.skipped}`,
  );
  if (c.membersAdded !== undefined) lines.push(`  members: added ${c.membersAdded}, removed ${c.membersRemoved ?? 0}`);
  if (report.errors.length > 0) {
    const shown = report.errors.slice(0, MAX_ERRORS_SHOWN);
    lines.push(`  Errors${report.sheet === undefined ? '' : ` in sheet "${report.sheet}"`}${report.errors.length > shown.length ? ` (first ${shown.length} of ${report.errors.length})` : ''}:`);
    const rowWidth = String(shown.at(-1)?.row ?? 0).length;
    for (const e of shown) {
      lines.push(`    row ${String(e.row).padStart(rowWidth)}  ${paint.red(e.code)}  ${e.field}: ${e.message}`);
    }
    if (report.errors.length > shown.length) lines.push('    ... use --report errors.csv for all of them');
  }
  for (const w of report.warnings) lines.push(`  ${paint.yellow('Warning:')} ${w}`);
  if (report.plan) lines.push(...renderPlan(report.plan, PLAN_MORE));
  if (report.kind === 'held') lines.push('  Nothing was written.');
  else if (report.kind === 'atomic-aborted') lines.push(`  ${report.fileError.message}.`);
  else if (report.dryRun) lines.push('  Dry run: nothing was written.');
  const status = report.errors.length > 0 || report.kind === 'atomic-aborted' ? paint.yellow(report.status) : paint.green(report.status);
  lines.push(`  Status: ${status}`);
  return lines.join('\n');
}
