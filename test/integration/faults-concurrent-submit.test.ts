/**
 * Many submissions at the same moment (an upload burst, `npm run load`): every
 * one is stored and queued. Found by the load script: staging the input began
 * with a DELETE that matched nothing but took a gap lock at the end of the
 * staging index, where every new run's rows go, so concurrent submissions
 * deadlocked on their INSERTs and the API answered 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stagingRepo, repositories } from '../../src/adapters/db/index.js';
import { parseImportOptions } from '../../src/core/importOptions.js';
import { bufferSource, submitImport } from '../../src/app/submitImport.js';
import { openTestDatabase, type TestDb } from '../support/db.js';
import { openTestQueue, type TestQueue, testDatabaseName } from '../support/queueHarness.js';

const SUBMISSIONS = 24;

describe('concurrent submissions', () => {
  let db: TestDb;
  let tq: TestQueue;

  beforeAll(async () => {
    db = await openTestDatabase('mysql', testDatabaseName('faults_concurrent_submit'));
    tq = await openTestQueue('faults-concurrent-submit');
  });
  afterAll(async () => {
    await tq?.close();
    await db?.drop();
  });

  it('all succeed: no deadlock between their transactions', async () => {
    const options = parseImportOptions({ createOrg: true });
    if (!options.ok) throw new Error(options.message);
    // Inputs of several chunks, so each submission inserts more than once.
    const body = (i: number) => Buffer.from(`name,code\n${Array.from({ length: 30_000 }, (_, j) => `Dept ${i}.${j},D${i}-${j}`).join('\n')}\n`);
    const results = await Promise.allSettled(
      Array.from({ length: SUBMISSIONS }, (_, i) => submitImport({ repos: repositories(db), queue: tq.queue }, { organizationCode: `org${i % 4}`, source: bufferSource(`f${i}.csv`, body(i)), options: options.value })),
    );
    const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason).slice(0, 200));
    expect(failed).toEqual([]);
    const runIds = results.map((r) => (r.status === 'fulfilled' && r.value.kind === 'submitted' ? r.value.runId : ''));
    expect(new Set(runIds).size).toBe(SUBMISSIONS);
    for (const id of runIds) expect((await stagingRepo(db).readAll(id, 'input'))?.length).toBeGreaterThan(256 * 1024);
    expect(await tq.queue.getJobCounts('waiting')).toEqual({ waiting: SUBMISSIONS });
  });
});
