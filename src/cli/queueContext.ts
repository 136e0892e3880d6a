/**
 * What the queue commands need besides the database: a Redis connection and
 * the queue, opened for one command and closed however it ends. Redis is
 * reached before anything is written, so an unreachable Redis fails the
 * command at once instead of after staging a file.
 */
import type { Queue, QueueEvents } from 'bullmq';
import type { Config } from '../config.js';
import type { Db } from '../adapters/db/index.js';
import { openQueue, openQueueEvents, openRedis } from '../adapters/queue/index.js';
import { config, withDatabase } from './context.js';

export interface QueueContext {
  config: Config;
  queue: Queue;
  /** Opens a QueueEvents reader (for --wait); closed with the context. */
  events(): Promise<QueueEvents>;
}

export async function withQueue<T>(fn: (ctx: QueueContext) => Promise<T>): Promise<T> {
  const cfg = config();
  const redis = await openRedis(cfg.redisUrl, 'client');
  const queue = openQueue(redis, cfg.queue);
  const closers: (() => Promise<unknown>)[] = [];
  try {
    return await fn({
      config: cfg,
      queue,
      events: async () => {
        // QueueEvents blocks on its connection: it needs one that waits through reconnects.
        const eventsRedis = await openRedis(cfg.redisUrl, 'worker');
        closers.push(() => eventsRedis.quit());
        const events = await openQueueEvents(eventsRedis, cfg.queue);
        closers.unshift(() => events.close());
        return events;
      },
    });
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    await queue.close().catch(() => undefined);
    await redis.quit().catch(() => undefined);
  }
}

/** The database and the queue. */
export function withDatabaseAndQueue<T>(fn: (db: Db, ctx: QueueContext) => Promise<T>): Promise<T> {
  return withQueue((ctx) => withDatabase((db) => fn(db, ctx)));
}
