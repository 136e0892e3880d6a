/**
 * The run lifecycle, as data: every status an import run can be in, and every
 * change of status the code may make. The runs repository turns each change
 * into one guarded statement (`UPDATE ... WHERE status IN (allowed from-states)`),
 * so a re-delivered job, a second worker or a late sweep can never apply a
 * change the table does not allow, nor apply one twice.
 *
 * ```text
 * (created) -> queued                    submitted to the queue
 * (created) -> running                   an in-process import (the CLI)
 * queued    -> running                   a worker starts it
 * running   -> running                   another attempt of the same run (a re-delivered job)
 * running   -> completed | completed_with_errors | failed
 * running   -> needs_approval            a sync over its threshold, held
 * running   -> cancelled                 SIGINT/SIGTERM of an in-process import: rolled back, nothing written
 * queued    -> skipped                   a scheduled sync whose source is unchanged: recorded, never run
 * queued    -> failed                    unrunnable (options, input gone), its job lost
 * needs_approval -> completed | completed_with_errors | failed   approved (or failing on approval)
 * needs_approval -> needs_approval       approved after the departments changed: held again
 * failed    -> queued                    reopened for a retry of its job (dashboard)
 * ```
 *
 * Pure: no I/O, so the table is tested without a database.
 */

export const RUN_STATUSES = ['queued', 'running', 'completed', 'completed_with_errors', 'failed', 'needs_approval', 'cancelled', 'skipped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses after which a run never changes again, except a failed run reopened for a retry. */
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'completed_with_errors', 'failed', 'cancelled', 'skipped'];

/** Where a run is created. */
export const INITIAL_RUN_STATUSES: readonly RunStatus[] = ['queued', 'running'];

/** For each status, the statuses a run in it may move to. */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  queued: ['running', 'failed', 'skipped'],
  running: ['running', 'completed', 'completed_with_errors', 'failed', 'needs_approval', 'cancelled'],
  needs_approval: ['needs_approval', 'completed', 'completed_with_errors', 'failed'],
  completed: [],
  completed_with_errors: [],
  failed: ['queued'],
  // Final: a person stopped it, or there was nothing to do. A new run is a new submission.
  cancelled: [],
  skipped: [],
};

export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

/** Every status a run may reach `to` from: the WHERE of a guarded statement. */
export function allowedFrom(to: RunStatus): RunStatus[] {
  return RUN_STATUSES.filter((from) => canTransition(from, to));
}

/**
 * The from-states of a guarded change to `to`, narrowed to `only` when given.
 * Throws on a change the table does not allow: that is a bug in the caller,
 * never a state of the data.
 */
export function guardFor(to: RunStatus, only?: readonly RunStatus[]): RunStatus[] {
  if (only === undefined) return allowedFrom(to);
  const refused = only.filter((from) => !canTransition(from, to));
  if (refused.length > 0) throw new Error(`run lifecycle: ${refused.join(', ')} -> ${to} is not an allowed transition`);
  return [...only];
}

/**
 * Who is running a run: a CLI process or a worker. The owner renews the
 * lease while it runs the run; a running run whose lease has expired has lost
 * its owner (a SIGKILLed CLI) and the sweep fails it (RUN_ABANDONED).
 */
export interface RunOwner {
  id: string;
  leaseSeconds: number;
}
