/**
 * The part of processing shared by the jobs that process one run
 * (import-departments, retry-failed-rows): progress, logging, and the line
 * between faults worth retrying and failures that must stop at once.
 */
import { type Job, UnrecoverableError } from 'bullmq';
import { isTransientRedisError } from '../src/adapters/queue/index.js';
import { isOrgsyncError, type RunFailureCode, type ThrownErrorCode } from '../src/core/errors.js';
import type { Logger } from '../src/adapters/log.js';
import type { ImportReport } from '../src/app/importService.js';
import type { RunJobPayload, RunJobResult } from '../src/app/jobContracts.js';
import { executeQueuedRun, markRunFailed } from '../src/app/queuedRun.js';
import { progressMirror } from '../src/app/runProgress.js';
import { isTransientFault } from '../src/app/transientFaults.js';
import type { JobDeps } from './types.js';

/**
 * Faults a later attempt may not hit: an orgsync error says so itself (a lock
 * timeout, a flaky HTTP source); a driver's error is classified by its adapter
 * (MySQL or Redis unreachable, deadlocks).
 */
export function isTransient(err: unknown): boolean {
  return isTransientFault(err, isTransientRedisError);
}

/**
 * What the run record says when a job stops on an error that is not transient
 * (transient ones are retried, and recorded RETRIES_EXHAUSTED when the
 * attempts run out). `null`: the run already has its failure recorded (a run
 * that cannot run, see queuedRun.ts), so the job stops without a word more.
 * The compiler holds this table to the registry.
 */
export const RUN_FAILURE_OF: Record<ThrownErrorCode, RunFailureCode | null> = {
  ORGANIZATION_NOT_FOUND: 'INTERNAL_ERROR',
  DEACTIVATION_THRESHOLD_EXCEEDED: 'INTERNAL_ERROR',
  ATOMIC_ABORTED: 'INTERNAL_ERROR',
  DOCUMENT_ORGANIZATION_MISMATCH: 'INTERNAL_ERROR',
  EMPTY_FILE: 'INTERNAL_ERROR',
  UNSUPPORTED_FORMAT: 'INTERNAL_ERROR',
  INVALID_ENCODING: 'INTERNAL_ERROR',
  CSV_SYNTAX_ERROR: 'INTERNAL_ERROR',
  INCONSISTENT_COLUMNS: 'INTERNAL_ERROR',
  DUPLICATE_HEADER: 'INTERNAL_ERROR',
  EMPTY_HEADER: 'INTERNAL_ERROR',
  YAML_SYNTAX_ERROR: 'INTERNAL_ERROR',
  JSON_SYNTAX_ERROR: 'INTERNAL_ERROR',
  INVALID_DOCUMENT: 'INTERNAL_ERROR',
  TOO_MANY_ALIASES: 'INTERNAL_ERROR',
  ROW_LIMIT_EXCEEDED: 'INTERNAL_ERROR',
  FILE_TOO_LARGE: 'INTERNAL_ERROR',
  ENCRYPTED_WORKBOOK: 'INTERNAL_ERROR',
  CORRUPT_WORKBOOK: 'INTERNAL_ERROR',
  SHEET_NOT_FOUND: 'INTERNAL_ERROR',
  INVALID_ORGANIZATION_CODE: 'INTERNAL_ERROR',
  MAPPING_COLUMN_NOT_FOUND: 'INTERNAL_ERROR',
  UNKNOWN_COLUMN: 'INTERNAL_ERROR',
  // Recorded by executeQueuedRun before it throws RunUnrunnableError.
  INPUT_MISSING: null,
  INVALID_RUN_OPTIONS: null,
  // Never thrown by a worker's import (a cancel is a CLI's signal; a skip is decided before a run starts).
  RUN_CANCELLED: 'INTERNAL_ERROR',
  SOURCE_UNCHANGED: 'INTERNAL_ERROR',
  INVALID_TIMEZONE: 'INTERNAL_ERROR',
  QUEUE_NEEDS_MYSQL: 'INTERNAL_ERROR',
  RUN_NOT_FOUND: null,
  RETRIES_EXHAUSTED: 'RETRIES_EXHAUSTED',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  JOB_LOST: 'JOB_LOST',
  RUN_ABANDONED: 'RUN_ABANDONED',
  // Retrying the same transaction would run out of lock room again: the run says what to change.
  DATABASE_CAPACITY: 'DATABASE_CAPACITY',
  USAGE_ERROR: 'INTERNAL_ERROR',
  CONFIG_INVALID: 'INTERNAL_ERROR',
  DATABASE_NOT_READY: 'INTERNAL_ERROR',
  TOKEN_SETUP_FAILED: 'INTERNAL_ERROR',
  RUN_NOT_RETRYABLE: 'INTERNAL_ERROR',
  RUN_NOT_APPROVABLE: 'INTERNAL_ERROR',
  APPROVAL_NOT_ALLOWED: 'INTERNAL_ERROR',
  INVALID_SCHEDULE: 'INTERNAL_ERROR',
  QUEUE_UNAVAILABLE: 'RETRIES_EXHAUSTED',
  INVALID_SOURCE: 'INTERNAL_ERROR',
  SOURCE_UNAVAILABLE: 'INTERNAL_ERROR',
  SOURCE_OUTSIDE_ROOT: 'INTERNAL_ERROR',
  SOURCE_PRIVATE_ADDRESS: 'INTERNAL_ERROR',
  SOURCE_TEMPORARILY_UNAVAILABLE: 'RETRIES_EXHAUSTED',
  ORGANIZATION_BUSY: 'RETRIES_EXHAUSTED',
  DATABASE_UNAVAILABLE: 'RETRIES_EXHAUSTED',
  JOB_REGISTRY_INVALID: 'INTERNAL_ERROR',
  INVALID_WEBHOOK: 'INTERNAL_ERROR',
  WEBHOOK_NOT_FOUND: 'INTERNAL_ERROR',
  REVERT_CONFLICT: 'INTERNAL_ERROR',
  RUN_NOT_REVERTIBLE: 'INTERNAL_ERROR',
  INVALID_CURSOR: 'INTERNAL_ERROR',
};

