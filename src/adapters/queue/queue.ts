/**
 * The BullMQ queue orgsync's jobs live in, and the options every job and
 * worker gets. The run history lives in MySQL; Redis only holds what is still
 * to do, plus a bounded tail of finished jobs (removeOnComplete/removeOnFail
 * by age and count) for inspection.
 */
import { type JobsOptions, Queue, QueueEvents, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueConfig } from '../../config.js';

export function jobOptions(config: QueueConfig): JobsOptions {
  return {
    attempts: config.attempts,
    // 1x, 2x, 4x, 8x ... the base delay: a MySQL failover or a Redis restart
    // gets minutes to recover before the job gives up.
    backoff: { type: 'exponential', delay: config.backoffMs },
    removeOnComplete: { age: config.completed.ageSeconds, count: config.completed.count },
    removeOnFail: { age: config.failed.ageSeconds, count: config.failed.count },
  };
}

export function openQueue(redis: Redis, config: QueueConfig): Queue {
  return new Queue(config.name, { connection: redis, prefix: config.prefix, defaultJobOptions: jobOptions(config) });
}

/** A QueueEvents reader; it needs a connection that waits through reconnects (a 'worker' role one). */
export async function openQueueEvents(redis: Redis, config: QueueConfig): Promise<QueueEvents> {
  const events = new QueueEvents(config.name, { connection: redis, prefix: config.prefix });
  await events.waitUntilReady();
  return events;
}

export function workerOptions(redis: Redis, config: QueueConfig, concurrency: number): WorkerOptions {
  return {
    connection: redis,
    prefix: config.prefix,
    concurrency,
    autorun: false,
    // How soon a dead worker's job goes to another worker: its lock expires
    // after lockDuration, and the next stalled check (every stalledInterval,
    // on any worker) moves it back to waiting.
    lockDuration: config.lockMs,
    stalledInterval: config.stalledIntervalMs,
    maxStalledCount: config.maxStalledCount,
  };
}

/** What Redis knows about a job, for the orphan sweep. */
export type JobPresence = { state: 'missing' } | { state: 'pending' } | { state: 'completed' } | { state: 'failed'; reason: string };

/** Looks up many jobs in one round trip (a pipeline), by id. */
export async function jobPresence(redis: Redis, queue: Queue, ids: readonly string[]): Promise<Map<string, JobPresence>> {
  const out = new Map<string, JobPresence>();
  if (ids.length === 0) return out;
  const pipeline = redis.pipeline();
  for (const id of ids) {
    pipeline.exists(queue.toKey(id));
    pipeline.zscore(queue.toKey('failed'), id);
    pipeline.zscore(queue.toKey('completed'), id);
    pipeline.hget(queue.toKey(id), 'failedReason');
  }
  const replies = (await pipeline.exec()) ?? [];
  ids.forEach((id, i) => {
    const [exists, failed, completed, reason] = replies.slice(i * 4, i * 4 + 4).map(([err, value]) => {
      if (err) throw err;
      return value;
    });
    if (Number(exists) === 0) out.set(id, { state: 'missing' });
    else if (failed !== null) out.set(id, { state: 'failed', reason: typeof reason === 'string' ? reason : 'the job failed' });
    else if (completed !== null) out.set(id, { state: 'completed' });
    else out.set(id, { state: 'pending' });
  });
  return out;
}
