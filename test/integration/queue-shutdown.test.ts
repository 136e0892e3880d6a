/**
 * `orgsync worker` stops gracefully on SIGTERM: it takes no new job, lets the
 * running one finish, and exits 0. The running job is held mid-run (waiting
 * for its organization's lock, held by the test) until the signal is in.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo, organizationLockName } from '../../src/adapters/db/index.js';
import { mysqlTestUrl, openTestDatabase, type TestDb } from '../support/db.js';
import { enqueueText, eventually, openTestQueue, settledRun, spawnWorker, type TestQueue, workerStarted, testDatabaseName } from '../support/queueHarness.js';

describe('graceful shutdown', () => {
  let db: TestDb;
  let tq: TestQueue;
  let holder: mysql.Connection;

  beforeAll(async () => {
    db = await openTestDatabase('mysql', testDatabaseName('queue_shutdown'));
    tq = await openTestQueue('shutdown');
    holder = await mysql.createConnection({ uri: mysqlTestUrl(db.location) });
  });
  afterAll(async () => {
    await holder?.end();
    await tq?.close();
    await db?.drop();
  });

  it('on SIGTERM finishes the running job, takes no other, and exits 0', async () => {
    const lock = organizationLockName('graceful', db.location);
    await holder.query('SELECT GET_LOCK(?, 0)', [lock]);
    const running = await enqueueText(db, tq.queue, 'name,code\nA,A\nB,B\n', { org: 'graceful' });
    const next = await enqueueText(db, tq.queue, 'name,code\nC,C\n', { org: 'later' });
    const worker = spawnWorker(tq.env(db, { ORGSYNC_WORKER_CONCURRENCY: '1', ORGSYNC_SHUTDOWN_GRACE_SECONDS: '60', LOG_LEVEL: 'info' }));
    await workerStarted(worker);
    await eventually(async () => ((await importRunsRepo(db).getRun(running))?.status === 'running' ? true : undefined), 'the first run to start');

    worker.child.kill('SIGTERM');
    await eventually(async () => (worker.output().includes('"stopping: no new jobs') ? true : undefined), 'the worker to stop taking jobs');
    await holder.query('SELECT RELEASE_LOCK(?)', [lock]);

    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(await settledRun(db, running)).toMatchObject({ status: 'completed', attempts: 1 });
    expect((await importRunsRepo(db).getRun(next))?.status).toBe('queued');
    expect(await (await tq.queue.getJob(next))?.getState()).toBe('waiting');
    expect(worker.output()).toContain('"worker stopped"');
  });
});
