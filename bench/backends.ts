/**
 * The MariaDB/MySQL server and Redis that `npm run bench` measures against:
 * waiting for them (another session may restart them), the bench's databases
 * (dropped and recreated, migrated by the compiled CLI), its queue, versions.
 */
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';

export interface Backends {
  /** Server URL without a database, as a user that may create databases. */
  baseUrl: string;
  redisUrl: string;
  /** The bench's own queue prefix, so it never takes (or leaves) jobs of another orgsync on this Redis. */
  queuePrefix: string;
}

/** Resolves once both answer; throws after 3 minutes. */
export async function servicesUp(b: Backends): Promise<void> {
  for (let waited = 0; ; waited += 2) {
    try {
      const conn = await mysql.createConnection({ uri: b.baseUrl, connectTimeout: 2000 });
      await conn.end();
      const redis = new Redis(b.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      redis.on('error', () => undefined);
      await redis.connect();
      await redis.ping();
      redis.disconnect();
      return;
    } catch (err) {
      if (waited >= 180) throw err;
      await sleep(2000);
    }
  }
}

export async function dropDatabase(b: Backends, database: string): Promise<void> {
  const conn = await mysql.createConnection({ uri: b.baseUrl });
  await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await conn.end();
}

/** Drops and recreates `database`, then `orgsync migrate` (the compiled CLI) into it. */
export async function resetDatabase(b: Backends, database: string): Promise<void> {
  await servicesUp(b);
  await dropDatabase(b, database);
  const conn = await mysql.createConnection({ uri: b.baseUrl });
  await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await conn.end();
  const env = { ...process.env, DATABASE_URL: `${b.baseUrl}/${database}` };
  const migrate = spawnSync(process.execPath, ['bin/orgsync.js', 'migrate'], { env, encoding: 'utf8' });
  if (migrate.status !== 0) throw new Error(migrate.stderr);
}

/** Jobs left in the bench queue by an interrupted run would be picked up by the next run's workers. */
export async function clearBenchQueue(b: Backends): Promise<void> {
  const connection = new Redis(b.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('imports', { connection, prefix: b.queuePrefix });
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
}

export async function versions(b: Backends): Promise<{ database: string; redis: string }> {
  const conn = await mysql.createConnection({ uri: b.baseUrl });
  const [rows] = (await conn.query('SELECT VERSION() AS v')) as unknown as [{ v: string }[]];
  await conn.end();
  const redis = new Redis(b.redisUrl);
  const info = await redis.info('server');
  redis.disconnect();
  return { database: rows[0]!.v, redis: /redis_version:(\S+)/.exec(info)?.[1] ?? '?' };
}
