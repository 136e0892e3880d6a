/**
 * What the HTTP app is built from. Everything with a lifetime (database pool,
 * Redis connections, queues) is opened by the caller (`orgsync serve`, a test)
 * and passed in, so buildApp() itself opens nothing and app.inject() tests run
 * against whatever database and queue prefix they choose.
 */
import type { Queue } from 'bullmq';
import type { Config } from '../../config.js';
import type { Db } from '../db/index.js';

export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency answers; rejects (with a reason) otherwise. */
  check(): Promise<void>;
}

/** What /readyz checks in production: the database answers and Redis answers. */
export function databaseAndRedisChecks(db: Db, redis: { ping(): Promise<unknown> }): ReadinessCheck[] {
  return [
    { name: 'database', check: async () => void (await db.knex.raw('select 1')) },
    { name: 'redis', check: async () => void (await redis.ping()) },
  ];
}

export interface AppDeps {
  db: Db;
  config: Pick<Config, 'http' | 'database' | 'queue'>;
  /** The import queue: uploads, retries and schedules add jobs to it; Bull Board shows it at /admin/queues. */
  queue: Queue;
  /** /readyz runs these (MySQL and Redis). */
  readiness: readonly ReadinessCheck[];
  /** false: no logs (tests); otherwise the level, and where to write (stdout by default). */
  logger?: false | { level: string; stream?: NodeJS.WritableStream };
}
