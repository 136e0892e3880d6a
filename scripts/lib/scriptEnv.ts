/**
 * What `npm run chaos` and `npm run load` share: a fresh database of their
 * own on the local MariaDB, a queue prefix of their own on the local Redis,
 * `orgsync worker` child processes pointed at both, and small timing helpers.
 * Everything they create is theirs alone, so they never touch the test
 * suite's or the benchmark's databases and keys.
 */
import mysql from 'mysql2/promise';
import { type Db, migrateLatest, openDatabase } from '../../src/adapters/db/index.js';
import { spawnWorker, type WorkerProcess, workerStarted } from '../../test/support/queueHarness.js';

export const MYSQL_URL = process.env.MYSQL_TEST_URL ?? 'mysql://root@127.0.0.1:3306';
export const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

export function databaseUrl(database: string): string {
  const url = new URL(MYSQL_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Drops and creates `database`, migrated; returns a handle on it. */
export async function freshDatabase(database: string): Promise<Db> {
  const conn = await mysql.createConnection({ uri: MYSQL_URL });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await conn.end();
  }
  const db = await openDatabase({ url: databaseUrl(database), sqlitePath: '', lockTimeoutSeconds: 600 });
  await migrateLatest(db);
  return db;
}

export async function dropDatabase(database: string): Promise<void> {
  const conn = await mysql.createConnection({ uri: MYSQL_URL });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await conn.end();
  }
}

/** The environment of an `orgsync worker` child: exactly these settings, nothing from the caller's shell. */
export function workerEnv(database: string, prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    DATABASE_URL: databaseUrl(database),
    REDIS_URL,
    ORGSYNC_QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** Children still running when the script ends (normally or not) are killed: nothing is left behind. */
const children = new Set<WorkerProcess>();
process.on('exit', () => {
  for (const w of children) if (w.child.exitCode === null) w.child.kill('SIGKILL');
});

export async function startWorkerProcess(env: Record<string, string>, args: string[] = []): Promise<WorkerProcess> {
  const worker = spawnWorker(env, args);
  children.add(worker);
  void worker.exited.then(() => children.delete(worker));
  await workerStarted(worker);
  return worker;
}

/** SIGTERM, and SIGKILL if it has not exited within `graceMs`. */
export async function stopWorkerProcess(worker: WorkerProcess, graceMs = 30_000): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.kill('SIGTERM');
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), graceMs);
  await worker.exited;
  clearTimeout(timer);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `probe` every `everyMs` until it returns a value; throws after `ceilingMs` (the scripts must end by themselves). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ceilingMs: number, everyMs = 25): Promise<T> {
  const deadline = Date.now() + ceilingMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${Math.round(ceilingMs / 1000)} s`);
    await sleep(everyMs);
  }
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
