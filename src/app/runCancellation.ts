/**
 * Stopping an in-process import on request (SIGINT, SIGTERM): the CLI flips a
 * switch; the import checks it at each progress step (rows read, a batch
 * written) and throws RunCancelledError there. Thrown inside the
 * organization's transaction, it rolls the transaction back and releases the
 * lock like any error; the run is then marked `cancelled` (importService.ts).
 *
 * Checked at progress steps, not by killing the connection, so the same code
 * works on MySQL and on SQLite's single connection, and the run row is
 * written by the process that owns the run.
 */
import { OrgsyncError } from '../core/errors.js';

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The exit codes a shell gives a process killed by the signal (128 + its number). */
export const EXIT_CODE_OF_SIGNAL: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

export class RunCancelledError extends OrgsyncError {
  override readonly name = 'RunCancelledError';
  /** Set once the run is marked cancelled. */
  runId?: string;
  constructor(readonly signal: StopSignal) {
    super('RUN_CANCELLED', `the import was interrupted (${signal}): its transaction was rolled back and nothing of it was written`);
  }
}

export interface CancelSwitch {
  readonly requested: StopSignal | undefined;
  request(signal: StopSignal): void;
  /** Throws RunCancelledError once a stop was requested. */
  check(): void;
}

export function cancelSwitch(): CancelSwitch {
  let requested: StopSignal | undefined;
  return {
    get requested() {
      return requested;
    },
    request(signal) {
      requested ??= signal;
    },
    check() {
      if (requested !== undefined) throw new RunCancelledError(requested);
    },
  };
}
