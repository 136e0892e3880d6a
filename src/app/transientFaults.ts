/**
 * The one line between faults a later attempt may not hit and failures that
 * will not get better, shared by the queue worker (jobs/runJob.ts) and the
 * in-process import (importInProcess.ts). An orgsync error says so itself
 * (`transient`: a lock held too long, a flaky HTTP source); a driver's error
 * is classified by its adapter (a killed connection, a deadlock).
 */
import { isOrgsyncError } from '../core/errors.js';
import { isTransientDbError } from '../adapters/db/index.js';

export function isTransientFault(err: unknown, ...driverChecks: readonly ((err: unknown) => boolean)[]): boolean {
  if (isOrgsyncError(err)) return err.transient;
  return isTransientDbError(err) || driverChecks.some((isTransientDriverError) => isTransientDriverError(err));
}
