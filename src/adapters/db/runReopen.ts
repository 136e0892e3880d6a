/**
 * Putting a failed run back in the queue's hands, for a retry of its job from
 * the dashboard. Guarded by status: only a `failed` run changes, once.
 */
import type { Db } from './connection.js';
import { TABLES } from './tables.js';

export async function reopenFailedRun(db: Db, runId: string): Promise<boolean> {
  const changed = await db
    .knex(TABLES.importRuns)
    .where({ id: runId, status: 'failed' })
    .update({ status: 'queued', error_code: null, error_message: null, error_line: null, finished_at: null, counts: null, progress: null });
  return changed > 0;
}
