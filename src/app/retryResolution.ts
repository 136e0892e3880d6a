/**
 * How a retry run resolves the rows of the run it retries: the retry imports
 * only the original's failed rows (their line numbers kept in a staged row
 * map), and every one of them that now goes through is marked resolved by it.
 */
import { type ImportPlan, isFailedOrSkipped } from '../core/model.js';
import type { Repositories, Tx } from './ports.js';

/** The line a record of the retry's own file is on (its header is line 1). */
export const lineOfRecord = (i: number): number => i + 2;

/**
 * In a retry run's own transaction, before it is recorded as finished: marks the
 * original's rows that this plan gets through as resolved by it. Done here, not
 * after the run finished, so that nobody can see the retry finished and its
 * original's errors not yet updated (the errors route did, right after a retry).
 * A no-op for a run that is not a retry (no row map).
 */
export async function resolveRetriedRowsIn(
  { runs, staging }: Pick<Repositories, 'runs' | 'staging'>,
  trx: Tx,
  retryRunId: string,
  plan: Pick<ImportPlan, 'rowResults'>,
): Promise<number> {
  const map = await staging.readAll(retryRunId, 'rowmap', trx);
  if (!map) return 0;
  const run = await runs.getRun(retryRunId, trx);
  if (!run?.parentRunId) return 0;
  const originalRows = JSON.parse(map.toString('utf8')) as number[];
  const stillFailing = new Set(plan.rowResults.filter((r) => isFailedOrSkipped(r.action)).map((r) => r.row));
  const resolved = originalRows.filter((_, i) => !stillFailing.has(lineOfRecord(i)));
  await runs.markResolved(run.parentRunId, resolved, retryRunId, trx);
  await staging.remove(retryRunId, ['rowmap'], trx);
  return resolved.length;
}

