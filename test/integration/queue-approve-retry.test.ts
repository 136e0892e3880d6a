/**
 * What happens after a run did not simply succeed: retrying its failed rows
 * once their problem is fixed, and approving a sync its threshold stopped.
 */
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo, stagingRepo, repositories } from '../../src/adapters/db/index.js';
import type { ImportPlan } from '../../src/core/model.js';
import { ApprovalNotPossibleError, approveRun } from '../../src/app/approveRun.js';
import { RetryNotPossibleError, submitRetry } from '../../src/app/retryFailedRows.js';
import { openSecondHandle, openTestDatabase, type TestDb } from '../support/db.js';
import { departmentsOf, importText, treeShape } from '../support/importHarness.js';
import { enqueueText, eventually, openTestQueue, settledRun, type TestQueue, testDatabaseName } from '../support/queueHarness.js';

describe('retry and approve', () => {
  let db: TestDb;
  let tq: TestQueue;

  beforeAll(async () => {
    db = await openTestDatabase('mysql', testDatabaseName('queue_approve_retry'));
    tq = await openTestQueue('approve-retry');
    await tq.startWorker(await openSecondHandle(db));
  });
  afterAll(async () => {
    await tq?.close();
    await db?.drop();
  });

  const finishedJob = (id: string) =>
    eventually(async () => {
      const job = await tq.queue.getJob(id);
      return job?.finishedOn ? job : undefined;
    }, `job ${id} to finish`);

  it('retries the failed rows after the missing parent was added, and marks them resolved in the original run', async () => {
    const csv = ['name,code,parentCode', 'Root,R,', 'Child,C,MISSING', 'Grandchild,G,C', 'Other,O,R', ',NONAME,R'].join('\n');
    const original = await enqueueText(db, tq.queue, csv, { org: 'retry' });
    expect(await settledRun(db, original)).toMatchObject({ status: 'completed_with_errors', counts: expect.objectContaining({ created: 2, failed: 2, skipped: 1 }) });

    await importText(db, 'name,code\nMissing,MISSING\n', { org: 'retry' });
    const retry = await submitRetry({ repos: repositories(db), queue: tq.queue }, original);
    const retried = await settledRun(db, retry.runId);
    expect(retried).toMatchObject({ parentRunId: original, jobName: 'retry-failed-rows', mode: 'upsert', status: 'completed_with_errors' });
    expect(retried.counts).toMatchObject({ rows: 3, created: 2, failed: 1 });
    expect((await finishedJob(retry.runId)).returnvalue).toMatchObject({ runId: retry.runId, resolvedRows: 2 });

    const resolved = (await importRunsRepo(db).getRowResults(original))
      .filter((r) => r.action === 'failed' || r.action === 'skipped')
      .map((r) => [r.rowNumber, r.resolvedByRunId]);
    expect(resolved).toEqual([
      [3, retry.runId],
      [4, retry.runId],
      [6, null],
    ]);
    expect(await treeShape(db, 'retry')).toEqual(
      expect.arrayContaining(['Missing > Child | depth 1 | active | code C | ', 'Missing > Child > Grandchild | depth 2 | active | code G | ']),
    );
    // What is left is the row that still fails; once that is gone there is nothing to retry.
    const again = await submitRetry({ repos: repositories(db), queue: tq.queue }, original);
    await settledRun(db, again.runId);
    await expect(submitRetry({ repos: repositories(db), queue: tq.queue }, retry.runId)).resolves.toMatchObject({ kind: 'submitted' });
    await expect(submitRetry({ repos: repositories(db), queue: tq.queue }, 'run_NOSUCHRUN')).rejects.toThrow('no import run run_NOSUCHRUN');
  });

  it('a sync over its threshold waits for approval; approve applies exactly the held plan, unless the departments changed', async () => {
    const full = ['name,code', ...Array.from({ length: 10 }, (_, i) => `Team ${i},T${i}`)].join('\n');
    await importText(db, full, { org: 'approve' });
    // A partial export: 8 of 10 would go (20% allows 2), plus one new team.
    const partial = await enqueueText(db, tq.queue, 'name,code\nTeam 0,T0\nTeam 1,T1\nFresh,F\n', { org: 'approve', mode: 'sync' });
    const held = await settledRun(db, partial);
    expect(held).toMatchObject({ status: 'needs_approval', errorCode: 'DEACTIVATION_THRESHOLD_EXCEEDED', counts: expect.objectContaining({ deactivated: 8, created: 1 }) });
    const job = await finishedJob(partial);
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsStarted).toBe(1);
    expect(job.failedReason).toContain(`orgsync approve ${partial}`);
    expect((await departmentsOf(db, 'approve')).filter((d) => d.isActive)).toHaveLength(10);

    // Someone changes the departments meanwhile: the held plan is stale, so approve plans again and holds that.
    await importText(db, 'name,code\nLate addition,LATE\n', { org: 'approve' });
    const stale = await approveRun(repositories(db), partial, { lockTimeoutSeconds: 10, approver: { kind: 'operator', actor: 'cli:test' } });
    expect(stale).toMatchObject({ status: 'needs_approval', applied: false, counts: expect.objectContaining({ deactivated: 9 }) });
    expect(stale.fileError?.message).toContain('changed since this plan was made');
    expect((await departmentsOf(db, 'approve')).filter((d) => d.isActive)).toHaveLength(11);

    const planned = JSON.parse(gunzipSync((await stagingRepo(db).readAll(partial, 'plan'))!).toString()) as ImportPlan;
    const approved = await approveRun(repositories(db), partial, { lockTimeoutSeconds: 10, approver: { kind: 'operator', actor: 'cli:test' } });
    expect(approved).toMatchObject({ status: 'completed', applied: true, counts: expect.objectContaining({ deactivated: 9, created: 1 }) });
    const after = await departmentsOf(db, 'approve');
    expect(after.filter((d) => d.isActive).map((d) => d.code).sort()).toEqual(['F', 'T0', 'T1']);
    // Exactly the held plan: the new team has the id the plan gave it, not a freshly planned one.
    expect(after.find((d) => d.code === 'F')?.id).toBe(planned.creates[0]?.id);
    expect(await importRunsRepo(db).getRun(partial)).toMatchObject({ status: 'completed', errorCode: null });
    expect(await stagingRepo(db).has(partial, 'plan')).toBe(false);
    await expect(approveRun(repositories(db), partial, { lockTimeoutSeconds: 10, approver: { kind: 'operator', actor: 'cli:test' } })).rejects.toThrow(ApprovalNotPossibleError);
    await expect(submitRetry({ repos: repositories(db), queue: tq.queue }, partial)).rejects.toThrow(RetryNotPossibleError);
  });
});
