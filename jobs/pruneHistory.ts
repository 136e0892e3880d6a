/**
 * `prune-history`: deletes department history older than the retention
 * period (ORGSYNC_HISTORY_RETENTION_DAYS, default 400), in batches of short
 * DELETEs (adapters/db/history.ts) so it never holds locks an import waits on.
 * The worker schedules it once a day (upsertJobScheduler: one schedule however
 * many workers start); a run missed while no worker was up runs at the next.
 */
import type { Job, Queue } from 'bullmq';
import { JOB_NAMES, PRUNE_HISTORY_SCHEDULER_ID, type PruneHistoryPayload, PruneHistoryPayloadSchema } from '../src/app/jobContracts.js';
import { pruneHistory } from '../src/app/history.js';
import type { JobDefinition, JobDeps } from './types.js';

export const name = JOB_NAMES.pruneHistory;
export type Payload = PruneHistoryPayload;
export type Result = { deleted: number; retentionDays: number };

export const DEFAULT_HISTORY_RETENTION_DAYS = 400;
/** 03:17 every day (UTC): off the hour, when nightly syncs usually start. */
export const PRUNE_HISTORY_PATTERN = '17 3 * * *';

export async function processor(job: Job<Payload>, deps: JobDeps): Promise<Result> {
  const retentionDays = deps.historyRetentionDays ?? DEFAULT_HISTORY_RETENTION_DAYS;
  const deleted = await pruneHistory(deps.repos, retentionDays);
  deps.log.info({ job: job.name, jobId: job.id, deleted, retentionDays }, 'department history pruned');
  return { deleted, retentionDays };
}

/** Called by every worker at start-up: upserting the one scheduler is idempotent. */
export async function schedulePruneHistory(queue: Queue): Promise<void> {
  await queue.upsertJobScheduler(PRUNE_HISTORY_SCHEDULER_ID, { pattern: PRUNE_HISTORY_PATTERN, tz: 'UTC' }, { name, data: {}, opts: { removeOnComplete: 30, removeOnFail: 30 } });
}

export const pruneHistoryJob: JobDefinition<Payload, Result> = { name, payload: PruneHistoryPayloadSchema, process: processor };
