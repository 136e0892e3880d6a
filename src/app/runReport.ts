/**
 * An import report rebuilt from the database: what `enqueue --wait` prints
 * once a worker has finished the run, and what runImport returns when asked
 * to run a run that another attempt already finished. The run history lives
 * in MySQL, so this is the same report whichever worker (or process) ran it.
 */
import type { RowErrorCode, RowIssue } from '../core/errors.js';
import type { ImportCounts, RowResult } from '../core/model.js';
import { emptyCounts } from '../core/model.js';
import { type ImportReport, outcomeOfStoredRun } from '../core/runOutcome.js';
import type { Repositories, StoredRowResult } from './ports.js';
import { OrgsyncError } from '../core/errors.js';

export class RunNotFoundError extends OrgsyncError {
  override readonly name = 'RunNotFoundError';
  constructor(readonly runId: string) {
    super('RUN_NOT_FOUND', `no import run ${runId}`);
  }
}

function rowResultsOf(stored: readonly StoredRowResult[]): { rowResults: RowResult[]; errors: RowIssue[]; failedRaw: Map<number, Record<string, unknown>> } {
  const byRow = new Map<number, RowResult>();
  const errors: RowIssue[] = [];
  const failedRaw = new Map<number, Record<string, unknown>>();
  for (const r of stored) {
    if (r.rowNumber === null || r.action === 'deactivated') continue;
    const key = r.departmentKey ?? '';
    let result = byRow.get(r.rowNumber);
    if (!result) {
      result = { row: r.rowNumber, key, action: r.action, errors: [], ...(r.departmentId ? { departmentId: r.departmentId } : {}) };
      byRow.set(r.rowNumber, result);
    }
    if (r.errorCode !== null) {
      const issue: RowIssue = { row: r.rowNumber, code: r.errorCode as RowErrorCode, field: r.field ?? '', message: r.message ?? '', key };
      result.errors.push(issue);
      errors.push(issue);
    }
    if (r.raw !== null && typeof r.raw === 'object' && !Array.isArray(r.raw)) failedRaw.set(r.rowNumber, r.raw);
  }
  return { rowResults: [...byRow.values()], errors, failedRaw };
}

export async function loadStoredReport({ runs }: Pick<Repositories, 'runs'>, runId: string): Promise<ImportReport> {
  const run = await runs.getRun(runId);
  if (!run) throw new RunNotFoundError(runId);
  const { rowResults, errors, failedRaw } = rowResultsOf(await runs.getRowResults(runId));
  const error = run.errorCode === null ? null : { code: run.errorCode, message: run.errorMessage ?? '', ...(run.errorLine === null ? {} : { line: run.errorLine }) };
  return {
    runId: run.id,
    organization: run.organizationCode,
    mode: run.mode,
    dryRun: run.dryRun,
    counts: (run.counts as ImportCounts | null) ?? emptyCounts(),
    errors,
    warnings: run.warnings,
    ...(run.format === null ? {} : { format: run.format }),
    columns: run.columns ?? [],
    failedRaw,
    rowResults,
    ...outcomeOfStoredRun({ status: run.status, dryRun: run.dryRun, error }),
  };
}
