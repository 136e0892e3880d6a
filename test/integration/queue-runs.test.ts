/**
 * Queued imports against the real Redis and MariaDB: submission, completion,
 * idempotency, progress, the line between retried faults and failures that
 * stop at once, and the sweep that re-enqueues runs Redis lost.
 */
import mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo, organizationLockName, stagingRepo } from '../../src/adapters/db/index.js';
import type { RunProgress } from '../../src/app/jobContracts.js';
import { mysqlTestUrl, openSecondHandle, openTestDatabase, type TestDb } from '../support/db.js';
import { departmentsOf, treeShape } from '../support/importHarness.js';
import { enqueueText, eventually, openTestQueue, settledRun, type TestQueue, testDatabaseName } from '../support/queueHarness.js';

const TREE = 'name,code,parentCode\nEngineering,ENG,\nBackend,BE,ENG\nFrontend,FE,ENG\nSales,SAL,\n';

describe('queued imports', () => {
  let db: TestDb;
  let tq: TestQueue;

  beforeAll(async () => {
    db = await openTestDatabase('mysql', testDatabaseName('queue_runs'));
    tq = await openTestQueue('runs');
  });
  afterEach(async () => {
    await tq.stopWorkers();
  });
  afterAll(async () => {
    await tq?.close();
    await db?.drop();
  });

  it('a submitted run is stored queued with its input before the job exists, then a worker completes it', async () => {
    const runId = await enqueueText(db, tq.queue, TREE, { org: 'enq' });
    const queued = await importRunsRepo(db).getRun(runId);
    expect(queued).toMatchObject({ status: 'queued', jobName: 'import-departments', organizationCode: 'enq' });
    expect(await stagingRepo(db).readAll(runId, 'input')).toEqual(Buffer.from(TREE));
    expect((await tq.queue.getJob(runId))?.data).toEqual({ runId });

    const worker = await tq.startWorker(await openSecondHandle(db));
    const run = await settledRun(db, runId);
    expect(run).toMatchObject({ status: 'completed', attempts: 1, counts: expect.objectContaining({ rows: 4, created: 4 }) });
    expect(await treeShape(db, 'enq')).toHaveLength(4);
    const job = await eventually(async () => {
      const j = await tq.queue.getJob(runId);
      return j?.finishedOn ? j : undefined;
    }, 'the job to finish');
    expect(job.returnvalue).toMatchObject({ runId, status: 'completed', counts: { created: 4 } });
    // The run history is in MySQL: the staged input is gone once the run cannot run again.
    expect(await stagingRepo(db).has(runId, 'input')).toBe(false);
    await worker.stop(30_000);
  });

  it('submitting the same bytes, options and organization while queued returns the same run', async () => {
    const first = await enqueueText(db, tq.queue, TREE, { org: 'dup' });
    const again = await enqueueText(db, tq.queue, TREE, { org: 'dup' });
    const otherOptions = await enqueueText(db, tq.queue, TREE, { org: 'dup', atomic: true });
    const otherBytes = await enqueueText(db, tq.queue, `${TREE}Support,SUP,\n`, { org: 'dup' });
    expect(again).toBe(first);
    expect(new Set([first, otherOptions, otherBytes]).size).toBe(3);
    expect(await tq.queue.getJobCounts('waiting')).toMatchObject({ waiting: 3 });

    const worker = await tq.startWorker(await openSecondHandle(db));
    for (const id of [first, otherOptions, otherBytes]) expect((await settledRun(db, id)).status).toBe('completed');
    // Finished: the same submission is a new run now.
    const later = await enqueueText(db, tq.queue, TREE, { org: 'dup' });
    expect(later).not.toBe(first);
    expect((await settledRun(db, later)).counts).toMatchObject({ unchanged: 4 });
    await worker.stop(30_000);
  });

  it('reports progress through the job and mirrors it in the run row', async () => {
    const rows = Array.from({ length: 12_000 }, (_, i) => `Dept ${i},D${i},${i < 10 ? '' : `D${i % 10}`}`);
    const runId = await enqueueText(db, tq.queue, `name,code,parentCode\n${rows.join('\n')}\n`, { org: 'progress' });
    const events = await tq.events();
    const seen: RunProgress[] = [];
    events.on('progress', ({ jobId, data }) => {
      if (jobId === runId) seen.push(data as unknown as RunProgress);
    });
    const worker = await tq.startWorker(await openSecondHandle(db));
    const run = await settledRun(db, runId);
    await eventually(async () => (seen.at(-1)?.phase === 'done' ? true : undefined), 'the last progress event');
    const phases = [...new Set(seen.map((p) => p.phase))];
    expect(phases).toEqual(['reading', 'planning', 'writing', 'done']);
    expect(seen.find((p) => p.phase === 'reading')!.rowsDone).toBeGreaterThan(0);
    expect(seen.at(-1)).toEqual({ phase: 'done', rowsDone: 12_000, rowsTotal: 12_000 });
    expect(run.status).toBe('completed');
    // The row's last progress write is not awaited by the run: wait for it rather than race it.
    const mirrored = await eventually(async () => {
      const progress = (await importRunsRepo(db).getRun(runId))?.progress as RunProgress | null;
      return progress?.phase === 'done' ? progress : undefined;
    }, 'the run row to say done');
    expect(mirrored).toEqual({ phase: 'done', rowsDone: 12_000, rowsTotal: 12_000 });
    await worker.stop(30_000);
  });

  it('a bad file fails the job once, without retries, with a message a person can act on', async () => {
    const runId = await enqueueText(db, tq.queue, 'name,code\n"unclosed,X\n', { org: 'bad' });
    const worker = await tq.startWorker(await openSecondHandle(db));
    const run = await settledRun(db, runId);
    expect(run).toMatchObject({ status: 'failed', errorCode: 'CSV_SYNTAX_ERROR', attempts: 1 });
    const job = await eventually(async () => {
      const j = await tq.queue.getJob(runId);
      return j?.finishedOn ? j : undefined;
    }, 'the job to fail');
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsStarted).toBe(1);
    expect(job.failedReason).toMatch(/^CSV_SYNTAX_ERROR: /);
    await worker.stop(30_000);
  });

  it('a transient fault (the organization lock held elsewhere past the lock timeout) is retried and then succeeds', async () => {
    // Another session holds the organization's lock, as a long import elsewhere would.
    const holder = await mysql.createConnection({ uri: mysqlTestUrl(db.location) });
    const lockName = organizationLockName('busy', db.location);
    await holder.query('SELECT GET_LOCK(?, 0)', [lockName]);
    try {
      const runId = await enqueueText(db, tq.queue, TREE, { org: 'busy' });
      const events = await tq.events();
      const firstFailure = new Promise<string>((resolve) => {
        // An attempt failed and the job waits (delayed) for its retry: it is not 'failed'.
        events.on('delayed', ({ jobId }) => jobId === runId && resolve(jobId));
      });
      const worker = await tq.startWorker(await openSecondHandle(db), { lockTimeoutSeconds: 1 });
      await firstFailure;
      await holder.query('SELECT RELEASE_LOCK(?)', [lockName]);
      const run = await settledRun(db, runId);
      expect(run).toMatchObject({ status: 'completed', attempts: 2, counts: expect.objectContaining({ created: 4 }) });
      const job = await eventually(async () => {
        const j = await tq.queue.getJob(runId);
        return j?.finishedOn ? j : undefined;
      }, 'the job to finish');
      expect(await job.getState()).toBe('completed');
      expect(job.attemptsStarted).toBe(2);
      expect(await departmentsOf(db, 'busy')).toHaveLength(4);
      await worker.stop(30_000);
    } finally {
      await holder.end();
    }
  });

  it('a run left queued without a job (Redis lost it) is re-enqueued by the worker at start-up', async () => {
    const runId = await enqueueText(db, tq.queue, TREE, { org: 'orphan' });
    await (await tq.queue.getJob(runId))!.remove();
    expect(await tq.queue.getJob(runId)).toBeUndefined();
    const worker = await tq.startWorker(await openSecondHandle(db));
    expect((await settledRun(db, runId)).status).toBe('completed');
    await worker.stop(30_000);
  });
});

describe('queued imports on the embedded SQLite database', () => {
  it('enqueue, a worker in the same process, completion, and the threshold hold', async () => {
    const db = await openTestDatabase('sqlite', testDatabaseName('queue_runs_sqlite'));
    const tq = await openTestQueue('runs-sqlite');
    try {
      await tq.startWorker(db);
      const runId = await enqueueText(db, tq.queue, TREE, { org: 'lite' });
      expect(await settledRun(db, runId)).toMatchObject({ status: 'completed', counts: expect.objectContaining({ created: 4 }) });
      const partial = await enqueueText(db, tq.queue, 'name,code\nSales,SAL\n', { org: 'lite', mode: 'sync' });
      expect(await settledRun(db, partial)).toMatchObject({ status: 'needs_approval', errorCode: 'DEACTIVATION_THRESHOLD_EXCEEDED' });
      expect(await treeShape(db, 'lite')).toHaveLength(4);
    } finally {
      await tq.close();
      await db.drop();
    }
  });
});
