/**
 * The HTTP app on a test database and its own queue prefix (test files run in
 * parallel), driven with app.inject(). Tokens are made by the real createToken.
 */
import { Queue } from 'bullmq';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { buildApp } from '../../src/adapters/http/app.js';
import { appDeps } from '../../src/adapters/http/deps.js';
import { organizationsRepo, repositories } from '../../src/adapters/db/index.js';
import { createToken } from '../../src/app/tokens.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/adapters/log.js';
import { type RunningWorker, startWorker } from '../../jobs/worker.js';
import type { Organization } from '../../src/core/model.js';
import { openTestDatabase, type TestDb, type TestDialect } from './db.js';

export const REDIS_TEST_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

export interface HttpHarness {
  db: TestDb;
  app: FastifyInstance;
  queue: Queue;
  redis: Redis;
  config: Config;
  /** Starts a real worker (jobs/worker.ts) on the harness's queue; stopped by close(). */
  startWorker(): Promise<RunningWorker>;
  close(): Promise<void>;
}

/** Config as the server reads it, with `env` on top (e.g. small limits for 413 tests). */
export function testConfig(prefix: string, env: Record<string, string> = {}): Config {
  return loadConfig({ ORGSYNC_QUEUE_PREFIX: `{${prefix}}`, LOG_LEVEL: 'silent', ORGSYNC_LOCK_TIMEOUT_SECONDS: '10', ...env });
}

export async function openHttpHarness(dialect: TestDialect, name: string, env: Record<string, string> = {}): Promise<HttpHarness> {
  // The pid keeps two runs of the suite on one machine (developers side by side) off each other's databases.
  const db = await openTestDatabase(dialect, `${name}_${process.pid}`);
  const prefix = `orgsync-test-${name}-${dialect}-${process.pid}`;
  const config = testConfig(prefix, env);
  const redis = new Redis(REDIS_TEST_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(config.queue.name, { connection: redis, prefix: config.queue.prefix });
  const deps = appDeps(config, { db, redis, queue, logger: false });
  const app = await buildApp(deps);
  const workers: { running: RunningWorker; redis: Redis }[] = [];
  return {
    db,
    app,
    queue,
    redis,
    config,
    async startWorker() {
      const workerRedis = new Redis(REDIS_TEST_URL, { maxRetriesPerRequest: null });
      const running = await startWorker(
        { db, repos: deps.repos, redis: workerRedis, queue, log: createLogger('silent'), settings: { ...config, lockTimeoutSeconds: config.database.lockTimeoutSeconds } },
        { concurrency: 1 },
      );
      workers.push({ running, redis: workerRedis });
      return running;
    },
    async close() {
      for (const w of workers) {
        await w.running.stop(10_000);
        w.redis.disconnect();
      }
      await app.close();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      redis.disconnect();
      await db.drop();
    },
  };
}

export async function createOrg(db: TestDb, code: string, nameScope: Organization['nameScope'] = 'organization'): Promise<Organization> {
  return organizationsRepo(db).create({ code, name: code.toUpperCase(), nameScope });
}

export async function orgToken(db: TestDb, code: string): Promise<string> {
  return (await createToken(repositories(db), { organizationCode: code, isAdmin: false })).token;
}

export async function adminToken(db: TestDb): Promise<string> {
  return (await createToken(repositories(db), { isAdmin: true, name: 'test admin' })).token;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** inject() with a token; `json` bodies are sent as application/json. */
export function call(
  app: FastifyInstance,
  token: string | undefined,
  method: InjectOptions['method'],
  url: string,
  opts: { json?: unknown; headers?: Record<string, string>; payload?: InjectOptions['payload'] } = {},
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...(token ? bearer(token) : {}), ...opts.headers };
  if (opts.json !== undefined) headers['content-type'] ??= 'application/json';
  return app.inject({ method, url, headers, payload: opts.json !== undefined ? JSON.stringify(opts.json) : opts.payload });
}

/** The error envelope's fields, after checking the envelope has exactly the seed's shape. */
export function envelopeOf(res: LightMyRequestResponse): { code: string; message: string; status: number; details: Record<string, unknown>; trace_id: string; type: string } {
  const body = res.json() as { success: unknown; error: Record<string, unknown> };
  if (body.success !== false) throw new Error(`not an error envelope: ${res.body}`);
  const keys = Object.keys(body.error).sort().join(',');
  if (keys !== 'code,details,message,status,timestamp,trace_id,type') throw new Error(`envelope keys are ${keys}`);
  if (body.error.trace_id !== res.headers['x-request-id']) throw new Error('trace_id is not the request id');
  if (body.error.status !== res.statusCode) throw new Error('status does not repeat the HTTP status');
  return body.error as ReturnType<typeof envelopeOf>;
}
