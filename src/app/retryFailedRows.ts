/**
 * Retrying the rows of a run that failed (for example PARENT_NOT_FOUND, until
 * someone created the missing parent): a new run, linked to the original by
 * parent_run_id, imports only those rows; the rows that go through are then
 * marked resolved in the original run's report.
 *
 * The retry's input is a JSON array of the failed rows' original records
 * (stored with the row results), one record per line: record i is on line
 * i + 2, which is the row number the JSON reader gives it. A row map staged
 * with it (original row numbers, in the same order) ties the two together.
 */
import { type ImportOptions, importOptionsInput, parseImportOptions } from '../core/importOptions.js';
import { isFailedOrSkipped } from '../core/model.js';
import { JOB_NAMES } from './jobContracts.js';
import type { Repositories } from './ports.js';
import { lineOfRecord } from './retryResolution.js';
import { RunNotFoundError } from './runReport.js';
import { bufferSource, type SubmitDeps, type SubmitResult, submitImport } from './submitImport.js';
import { OrgsyncError } from '../core/errors.js';

export class RetryNotPossibleError extends OrgsyncError {
  override readonly name = 'RetryNotPossibleError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('RUN_NOT_RETRYABLE', message, { ...options });
  }
}

/** The row number the JSON reader gives the i-th record of a retry input. */

export async function submitRetry(
  deps: SubmitDeps,
  originalRunId: string,
  /** Who asks (a token id, `cli:<os user>`): the retry run's submitter and its history's actor. */
  submittedBy?: string,
): Promise<SubmitResult & { kind: 'submitted' }> {
  const run = await deps.repos.runs.getRun(originalRunId);
  if (!run) throw new RunNotFoundError(originalRunId);
  const retryable = run.status === 'completed_with_errors' || (run.status === 'failed' && run.errorCode === 'ATOMIC_ABORTED');
  if (!retryable) {
    throw new RetryNotPossibleError(`run ${originalRunId} is ${run.status}: only runs that finished with row errors can be retried`);
  }
  const rows = await deps.repos.runs.unresolvedFailedRows(originalRunId);
  if (rows.length === 0) throw new RetryNotPossibleError(`run ${originalRunId} has no failed rows left to retry`);

  // Only the failed rows, so never a sync (it would deactivate everything else); always JSON (see above).
  const parsed = parseImportOptions({ ...importOptionsInput(run.options as unknown as ImportOptions), mode: 'upsert', format: 'json' });
  if (!parsed.ok) throw new RetryNotPossibleError(`run ${originalRunId} has options this version cannot use: ${parsed.message}`);
  const input = `[\n${rows.map((r) => JSON.stringify(r.raw ?? {})).join(',\n')}\n]\n`;
  const result = await submitImport(deps, {
    organizationCode: run.organizationCode,
    source: bufferSource(`retry-of-${originalRunId}.json`, Buffer.from(input, 'utf8')),
    options: parsed.value,
    jobName: JOB_NAMES.retryFailedRows,
    parentRunId: originalRunId,
    ...(submittedBy === undefined ? {} : { submittedBy }),
    extraStaging: [{ kind: 'rowmap', bytes: Buffer.from(JSON.stringify(rows.map((r) => r.rowNumber))) }],
  });
  if (result.kind !== 'submitted') throw new Error('a retry is never skipped');
  return result;
}

/**
 * After a retry run finished: marks the original's rows that went through.
 * Idempotent (the row map is consumed), so a re-delivered job may call it again.
 * Returns the number of rows marked.
 */
export async function markRetriedRows({ runs, staging }: Pick<Repositories, 'runs' | 'staging'>, retryRunId: string): Promise<number> {
  const run = await runs.getRun(retryRunId);
  if (!run?.parentRunId || run.dryRun || (run.status !== 'completed' && run.status !== 'completed_with_errors')) return 0;
  const map = await staging.readAll(retryRunId, 'rowmap');
  // Normally consumed already, in the retry's own transaction (retryResolution.ts): count what it marked.
  if (!map) return (await runs.getRowResults(run.parentRunId)).filter((r) => r.resolvedByRunId === retryRunId).length;
  const originalRows = JSON.parse(map.toString('utf8')) as number[];
  const stillFailing = new Set(
    (await runs.getRowResults(retryRunId)).filter((r) => isFailedOrSkipped(r.action)).map((r) => r.rowNumber),
  );
  const resolved = originalRows.filter((_, i) => !stillFailing.has(lineOfRecord(i)));
  await runs.markResolved(run.parentRunId, resolved, retryRunId);
  await staging.remove(retryRunId, ['rowmap']);
  return resolved.length;
}
