/**
 * One organization at a time, whichever workers pick its runs up; different
 * organizations in parallel. Proved with the timestamps the runs record, and
 * with MariaDB's process list showing who waits for which lock, not with timing.
 */
import mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo, organizationLockName } from '../../src/adapters/db/index.js';
import { mysqlTestUrl, openSecondHandle, openTestDatabase, type TestDb } from '../support/db.js';
import { enqueueText, eventually, openTestQueue, settledRun, type TestQueue, testDatabaseName } from '../support/queueHarness.js';

const tree = (n: number, note: string) =>
  `name,code,parentCode,description\n${Array.from({ length: n }, (_, i) => `Dept ${i},D${i},${i < 5 ? '' : `D${i % 5}`},${note}`).join('\n')}\n`;

describe('organization locks across workers', () => {
  let db: TestDb;
  let tq: TestQueue;
  let holder: mysql.Connection;

  beforeAll(async () => {
    db = await openTestDatabase('mysql', testDatabaseName('queue_lock'));
    tq = await openTestQueue('lock');
    holder = await mysql.createConnection({ uri: mysqlTestUrl(db.location) });
  });
  afterEach(async () => {
    await tq.stopWorkers();
  });
  afterAll(async () => {
    await holder?.end();
    await tq?.close();
    await db?.drop();
  });

  /** Sessions of this test database waiting in GET_LOCK right now. */
  const waitingForLock = async (): Promise<number> => {
    const [rows] = (await holder.query(
      "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE 'SELECT GET_LOCK%'",
      [db.location],
    )) as unknown as [{ n: number }[]];
    return Number(rows[0]?.n ?? 0);
  };

  it('two workers and two runs of one organization never overlap', async () => {
    const lock = organizationLockName('shared', db.location);
    // Hold the organization until both runs wait for it, so they would overlap without the lock.
    await holder.query('SELECT GET_LOCK(?, 0)', [lock]);
    const first = await enqueueText(db, tq.queue, tree(3000, 'first'), { org: 'shared' });
    const second = await enqueueText(db, tq.queue, tree(3000, 'second'), { org: 'shared' });
    await tq.startWorker(await openSecondHandle(db));
    await tq.startWorker(await openSecondHandle(db));
    // Each worker runs one job at a time: two sessions waiting means one run on each worker.
    await eventually(async () => ((await waitingForLock()) === 2 ? true : undefined), 'both runs to wait for the lock');
    await holder.query('SELECT RELEASE_LOCK(?)', [lock]);

    const runs = [await settledRun(db, first), await settledRun(db, second)];
    expect(runs.map((r) => r.status)).toEqual(['completed', 'completed']);
    const [a, b] = [...runs].sort((x, y) => x.lockAcquiredAt!.localeCompare(y.lockAcquiredAt!));
    expect(a!.finishedAt! <= b!.lockAcquiredAt!).toBe(true);
    // The second planned from the first's committed writes: it only changed descriptions.
    expect(b!.counts).toMatchObject({ created: 0, updated: 3000 });
  });

  it('a run waiting for its organization does not hold up another organization', async () => {
    const lock = organizationLockName('slow', db.location);
    await holder.query('SELECT GET_LOCK(?, 0)', [lock]);
    try {
      const slow = await enqueueText(db, tq.queue, tree(10, 'slow'), { org: 'slow' });
      const fast = await enqueueText(db, tq.queue, tree(10, 'fast'), { org: 'fast' });
      await tq.startWorker(await openSecondHandle(db), { concurrency: 2 });
      expect((await settledRun(db, fast)).status).toBe('completed');
      expect((await importRunsRepo(db).getRun(slow))?.status).toBe('running');
      expect(await waitingForLock()).toBe(1);
      await holder.query('SELECT RELEASE_LOCK(?)', [lock]);
      expect((await settledRun(db, slow)).status).toBe('completed');
    } finally {
      await holder.query('SELECT RELEASE_LOCK(?)', [lock]);
    }
  });
});