/**
 * A job failure that is the input's or the run's fault (a CSV syntax error, a
 * held threshold), not orgsync's: `CODE: message`, without a stack, so the
 * dashboard shows the code and message instead of a trace through server
 * paths (BullMQ records a stack only when the error has one).
 */
export function orgsyncFailure(code: string, message: string): UnrecoverableError {
  const err = new UnrecoverableError(message.startsWith(`${code}: `) ? message : `${code}: ${message}`);
  err.stack = '';
  return err;
}

function isLastAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/**
 * The error to throw for a run that threw: the fault itself when it is
 * transient (BullMQ retries it with backoff), an UnrecoverableError otherwise
 * (no retries). Before the last attempt gives up, the run is marked failed, so
 * the history never shows a run stuck as running.
 */
async function failure(err: unknown, job: Job, deps: JobDeps, runId: string, log: Logger): Promise<Error> {
  // Trimmed: it goes into the run record and the job's failure reason, and a driver error carries its whole SQL.
  const message = deps.repos.transactions.describeError(err);
  const transient = isTransient(err);
  const recorded = transient ? 'RETRIES_EXHAUSTED' : isOrgsyncError(err) ? RUN_FAILURE_OF[err.code] : 'INTERNAL_ERROR';
  if (recorded === null) return isOrgsyncError(err) ? orgsyncFailure(err.code, message) : new UnrecoverableError(message);
  if (transient && !isLastAttempt(job)) {
    log.warn({ err, transient }, 'run attempt failed; it will be retried');
    return err as Error;
  }
  log.error({ err, transient }, 'run failed');
  await markRunFailed(deps.repos, runId, recorded, message).catch((e: unknown) => {
    // The sweep marks it failed later (JOB_LOST) once the database is back.
    log.error({ err: e }, 'could not record the failure');
  });
  if (transient) return err as Error;
  // An orgsync error says what went wrong; anything else is unexpected and keeps its stack.
  return isOrgsyncError(err) ? orgsyncFailure(err.code, message) : new UnrecoverableError(message);
}

export async function processRun(
  job: Job<RunJobPayload>,
  deps: JobDeps,
  afterRun?: (report: ImportReport) => Promise<void>,
): Promise<RunJobResult> {
  const { runId } = job.data;
  const log = deps.log.child({ runId, job: job.name, jobId: job.id, attempt: job.attemptsMade + 1 });
  const progress = progressMirror(deps.repos, runId, (p) => job.updateProgress({ ...p }), (err) => log.warn({ err }, 'progress not recorded'));
  const startedAt = Date.now();
  let report: ImportReport;
  try {
    report = await executeQueuedRun(deps.repos, runId, {
      lockTimeoutSeconds: deps.lockTimeoutSeconds,
      onProgress: progress.onProgress,
      ...(deps.runOwner ? { owner: deps.runOwner } : {}),
      ...(deps.maxRowsPerRun === undefined ? {} : { maxRowsPerRun: deps.maxRowsPerRun }),
      onStart: (run) => log.info({ organization: run.organizationCode, source: run.sourceName, mode: run.mode }, 'run started'),
    });
  } catch (err) {
    await progress.flush();
    throw await failure(err, job, deps, runId, log);
  }
  await progress.flush();
  await afterRun?.(report);
  const { status, counts, fileError } = report;
  log.info({ organization: report.organization, status, counts, error: fileError?.code, ms: Date.now() - startedAt }, 'run finished');
  // A bad file or a held threshold will not get better by retrying: fail the job at once, saying why.
  if (fileError) throw orgsyncFailure(fileError.code, fileError.message);
  return { runId, status, counts };
}
