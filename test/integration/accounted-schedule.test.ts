/**
 * Every firing of a schedule leaves a run with a final status: a missing
 * source a `failed` run with the source's code, an unchanged source a
 * `skipped` run (issue 13, "Every run accounted for").
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo } from '../../src/adapters/db/index.js';
import { jobOptions } from '../../src/adapters/queue/index.js';
import { parseImportOptions } from '../../src/core/importOptions.js';
import { addSchedule, removeSchedule, runScheduleNow } from '../../src/app/schedules.js';
import { openSecondHandle, openTestDatabase, type TestDb } from '../support/db.js';
import { eventually, openTestQueue, settledRun, type TestQueue, testDatabaseName } from '../support/queueHarness.js';

const syncOptions = () => {
  const parsed = parseImportOptions({ mode: 'sync', createOrg: true });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
};

describe('scheduled syncs leave a run for every firing', () => {
  let db: TestDb;
  let tq: TestQueue;
  const dir = mkdtempSync(join(tmpdir(), 'orgsync-accounted-'));

  beforeAll(async () => {
    db = await openTestDatabase('mysql', testDatabaseName('accounted_schedule'));
    tq = await openTestQueue('accounted_schedule');
    await tq.startWorker(await openSecondHandle(db));
  });
  afterEach(async () => {
    for (const name of ['missing', 'unchanged']) await removeSchedule(tq.queue, name).catch(() => undefined);
  });
  afterAll(async () => {
    await tq?.stopWorkers();
    await tq?.close();
    await db?.drop();
  });

  const runsOf = (org: string) => importRunsRepo(db).listRuns({ organizationCode: org });

  it('a missing source leaves a failed run with the source code', async () => {
    const missing = join(dir, 'not-there.csv');
    await addSchedule(tq.queue, jobOptions(tq.config), { name: 'missing', organizationCode: 'acc_missing', source: missing, timing: { cron: '0 3 * * *' }, options: syncOptions() });
    await runScheduleNow(tq.queue, jobOptions(tq.config), 'missing');
    const run = await eventually(async () => (await runsOf('acc_missing'))[0], 'the failed run of the missing source');
    expect(run).toMatchObject({ status: 'failed', errorCode: 'SOURCE_UNAVAILABLE', sourceName: missing, mode: 'sync' });
    expect(run.finishedAt).not.toBeNull();
  });

  it('an unchanged source leaves a skipped run', async () => {
    const file = join(dir, 'hr.csv');
    writeFileSync(file, 'name,code\nEngineering,ENG\n');
    await addSchedule(tq.queue, jobOptions(tq.config), { name: 'unchanged', organizationCode: 'acc_unchanged', source: file, timing: { cron: '0 3 * * *' }, options: syncOptions() });
    await runScheduleNow(tq.queue, jobOptions(tq.config), 'unchanged');
    const first = await eventually(async () => (await runsOf('acc_unchanged'))[0], 'the first run');
    expect((await settledRun(db, first.id)).status).toBe('completed');
    await runScheduleNow(tq.queue, jobOptions(tq.config), 'unchanged');
    const skipped = await eventually(async () => (await runsOf('acc_unchanged')).find((r) => r.status === 'skipped'), 'the skipped run');
    expect(skipped).toMatchObject({ status: 'skipped', errorCode: 'SOURCE_UNCHANGED', sourceName: file });
    expect(skipped.errorMessage).toBe(`unchanged since run ${first.id}`);
    expect((await runsOf('acc_unchanged')).map((r) => r.status)).toEqual(['skipped', 'completed']);
  });
});
