/**
 * Runs a queued run: the one pipeline (runImport) fed from the bytes staged
 * at submission. Used by the import-departments and retry-failed-rows jobs.
 *
 * Safe to call again for the same run, as stalled-job recovery and retries
 * do: runImport refuses to start a finished run and re-checks under the
 * organization's lock, and its apply is one transaction, so a run killed
 * half-way left nothing behind and simply runs again.
 */
import { OrgsyncError, RUN_FAILURE_CODES, type RunFailureCode } from '../core/errors.js';
import { type ImportOptions, importOptionsInput, parseImportOptions } from '../core/importOptions.js';
import { FINAL_RUN_STATUSES, type RunOwner } from '../core/runLifecycle.js';
import { announceRunEnded } from './runAnnouncements.js';
import { type ImportPorts, type ImportProgress, type ImportReport, runImport } from './importService.js';
import type { ImportRunRecord, Repositories } from './ports.js';
import { loadStoredReport, RunNotFoundError } from './runReport.js';

// The codes live in the one registry; re-exported for the jobs that record them.
export { RUN_FAILURE_CODES, type RunFailureCode } from '../core/errors.js';

/** A run that cannot run and never will (bad stored state): the job must not be retried. */
export class RunUnrunnableError extends OrgsyncError {
  override readonly name = 'RunUnrunnableError';
  constructor(code: 'RUN_NOT_FOUND' | 'INPUT_MISSING' | 'INVALID_RUN_OPTIONS', message: string) {
    super(code, message);
  }
}

export interface QueuedRunOptions {
  lockTimeoutSeconds: number;
  onProgress?: (p: ImportProgress) => void;
  /** 'approve': apply the plan a needs_approval run holds (see ThresholdPolicy). */
  approve?: boolean;
  /** Called once the run is known to be runnable, before it starts. */
  onStart?: (run: ImportRunRecord) => void;
  /** The worker running it: the run is leased to it while it runs. */
  owner?: RunOwner;
  /** The most rows the run may read (ORGSYNC_MAX_ROWS_PER_RUN; unset: the default). */
  maxRowsPerRun?: number;
  /** Who runs it (an approval: who approves, recorded as approved_by). */
  actor?: string;
}

export async function markRunFailed(repos: Pick<Repositories, 'runs' | 'webhooks'>, runId: string, code: RunFailureCode, message: string): Promise<boolean> {
  const failed = await repos.runs.failRun(runId, { code, message });
  // Only the call that moved the run to failed announces it (never throws).
  if (failed) await announceRunEnded(repos, runId);
  return failed;
}

export async function executeQueuedRun(repos: ImportPorts, runId: string, opts: QueuedRunOptions): Promise<ImportReport> {
  const run = await repos.runs.getRun(runId);
  if (!run) throw new RunUnrunnableError('RUN_NOT_FOUND', new RunNotFoundError(runId).message);
  if (FINAL_RUN_STATUSES.includes(run.status) || (run.status === 'needs_approval') !== (opts.approve ?? false)) {
    return loadStoredReport(repos, runId);
  }

  const parsed = parseImportOptions(importOptionsInput(run.options as unknown as ImportOptions));
  if (!parsed.ok) {
    if (!opts.approve) await markRunFailed(repos, runId, 'INVALID_RUN_OPTIONS', parsed.message);
    throw new RunUnrunnableError('INVALID_RUN_OPTIONS', `run ${runId}: ${parsed.message}`);
  }
  const { staging } = repos;
  if (!(await staging.has(runId, 'input'))) {
    if (!opts.approve) await markRunFailed(repos, runId, 'INPUT_MISSING', RUN_FAILURE_CODES.INPUT_MISSING);
    throw new RunUnrunnableError('INPUT_MISSING', `run ${runId}: ${RUN_FAILURE_CODES.INPUT_MISSING}`);
  }
  opts.onStart?.(run);
  const report = await runImport(repos, {
    runId,
    organizationCode: run.organizationCode === '' ? undefined : run.organizationCode,
    source: { name: run.sourceName, bytes: staging.read(runId, 'input') },
    options: parsed.value,
    onProgress: opts.onProgress,
    lockTimeoutSeconds: opts.lockTimeoutSeconds,
    ...(opts.owner ? { owner: opts.owner } : {}),
    ...(opts.maxRowsPerRun === undefined ? {} : { maxRowsPerRun: opts.maxRowsPerRun }),
    ...(opts.actor === undefined ? {} : { actor: opts.actor }),
    // Nobody is watching a queued run: a sync over its threshold waits for `orgsync approve`.
    overThreshold: opts.approve ? 'approve' : 'hold',
    // Otherwise the department history's actor is who submitted the run (a token, cli:<user>, schedule:<name>).
    ...(opts.actor === undefined && run.submittedBy ? { actor: run.submittedBy } : {}),
  });
  // The input is only needed while the run may run again, or be approved.
  if (report.status !== 'needs_approval' || report.dryRun) await staging.remove(runId, ['input']);
  return report;
}
