/**
 * What the queue commands need besides the database: a Redis connection and
 * the queue, opened for one command and closed however it ends. Redis is
 * reached before anything is written, so an unreachable Redis fails the
 * command at once instead of after staging a file.
 */
import type { Queue, QueueEvents } from 'bullmq';
import type { Config } from '../config.js';
import type { Repositories } from '../app/ports.js';
import { openQueue, openQueueEvents, openRedis } from '../adapters/queue/index.js';
import { config, withRepositories } from './context.js';
import { OrgsyncError } from '../core/errors.js';

/**
 * Queued runs are run by workers, which reach the database over the network:
 * the embedded SQLite file (no DATABASE_URL) is this machine's alone, so a run
 * queued there would wait forever. Refused before Redis or the file is touched.
 */
export class QueueNeedsMysqlError extends OrgsyncError {
  override readonly name = 'QueueNeedsMysqlError';
  constructor(what: string) {
    super(
      'QUEUE_NEEDS_MYSQL',
      `${what} needs the shared MySQL/MariaDB database (set DATABASE_URL): workers cannot reach the embedded SQLite database, so the run would wait forever. Use "orgsync import" to import in this process instead.`,
    );
  }
}

export function requireSharedDatabase(what: string, cfg: Config = config()): void {
  if (!cfg.database.url) throw new QueueNeedsMysqlError(what);
}

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

/** The database's repositories and the queue. */
export function withRepositoriesAndQueue<T>(fn: (repos: Repositories, ctx: QueueContext) => Promise<T>, what = 'queueing a run'): Promise<T> {
  requireSharedDatabase(what);
  return withQueue((ctx) => withRepositories((repos) => fn(repos, ctx)));
}
