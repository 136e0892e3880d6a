/**
 * A run's errors, one definition for every face: `orgsync report` (text, CSV),
 * `GET .../imports/{runId}/errors` (JSON, CSV). Each failed or skipped row
 * once, with its errors, its original record, and `resolvedBy`: the retry run
 * that got it through since (null while it still needs fixing). The
 * fix-and-reimport CSV holds only the unresolved rows (rowsToFix): a row a
 * retry already imported must not be imported again.
 *
 * (Before this, the HTTP answer was rebuilt from the run's report and never
 * looked at `resolved_by_run_id`, so it kept listing rows the CLI no longer did.)
 */
import { isFailedOrSkipped } from '../core/model.js';
import type { Repositories, StoredRowResult } from './ports.js';

export interface RunErrorRow {
  row: number;
  key: string;
  action: 'failed' | 'skipped';
  errors: { code: string; field: string; message: string }[];
  /** The record as it was read from the file. */
  raw: Record<string, unknown>;
  /** The retry run in which the row went through; null while it still needs fixing. */
  resolvedBy: string | null;
}

/** Groups the stored row results (one line per error) into one entry per failed or skipped row, in row order. */
export function runErrorRows(stored: readonly StoredRowResult[]): RunErrorRow[] {
  const byRow = new Map<number, RunErrorRow>();
  for (const r of stored) {
    if (r.rowNumber === null || !isFailedOrSkipped(r.action)) continue;
    let entry = byRow.get(r.rowNumber);
    if (!entry) {
      const raw = r.raw !== null && typeof r.raw === 'object' && !Array.isArray(r.raw) ? (r.raw as Record<string, unknown>) : {};
      entry = { row: r.rowNumber, key: r.departmentKey ?? '', action: r.action, errors: [], raw, resolvedBy: r.resolvedByRunId };
      byRow.set(r.rowNumber, entry);
    }
    if (r.errorCode !== null) entry.errors.push({ code: r.errorCode, field: r.field ?? '', message: r.message ?? '' });
  }
  return [...byRow.values()].sort((a, b) => a.row - b.row);
}

export async function loadRunErrors({ runs }: Pick<Repositories, 'runs'>, runId: string): Promise<RunErrorRow[]> {
  return runErrorRows(await runs.getRowResults(runId));
}

/** The rows the fix-and-reimport CSV holds: those no retry has resolved. */
export function rowsToFix(rows: readonly RunErrorRow[]): RunErrorRow[] {
  return rows.filter((r) => r.resolvedBy === null);
}
