/**
 * Crash safety. A worker process importing a 50,000-row file is killed with
 * SIGKILL while it writes; BullMQ's stalled-job recovery hands the job to a
 * second worker process, which imports the file again. The departments then
 * equal those of one clean run of the same file (compared by a checksum that
 * ignores generated ids and timestamps), no row is duplicated, and the run is
 * recorded as completed exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo, type ImportRunRecord } from '../../src/adapters/db/index.js';
import { openTestDatabase, type TestDb } from '../support/db.js';
import { departmentsOf, importText } from '../support/importHarness.js';
import { generatedTree, storedRowResults, treeChecksum } from '../support/faultHarness.js';
import { enqueueText, eventually, openTestQueue, settledRun, spawnWorker, type TestQueue, workerStarted, testDatabaseName } from '../support/queueHarness.js';

const ROWS = 50_000;

const FAILING = 20;


describe('a worker killed mid-import', () => {
  let db: TestDb;
  let tq: TestQueue;

  beforeAll(async () => {
    db = await openTestDatabase('mysql', testDatabaseName('queue_sigkill'));
    // A dead worker's lock expires 8 s after its last renewal (well above the longest
    // event-loop block of planning 50,000 rows, so a live worker never looks dead),
    // and workers look for stalled jobs every second.
    tq = await openTestQueue('sigkill', { lockMs: 8_000, stalledIntervalMs: 1_000 });
  });
  afterAll(async () => {
    await tq?.close();
    await db?.drop();
  });

  it('leaves no damage: a second worker finishes, the table equals a clean run, the run completed once', async () => {
    const file = generatedTree(ROWS);
    const clean = await importText(db, file, { org: 'clean' });
    expect(clean.status).toBe('completed_with_errors');
    const expected = await treeChecksum(db, 'clean');
    expect(expected.count).toBeGreaterThan(ROWS - 10 * FAILING);
    const expectedRowResults = await storedRowResults(db, clean.runId);
    expect(expectedRowResults).toBeGreaterThanOrEqual(FAILING);

    const runId = await enqueueText(db, tq.queue, file, { org: 'killed' });
    const env = tq.env(db, { ORGSYNC_WORKER_CONCURRENCY: '1', LOG_LEVEL: 'info' });
    const first = spawnWorker(env);
    await workerStarted(first);
    const writing = await eventually(async () => {
      const run = await importRunsRepo(db).getRun(runId);
      if (run?.status === 'completed') throw new Error('the run completed before it could be killed');
      const phase = (run?.progress as { phase?: string } | null)?.phase;
      return run?.status === 'running' && phase === 'writing' ? run : undefined;
    }, 'the first worker to start writing');
    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // The transaction died with its connection: nothing of the half-written import is visible.
    const afterKill = (await importRunsRepo(db).getRun(runId)) as ImportRunRecord;
    expect(afterKill).toMatchObject({ status: 'running', attempts: 1, finishedAt: null });
    expect(await departmentsOf(db, 'killed')).toEqual([]);
    expect(writing.attempts).toBe(1);

    const second = spawnWorker(env);
    await workerStarted(second);
    const run = await settledRun(db, runId);
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });

    expect(run).toMatchObject({ status: 'completed_with_errors', attempts: 2, counts: clean.counts });
    expect(await treeChecksum(db, 'killed')).toEqual(expected);
    expect(await storedRowResults(db, runId)).toBe(expectedRowResults);
    const finished = [first, second].flatMap((w) => w.output().split('\n')).filter((l) => l.includes(runId) && l.includes('"run finished"'));
    expect(finished).toHaveLength(1);
    expect(second.output()).toContain('"run started"');
    const job = await tq.queue.getJob(runId);
    expect(job?.stalledCounter).toBe(1);
  });
});
