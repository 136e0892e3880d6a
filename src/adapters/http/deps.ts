/**
 * What the HTTP app is built from. Everything with a lifetime (database pool,
 * Redis connections, queues) is opened by the caller (`orgsync serve`, the load
 * script's server, the test harness) and passed to appDeps(), the one place
 * that turns them into the app's deps: the repositories the routes' use cases
 * take, the queue, and the readiness checks. buildApp() itself opens nothing,
 * so app.inject() tests run against whatever database and queue prefix they choose.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Repositories } from '../../app/ports.js';
import type { Config } from '../../config.js';
import { type Db, repositories } from '../db/index.js';
import { openQueue } from '../queue/index.js';

export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency answers; rejects (with a reason) otherwise. */
  check(): Promise<void>;
}

function databaseAndRedisChecks(db: Db, redis: { ping(): Promise<unknown> }): ReadinessCheck[] {
  return [
    { name: 'database', check: async () => void (await db.knex.raw('select 1')) },
    { name: 'redis', check: async () => void (await redis.ping()) },
  ];
}

export interface AppDeps {
  db: Db;
  /** The repositories built from `db`: every route reads and writes through the use cases with these. */
  repos: Repositories;
  /** `sources`: its allowPrivateNetworks also lets webhook URLs be private (unset: not). */
  config: Pick<Config, 'http' | 'database' | 'queue'> & Partial<Pick<Config, 'sources'>>;
  /** The import queue: uploads, retries and schedules add jobs to it; Bull Board shows it at /admin/queues. */
  queue: Queue;
  /** /readyz runs these (MySQL and Redis). */
  readiness: readonly ReadinessCheck[];
  /** false: no logs (tests); otherwise the level, and where to write (stdout by default). */
  logger?: false | { level: string; stream?: NodeJS.WritableStream };
}

/**
 * The app's deps from what the caller opened. `queue`: the import queue on
 * `redis` as configured, unless the caller brings its own.
 */
export function appDeps(
  config: AppDeps['config'],
  opened: { db: Db; redis: Redis; queue?: Queue; logger?: AppDeps['logger'] },
): AppDeps {
  const { db, redis } = opened;
  return {
    db,
    repos: repositories(db),
    config,
    queue: opened.queue ?? openQueue(redis, config.queue),
    readiness: databaseAndRedisChecks(db, redis),
    ...(opened.logger === undefined ? {} : { logger: opened.logger }),
  };
}
