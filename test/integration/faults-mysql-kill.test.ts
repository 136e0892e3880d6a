/**
 * The worker's MariaDB connection killed mid-batch: while a queued 20,000-row
 * import is writing, the test finds the connection executing an INSERT into
 * departments (information_schema.PROCESSLIST) and KILLs it, as a DBA, a
 * proxy or a server-side timeout would.
 *
 * What must hold: the attempt fails as a transient fault and the job is
 * retried, the retry completes the run, the organization then equals a clean
 * run of the same file (no duplicates, the same row results), exactly one run
 * is recorded, and a reader never sees a partial import at any moment.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo } from '../../src/adapters/db/index.js';
import { mysqlTestUrl, openSecondHandle, openTestDatabase, type TestDb } from '../support/db.js';
import { departmentCount, generatedTree, sampler, storedRowResults, treeChecksum } from '../support/faultHarness.js';
import { importText } from '../support/importHarness.js';
import { enqueueText, eventually, openTestQueue, settledRun, type TestQueue, testDatabaseName } from '../support/queueHarness.js';

const ROWS = 20_000;

describe("the worker's MariaDB connection killed mid-batch", () => {
  let db: TestDb;
  let tq: TestQueue;
  let admin: mysql.Connection;

  beforeAll(async () => {
    db = await openTestDatabase('mysql', testDatabaseName('faults_mysql_kill'));
    tq = await openTestQueue('faults-mysql-kill', { attempts: 3, backoffMs: 200 });
    admin = await mysql.createConnection({ uri: mysqlTestUrl(db.location) });
  });
  afterAll(async () => {
    await tq?.close();
    await admin?.end();
    await db?.drop();
  });

  /** The id of a connection running an INSERT into departments in our database right now, if any. */
  async function insertingConnection(): Promise<number | undefined> {
    const [rows] = (await admin.query(
      "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND = 'Query' AND INFO LIKE 'insert into `departments`%'",
      [db.location],
    )) as [{ id: number }[], unknown];
    return rows[0]?.id;
  }

  it('retries the job, completes the run once, and never shows a partial import', async () => {
    const file = generatedTree(ROWS);
    const clean = await importText(db, file, { org: 'clean' });
    const expected = await treeChecksum(db, 'clean');
    const expectedRowResults = await storedRowResults(db, clean.runId);

    const runId = await enqueueText(db, tq.queue, file, { org: 'killed' });
    await tq.startWorker(await openSecondHandle(db));
    await eventually(async () => {
      const run = await importRunsRepo(db).getRun(runId);
      if (run && run.status !== 'running' && run.status !== 'queued') throw new Error(`the run ended (${run.status}) before it could be killed`);
      return (run?.progress as { phase?: string } | null)?.phase === 'writing' ? true : undefined;
    }, 'the run to start writing');
    const view = sampler(() => departmentCount(db, 'killed'));
    const victim = await eventually(async () => {
      const id = await insertingConnection();
      if (id === undefined && (await importRunsRepo(db).getRun(runId))?.status !== 'running') throw new Error('the run ended before an INSERT could be caught');
      return id;
    }, 'an INSERT into departments');
    await admin.query(`KILL CONNECTION ${victim}`);

    const run = await settledRun(db, runId);
    const seen = await view.stop();
    expect(run).toMatchObject({ status: 'completed_with_errors', attempts: 2, counts: clean.counts, errorCode: null });
    expect(await treeChecksum(db, 'killed')).toEqual(expected);
    expect(expected.distinctCodes).toBe(expected.count);
    expect(await storedRowResults(db, runId)).toBe(expectedRowResults);
    expect(await importRunsRepo(db).listRuns({ organizationCode: 'killed' })).toHaveLength(1);
    // A reader saw nothing, then everything: the killed transaction was rolled back whole.
    expect([...seen].every((n) => n === 0 || n === expected.count)).toBe(true);
    expect(seen.has(0)).toBe(true);
    const job = await eventually(async () => {
      const j = await tq.queue.getJob(runId);
      return j?.finishedOn ? j : undefined;
    }, 'the job to finish');
    expect(job.attemptsMade).toBe(2);
  });
});
