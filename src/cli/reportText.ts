/**
 * `orgsync report RUN` as a person reads it (the default; --format json|csv
 * stay for scripts and the fix-and-reimport file): what ran, when, how it
 * ended, the counts, warnings, and the rows still to fix.
 */
import type { ImportRunRecord } from '../adapters/db/runRecords.js';
import type { PlanPreview } from '../core/plan/preview.js';
import { renderPlan } from './planText.js';
import { formatTime, renderTable } from './table.js';

export interface FailedRow {
  row: number;
  errors: { code: string; field: string; message: string }[];
}

const MAX_ROWS_SHOWN = 50;

export function renderStoredReport(run: ImportRunRecord, failed: readonly FailedRow[], plan?: PlanPreview): string {
  const lines: string[] = [];
  lines.push(`Run ${run.id}: ${run.mode}${run.dryRun ? ' (dry run)' : ''} of ${run.sourceName} into "${run.organizationCode}"`);
  lines.push(`  status    ${run.status}${run.errorCode ? ` (${run.errorCode}: ${run.errorMessage ?? ''}${run.errorLine ? `, line ${run.errorLine}` : ''})` : ''}`);
  lines.push(`  created   ${formatTime(run.createdAt)}`);
  lines.push(`  started   ${formatTime(run.startedAt)}`);
  lines.push(`  finished  ${formatTime(run.finishedAt)}`);
  if (run.parentRunId) lines.push(`  retry of  ${run.parentRunId}`);
  if (run.submittedBy) lines.push(`  by        ${run.submittedBy}`);
  if (run.approvedBy) lines.push(`  approved  ${formatTime(run.approvedAt)} by ${run.approvedBy}`);
  const c = run.counts;
  if (c) {
    lines.push(
      `  rows ${c.rows}: created ${c.created}, updated ${c.updated}, moved ${c.moved}, unchanged ${c.unchanged}` +
        `${c.merged ? `, merged ${c.merged}` : ''}, deactivated ${c.deactivated}, failed ${c.failed}, skipped ${c.skipped}`,
    );
  }
  for (const w of run.warnings) lines.push(`  Warning: ${w}`);
  if (plan) lines.push(...renderPlan(plan, `orgsync report ${run.id} --format plan-csv`));
  const errors = failed.flatMap((f) => f.errors.map((e) => ({ row: f.row, ...e })));
  if (errors.length > 0) {
    const shown = errors.slice(0, MAX_ROWS_SHOWN);
    lines.push('', `Rows to fix${errors.length > shown.length ? ` (first ${shown.length} of ${errors.length} errors)` : ''}:`);
    lines.push(
      renderTable(
        [
          { header: 'ROW', value: (e) => String(e.row), right: true },
          { header: 'CODE', value: (e) => e.code },
          { header: 'FIELD', value: (e) => e.field },
          { header: 'MESSAGE', value: (e) => e.message },
        ],
        shown,
      ),
    );
    lines.push('', `All of them, to fix and re-import: orgsync report ${run.id} --format csv > errors.csv`);
  }
  return lines.join('\n');
}
