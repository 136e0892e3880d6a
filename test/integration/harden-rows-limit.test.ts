/**
 * Issue 11 item 2: a legal-size upload of millions of tiny rows ran the worker
 * (and the CLI, exit 134) out of heap and left its run `running`. Rows per run
 * are bounded (ORGSYNC_MAX_ROWS_PER_RUN): the reader refuses the file while it
 * streams, with ROW_LIMIT_EXCEEDED, before planning, and the process lives on.
 * A small configured limit keeps these fast; test/unit/pipeline.test.ts shows
 * the default applies when nothing is configured.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo } from '../../src/adapters/db/index.js';
import { openTestDatabase, type TestDb } from '../support/db.js';
import { departmentsOf } from '../support/importHarness.js';
import { enqueueText, openTestQueue, runOrgsync, settledRun, spawnWorker, type TestQueue, testDatabaseName, workerStarted, type WorkerProcess } from '../support/queueHarness.js';

const LIMIT = 500;
const work = mkdtempSync(join(tmpdir(), 'orgsync-harden-rows-'));

/** One-column rows, like the attack's file (there 5.9 million of them). */
function oneColumnRows(rows: number): string {
  const lines = ['name'];
  for (let i = 0; i < rows; i++) lines.push(`d${i}`);
  return `${lines.join('\n')}\n`;
}

describe('rows per run are bounded', () => {
  let db: TestDb;
  let tq: TestQueue;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    db = await openTestDatabase('mysql', testDatabaseName('harden_rows_limit'));
    tq = await openTestQueue('harden-rows');
  });
  afterAll(async () => {
    if (worker && worker.child.exitCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await tq?.close();
    await db?.drop();
  });

  it('the CLI refuses a file over the configured limit: ROW_LIMIT_EXCEEDED, exit 1, nothing written, the run failed', async () => {
    const path = join(work, 'many.csv');
    writeFileSync(path, oneColumnRows(LIMIT * 4));
    const r = await runOrgsync(['import', path, '--org', 'big', '--create-org', '--json'], tq.env(db, { ORGSYNC_MAX_ROWS_PER_RUN: String(LIMIT), LOG_LEVEL: 'warn' }));
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as { runId: string; status: string; applied: boolean; fileError: { code: string; line?: number; message: string } };
    expect(report).toMatchObject({ status: 'failed', applied: false, fileError: { code: 'ROW_LIMIT_EXCEEDED', line: LIMIT + 2 } });
    expect(report.fileError.message).toContain('ORGSYNC_MAX_ROWS_PER_RUN');
    expect(await departmentsOf(db, 'big')).toEqual([]);
    expect(await importRunsRepo(db).getRun(report.runId)).toMatchObject({ status: 'failed', errorCode: 'ROW_LIMIT_EXCEEDED' });

    // --max-rows lowers the limit, and may not raise it above the configured ceiling.
    const lower = await runOrgsync(['import', path, '--org', 'big', '--create-org', '--json', '--max-rows', '10'], tq.env(db, { ORGSYNC_MAX_ROWS_PER_RUN: String(LIMIT) }));
    expect(lower.code).toBe(1);
    expect(JSON.parse(lower.stdout)).toMatchObject({ fileError: { code: 'ROW_LIMIT_EXCEEDED', line: 12 } });
    const higher = await runOrgsync(['import', path, '--org', 'big', '--create-org', '--max-rows', String(LIMIT * 10)], tq.env(db, { ORGSYNC_MAX_ROWS_PER_RUN: String(LIMIT) }));
    expect(higher.code).toBe(2);
    expect(higher.stderr).toContain('ORGSYNC_MAX_ROWS_PER_RUN');
    expect(await departmentsOf(db, 'big')).toEqual([]);
  });

  it('a worker process given such a file over the queue stays alive, fails the run ROW_LIMIT_EXCEEDED, then completes a normal run', async () => {
    worker = spawnWorker(tq.env(db, { ORGSYNC_MAX_ROWS_PER_RUN: String(LIMIT), ORGSYNC_WORKER_CONCURRENCY: '1' }));
    await workerStarted(worker);

    const tooMany = await enqueueText(db, tq.queue, oneColumnRows(LIMIT * 4), { org: 'queued' });
    expect(await settledRun(db, tooMany)).toMatchObject({ status: 'failed', errorCode: 'ROW_LIMIT_EXCEEDED', errorLine: LIMIT + 2 });
    expect(await departmentsOf(db, 'queued')).toEqual([]);
    expect(worker.child.exitCode).toBeNull();

    const normal = await enqueueText(db, tq.queue, oneColumnRows(3), { org: 'queued' });
    expect(await settledRun(db, normal)).toMatchObject({ status: 'completed', counts: { rows: 3, created: 3 } });
    expect(worker.child.exitCode).toBeNull();
    expect((await departmentsOf(db, 'queued')).map((d) => d.name).sort()).toEqual(['d0', 'd1', 'd2']);
  });
});
