/**
 * Redis restarted (SIGKILL, then started again empty: no persistence) while
 * jobs wait in the queue and while a job runs, under one `orgsync worker`
 * process that is never restarted.
 *
 * What must hold: every acknowledged submission completes (the runs are in
 * MySQL; the worker's orphan sweep adds the jobs Redis lost again), a
 * submission made while Redis is down is stored and completes too, the
 * running import completes once, and the same worker process carries on.
 *
 * The Redis here is the test's own redis-server on a free port, never the
 * shared one other test files use. The running job is held mid-run by the
 * test holding its organization's lock, so "Redis restarted while a job runs"
 * does not depend on timing.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo, organizationLockName, repositories } from '../../src/adapters/db/index.js';
import { openQueue, openRedis } from '../../src/adapters/queue/index.js';
import { parseImportOptions } from '../../src/core/importOptions.js';
import { bufferSource, submitImport } from '../../src/app/submitImport.js';
import { mysqlTestUrl, openTestDatabase, type TestDb } from '../support/db.js';
import { generatedTree, storedRowResults, treeChecksum } from '../support/faultHarness.js';
import { departmentsOf, importText } from '../support/importHarness.js';
import {
  baseEnv,
  enqueueText,
  eventually,
  settledRun,
  spawnWorker,
  testDatabaseName,
  testQueueConfig,
  type WorkerProcess,
  workerStarted,
} from '../support/queueHarness.js';
import { type RedisServer, startRedisServer } from '../support/redisServer.js';

const BIG_ROWS = 5_000;
const SMALL = ['w1', 'w2', 'w3', 'w4', 'w5'];

const smallFile = (tag: string) => `name,code,parentCode\n${tag} HQ,${tag}-HQ,\n${tag} Ops,${tag}-OPS,${tag}-HQ\n${tag} IT,${tag}-IT,${tag}-HQ\n`;

describe('Redis restarted under a running worker', () => {
  let db: TestDb;
  let redisServer: RedisServer;
  let redis: Redis;
  let queue: Queue;
  let lockHolder: mysql.Connection;
  let worker: WorkerProcess | undefined;
  const config = testQueueConfig('faults-redis', { attempts: 5, backoffMs: 200 });

  beforeAll(async () => {
    db = await openTestDatabase('mysql', testDatabaseName('faults_redis'));
    redisServer = await startRedisServer();
    // The submitter's connection waits through the restart, like a worker's.
    redis = await openRedis(redisServer.url, 'worker');
    queue = openQueue(redis, config);
    queue.on('error', () => undefined); // reconnect attempts while Redis is down
    lockHolder = await mysql.createConnection({ uri: mysqlTestUrl(db.location) });
  });
  afterAll(async () => {
    if (worker && worker.child.exitCode === null) {
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
    await lockHolder?.end();
    await queue?.close().catch(() => undefined);
    redis?.disconnect();
    await redisServer?.stop();
    await db?.drop();
  });

  it('loses no acknowledged run, finishes the running one once, and the same worker carries on', async () => {
    const bigFile = generatedTree(BIG_ROWS);
    const clean = await importText(db, bigFile, { org: 'clean' });
    const expected = await treeChecksum(db, 'clean');

    worker = spawnWorker({
      ...baseEnv(db),
      REDIS_URL: redisServer.url,
      ORGSYNC_QUEUE_PREFIX: config.prefix,
      ORGSYNC_QUEUE_NAME: config.name,
      ORGSYNC_JOB_ATTEMPTS: String(config.attempts),
      ORGSYNC_JOB_BACKOFF_MS: String(config.backoffMs),
      ORGSYNC_JOB_LOCK_MS: String(config.lockMs),
      ORGSYNC_STALLED_INTERVAL_MS: String(config.stalledIntervalMs),
      // One job at a time, so the small runs wait in Redis behind the big one;
      // the sweep every second, for runs of any age.
      ORGSYNC_WORKER_CONCURRENCY: '1',
      ORGSYNC_REQUEUE_INTERVAL_SECONDS: '1',
      ORGSYNC_REQUEUE_MIN_AGE_SECONDS: '0',
      LOG_LEVEL: 'info',
    });
    await workerStarted(worker);

    // The big run reads and plans, then waits for its organization's lock, which the test holds.
    const lockName = organizationLockName('big', db.location);
    const [[held]] = (await lockHolder.query('SELECT GET_LOCK(?, 0) AS ok', [lockName])) as [[{ ok: number }], unknown];
    expect(held.ok).toBe(1);
    const big = await enqueueText(db, queue, bigFile, { org: 'big' });
    await eventually(async () => {
      const [[row]] = (await lockHolder.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT GET_LOCK(%' AND DB = ?", [
        db.location,
      ])) as [[{ n: number }], unknown];
      return Number(row.n) > 0 ? true : undefined;
    }, 'the big run to wait for its lock');
    const waiting: string[] = [];
    for (const tag of SMALL) waiting.push(await enqueueText(db, queue, smallFile(tag), { org: tag }));
    expect(await queue.getJobCounts('waiting', 'active')).toEqual({ waiting: SMALL.length, active: 1 });

    // A client connection (fails fast, as `orgsync enqueue` and the API do) for a submission during the outage.
    const clientRedis = await openRedis(redisServer.url, 'client');
    const clientQueue = openQueue(clientRedis, config);
    clientQueue.on('error', () => undefined);

    await redisServer.kill();
    const options = parseImportOptions({ createOrg: true });
    if (!options.ok) throw new Error(options.message);
    const during = await submitImport(
      { repos: repositories(db), queue: clientQueue },
      { organizationCode: 'down', source: bufferSource('down.csv', Buffer.from(smallFile('down'))), options: options.value },
    );
    expect(during).toMatchObject({ kind: 'submitted', enqueued: false });
    if (during.kind !== 'submitted') throw new Error('unreachable');
    await clientQueue.close().catch(() => undefined);
    clientRedis.disconnect();

    await redisServer.start();
    // Redis came back empty; the worker's sweep adds every unfinished run's job again.
    const lost = [big, ...waiting, during.runId];
    await eventually(async () => ((await Promise.all(lost.map((id) => queue.getJob(id)))).every(Boolean) ? true : undefined), 'the sweep to re-add the lost jobs');
    expect((await importRunsRepo(db).getRun(big))?.status).toBe('running');
    await lockHolder.query('SELECT RELEASE_LOCK(?)', [lockName]);

    for (const runId of lost) expect((await settledRun(db, runId)).status).toMatch(/^completed/);
    // New work after the restart, for the same worker process.
    const after = await enqueueText(db, queue, smallFile('after'), { org: 'after' });
    expect((await settledRun(db, after)).status).toBe('completed');
    expect(worker.child.exitCode).toBeNull();
    expect(worker.output()).toContain('"orphan sweep"');

    // The big run: written once, equal to a clean run, recorded once.
    expect(await importRunsRepo(db).getRun(big)).toMatchObject({ status: 'completed_with_errors', counts: clean.counts });
    expect(await treeChecksum(db, 'big')).toEqual(expected);
    expect(await storedRowResults(db, big)).toBe(await storedRowResults(db, clean.runId));
    expect(await importRunsRepo(db).listRuns({ organizationCode: 'big' })).toHaveLength(1);
    for (const tag of [...SMALL, 'down', 'after']) {
      expect(await departmentsOf(db, tag)).toHaveLength(3);
      expect(await importRunsRepo(db).listRuns({ organizationCode: tag })).toHaveLength(1);
    }
  });
});
