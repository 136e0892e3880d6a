/**
 * A retry resolves its original's rows in the same transaction as it finishes:
 * the moment a retry run reads `completed`, the original's errors already say
 * which rows it got through. Before, the job marked them after the run had
 * finished, and a client that read the errors as soon as the retry finished
 * (the HTTP errors route, in a full test run) still saw them unresolved.
 * The retry here is run by `executeQueuedRun` alone, without the job around it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositories } from '../../src/adapters/db/index.js';
import { executeQueuedRun } from '../../src/app/queuedRun.js';
import { submitRetry } from '../../src/app/retryFailedRows.js';
import { openTestDatabase, type TestDb } from '../support/db.js';
import { importText } from '../support/importHarness.js';
import { openTestQueue, type TestQueue } from '../support/queueHarness.js';

describe('a retry run and its original', () => {
  let db: TestDb;
  let q: TestQueue;
  beforeAll(async () => {
    db = await openTestDatabase('mysql', 'accounted_retry_atomic');
    q = await openTestQueue('accounted_retry_atomic');
  });
  afterAll(async () => {
    await q?.close();
    await db?.drop();
  });

  it('are updated together: resolved rows are marked when the retry finishes, not after', async () => {
    const first = await importText(db, 'name,code,parentCode\nChild,C,MISSING\nGrandchild,G,C\nOther,O,NOPE\n', { org: 'acme', createOrg: true });
    expect(first.status).toBe('completed_with_errors');
    await importText(db, 'name,code\nMissing,MISSING\n', { org: 'acme' });

    const repos = repositories(db);
    const retry = await submitRetry({ repos, queue: q.queue }, first.runId, 'cli:test');
    const report = await executeQueuedRun(repos, retry.runId, { lockTimeoutSeconds: 5 });
    expect(report.status).toBe('completed_with_errors');

    const rows = await repos.runs.getRowResults(first.runId);
    expect(rows.map((r) => [r.rowNumber, r.resolvedByRunId]).sort()).toEqual([
      [2, retry.runId],
      [3, retry.runId],
      [4, null],
    ]);
  });
});
