/**
 * Reconciles MySQL (the truth about runs) with Redis (the jobs still to do).
 * Every worker runs it at start-up and every ORGSYNC_REQUEUE_INTERVAL_SECONDS:
 * - a run left queued or running whose job is not in Redis (Redis restarted
 *   without persistence, a key was evicted, the submitter died between commit
 *   and add) gets its job again. Job id = run id, so workers sweeping at the
 *   same time add it once;
 * - a run whose job Redis has given up on (failed) while the run row still
 *   says queued/running (the worker could not record it: the database was
 *   down, or the job exceeded its stalled limit) is marked failed;
 * - staged inputs of finished runs (left behind by a crash) are deleted.
 * Runs younger than `minAgeMs` are left alone: their submitter may be adding
 * the job right now.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Db } from '../adapters/db/index.js';
import { runQueueRepo } from '../adapters/db/index.js';
import { jobPresence } from '../adapters/queue/index.js';
import { isRunJobName, type RunJobPayload } from './jobContracts.js';

export interface SweepDeps {
  db: Db;
  redis: Redis;
  queue: Queue;
}

export interface SweepResult {
  requeued: string[];
  failed: string[];
  /** Runs Redis says completed while MySQL says unfinished: left alone, but worth a log line. */
  inconsistent: string[];
  pruned: number;
}

export async function sweepOrphans(deps: SweepDeps, { minAgeMs }: { minAgeMs: number }): Promise<SweepResult> {
  const repo = runQueueRepo(deps.db);
  const runs = await repo.listUnfinishedJobRuns(new Date(Date.now() - minAgeMs));
  const presence = await jobPresence(deps.redis, deps.queue, runs.map((r) => r.id));
  const result: SweepResult = { requeued: [], failed: [], inconsistent: [], pruned: 0 };
  const lost: { name: string; data: RunJobPayload; opts: { jobId: string } }[] = [];
  for (const run of runs) {
    const job = presence.get(run.id);
    if (job?.state === 'missing' && isRunJobName(run.jobName)) {
      lost.push({ name: run.jobName, data: { runId: run.id }, opts: { jobId: run.id } });
      result.requeued.push(run.id);
    } else if (job?.state === 'failed') {
      if (await repo.failOrphan(run.id, { code: 'JOB_LOST', message: `the queue gave the job up: ${job.reason}` })) result.failed.push(run.id);
    } else if (job?.state === 'completed') {
      result.inconsistent.push(run.id);
    }
  }
  if (lost.length > 0) await deps.queue.addBulk(lost);
  // A run may have finished between our two looks (database, then Redis): only report those still unfinished.
  if (result.inconsistent.length > 0) {
    const still = new Set((await repo.listUnfinishedJobRuns(new Date(), 1000)).map((r) => r.id));
    result.inconsistent = result.inconsistent.filter((id) => still.has(id));
  }
  result.pruned = await repo.pruneFinishedStaging();
  return result;
}
