/**
 * Real queues for integration tests: each test file gets its own Redis key
 * prefix (so files running in parallel never see each other's jobs), real
 * workers (in-process, or as `orgsync worker` child processes), and clean-up.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { fileURLToPath } from 'node:url';
import { type RunningWorker, startWorker, type WorkerSettings } from '../../jobs/worker.js';
import type { QueueConfig, SourcesConfig } from '../../src/config.js';
import type { Db, ImportRunRecord } from '../../src/adapters/db/index.js';
import { importRunsRepo, repositories } from '../../src/adapters/db/index.js';
import { createLogger, type Logger } from '../../src/adapters/log.js';
import { openQueue, openRedis } from '../../src/adapters/queue/index.js';
import { parseImportOptions, type ImportOptionsInput } from '../../src/core/importOptions.js';
import { bufferSource, submitImport } from '../../src/app/submitImport.js';
import { isSettled } from '../../src/app/waitForRun.js';
import { type CliResult, runCli } from './cli.js';
import { mysqlTestUrl, type TestDb } from './db.js';

export const REDIS_TEST_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/orgsync.js', import.meta.url));

export type CliRun = CliResult;

/** `orgsync ARGS` in a child process with exactly `env` (nothing inherited from the test's shell). */
export function runOrgsync(args: string[], env: Record<string, string>): Promise<CliRun> {
  return runCli(args, env);
}

/** Per process too: two people (or CI jobs) running the suite at once must not share databases. */
export function testDatabaseName(name: string): string {
  return `${name}_${process.pid}`;
}

export function testQueueConfig(name: string, overrides: Partial<QueueConfig> = {}): QueueConfig {
  return {
    prefix: `{orgsync-test-${name}-${process.pid}}`,
    name: 'imports',
    attempts: 3,
    backoffMs: 200,
    lockMs: 5_000,
    stalledIntervalMs: 1_000,
    maxStalledCount: 2,
    completed: { count: 100, ageSeconds: 3600 },
    failed: { count: 100, ageSeconds: 3600 },
    ...overrides,
  };
}

export interface TestQueue {
  config: QueueConfig;
  redis: Redis;
  queue: Queue;
  /** A QueueEvents reader, ready (listening) when it resolves. */
  events(): Promise<QueueEvents>;
  /** Starts an in-process worker on `db` (its own handle, like another process would have). */
  startWorker(db: Db, opts?: { concurrency?: number; lockTimeoutSeconds?: number; log?: Logger; sources?: SourcesConfig }): Promise<RunningWorker>;
  /** Stops the in-process workers started so far (afterEach: a failed test must not leave one taking the next test's jobs). */
  stopWorkers(): Promise<void>;
  /** Environment for `orgsync` child processes: this database and this queue. */
  env(db: TestDb, extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

export async function openTestQueue(name: string, overrides: Partial<QueueConfig> = {}): Promise<TestQueue> {
  const config = testQueueConfig(name, overrides);
  const redis = await openRedis(REDIS_TEST_URL, 'worker');
  const queue = openQueue(redis, config);
  await queue.obliterate({ force: true });
  const workers: RunningWorker[] = [];
  const readers: QueueEvents[] = [];
  return {
    config,
    redis,
    queue,
    async events() {
      const events = new QueueEvents(config.name, { connection: redis, prefix: config.prefix });
      await events.waitUntilReady();
      readers.push(events);
      return events;
    },
    async startWorker(db, opts = {}) {
      const settings: WorkerSettings = {
        queue: config,
        worker: { concurrency: 1, shutdownGraceSeconds: 30, requeueIntervalSeconds: 3600, requeueMinAgeSeconds: 0 },
        sources: opts.sources ?? { httpHeaders: {}, httpTimeoutSeconds: 10, root: undefined, allowPrivateNetworks: false },
        lockTimeoutSeconds: opts.lockTimeoutSeconds ?? 30,
      };
      const worker = await startWorker(
        { db, repos: repositories(db), redis, queue, log: opts.log ?? createLogger('silent'), settings },
        { concurrency: opts.concurrency ?? 1 },
      );
      workers.push(worker);
      return worker;
    },
    async stopWorkers() {
      for (const w of workers.splice(0)) await w.stop(30_000);
    },
    env(db, extra = {}) {
      return {
        ...baseEnv(db),
        REDIS_URL: REDIS_TEST_URL,
        ORGSYNC_QUEUE_PREFIX: config.prefix,
        ORGSYNC_QUEUE_NAME: config.name,
        ORGSYNC_JOB_ATTEMPTS: String(config.attempts),
        ORGSYNC_JOB_BACKOFF_MS: String(config.backoffMs),
        ORGSYNC_JOB_LOCK_MS: String(config.lockMs),
        ORGSYNC_STALLED_INTERVAL_MS: String(config.stalledIntervalMs),
        ORGSYNC_MAX_STALLED_COUNT: String(config.maxStalledCount),
        ORGSYNC_REQUEUE_MIN_AGE_SECONDS: '0',
        LOG_LEVEL: 'info',
        ...extra,
      };
    },
    async close() {
      for (const w of workers) await w.stop(30_000);
      for (const r of readers) await r.close();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await redis.quit();
    },
  };
}

/** A child's environment for a test database, and nothing from the developer's shell. */
export function baseEnv(db: TestDb): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: mysqlTestUrl(db.location), LOG_LEVEL: 'warn' };
}

/** Submits bytes as a queued import, the way `orgsync enqueue` does. */
export async function enqueueText(
  db: Db,
  queue: Queue,
  text: string,
  opts: ImportOptionsInput & { org?: string; name?: string } = {},
): Promise<string> {
  const { org = 'acme', name = 'input.csv', ...rest } = opts;
  const options = parseImportOptions({ createOrg: true, ...rest });
  if (!options.ok) throw new Error(options.message);
  const result = await submitImport({ repos: repositories(db), queue }, { organizationCode: org, source: bufferSource(name, Buffer.from(text)), options: options.value });
  if (result.kind !== 'submitted' || !result.enqueued) throw new Error(`not submitted: ${JSON.stringify(result)}`);
  return result.runId;
}

/**
 * Polls until `probe` returns a value (not undefined). The ceiling only turns
 * a hang into a failure; nothing asserts on how long it took.
 */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, ceilingMs = 60_000): Promise<T> {
  const deadline = Date.now() + ceilingMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until the run row says the run is over, and returns it. */
export function settledRun(db: Db, runId: string): Promise<ImportRunRecord> {
  return eventually(async () => {
    const run = await importRunsRepo(db).getRun(runId);
    return run && isSettled(run.status) ? run : undefined;
  }, `run ${runId} to settle`);
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it logged so far (pino JSON lines). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `orgsync worker` in a child process, as in production. */
export function spawnWorker(env: Record<string, string>, args: string[] = []): WorkerProcess {
  const child = spawn(process.execPath, [BIN, 'worker', ...args], { env, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, output: () => output, exited };
}

/** Resolves once the worker process logged that it started. */
export function workerStarted(worker: WorkerProcess): Promise<true> {
  return eventually(async () => {
    if (worker.child.exitCode !== null) throw new Error(`worker exited early:\n${worker.output()}`);
    return worker.output().includes('"worker started"') ? true : undefined;
  }, 'the worker to start');
}
