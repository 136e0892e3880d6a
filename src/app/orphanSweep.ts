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
 * - a run an in-process import (the CLI) left running when its process died
 *   (its owner's lease expired: see core/runLifecycle.ts) is failed
 *   RUN_ABANDONED. The CLI runs that part too (sweepAbandonedRuns), so with no
 *   worker at all no run stays running without a live owner;
 * - staged inputs of finished runs (left behind by a crash) are deleted.
 * Runs younger than `minAgeMs` are left alone: their submitter may be adding
 * the job right now.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { isRunJobName, type RunJobPayload } from './jobContracts.js';
import type { Repositories } from './ports.js';
import { announceRunEnded } from './runAnnouncements.js';

export interface SweepDeps {
  repos: Pick<Repositories, 'runs' | 'webhooks'>;
  redis: Redis;
  queue: Queue;
}

export interface SweepResult {
  requeued: string[];
  failed: string[];
  /** Runs Redis says completed while MySQL says unfinished: left alone, but worth a log line. */
  inconsistent: string[];
  /** In-process runs whose owner's lease expired: failed RUN_ABANDONED. */
  abandoned: string[];
  pruned: number;
}

/** Fails the running in-process runs whose owner stopped renewing its lease. Needs only the database. */
export async function sweepAbandonedRuns(repos: Pick<Repositories, 'runs' | 'webhooks'>, now = new Date()): Promise<string[]> {
  const failed = await repos.runs.failAbandoned(now);
  for (const runId of failed) await announceRunEnded(repos, runId);
  return failed;
}

export async function sweepOrphans(deps: SweepDeps, { minAgeMs }: { minAgeMs: number }): Promise<SweepResult> {
  const repo = deps.repos.runs;
  const runs = await repo.listUnfinishedJobRuns({ createdBefore: new Date(Date.now() - minAgeMs) });
  // Loaded here, not at the top: the CLI's in-process import only needs sweepAbandonedRuns,
  // and loading BullMQ would add ~0.15 s to its start-up.
  const { jobPresence } = await import('../adapters/queue/index.js');
  const presence = await jobPresence(deps.redis, deps.queue, runs.map((r) => r.id));
  const result: SweepResult = { requeued: [], failed: [], inconsistent: [], abandoned: [], pruned: 0 };
  const lost: { name: string; data: RunJobPayload; opts: { jobId: string } }[] = [];
  for (const run of runs) {
    const job = presence.get(run.id);
    if (job?.state === 'missing' && isRunJobName(run.jobName)) {
      lost.push({ name: run.jobName, data: { runId: run.id }, opts: { jobId: run.id } });
      result.requeued.push(run.id);
    } else if (job?.state === 'failed') {
      if (await repo.failRun(run.id, { code: 'JOB_LOST', message: `the queue gave the job up: ${job.reason}` })) {
        result.failed.push(run.id);
        await announceRunEnded(deps.repos, run.id);
      }
    } else if (job?.state === 'completed') {
      result.inconsistent.push(run.id);
    }
  }
  if (lost.length > 0) await deps.queue.addBulk(lost);
  // A run may have finished between our two looks (database, then Redis): only report those still unfinished.
  if (result.inconsistent.length > 0) {
    const still = new Set((await repo.listUnfinishedJobRuns({ createdBefore: new Date(), limit: 1000 })).map((r) => r.id));
    result.inconsistent = result.inconsistent.filter((id) => still.has(id));
  }
  result.abandoned = await sweepAbandonedRuns(deps.repos);
  result.pruned = await repo.pruneFinishedStaging();
  return result;
}
