/**
 * The runs repository on both databases: every status change is a guarded
 * statement that refuses a transition the lifecycle table does not allow (and
 * says so), leases and the abandoned-run sweep, and organization codes that
 * compare the same on MariaDB (PAD SPACE) and SQLite (bytes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo, type ImportRunStatus, organizationsRepo } from '../../src/adapters/db/index.js';
import { FileError } from '../../src/core/errors.js';
import { emptyCounts } from '../../src/core/model.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { importText } from '../support/importHarness.js';

describe.each(dialects)('the runs repository (%s)', (dialect) => {
  let db: TestDb;

  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'runs_repository');
  });
  afterAll(async () => {
    await db?.drop();
  });

  const newRun = (extra: { status?: ImportRunStatus; jobName?: string } = {}) =>
    importRunsRepo(db).createRun({
      organizationCode: 'acme',
      sourceName: 'departments.csv',
      mode: 'upsert',
      options: { mode: 'upsert' },
      dryRun: false,
      ...extra,
    });
  const statusOf = async (id: string) => (await importRunsRepo(db).getRun(id))?.status;
  const done = { status: 'completed' as const, counts: emptyCounts() };

  it('applies each change once: a second start of a finished run, or a second finish, changes nothing', async () => {
    const runs = importRunsRepo(db);
    const id = await newRun();
    expect(await runs.startRun(id)).toBe(true);
    expect(await runs.startRun(id)).toBe(true); // running -> running: another attempt of the same run
    expect(await runs.finishRun(id, done)).toBe(true);
    expect(await runs.finishRun(id, { ...done, status: 'failed' })).toBe(false);
    expect(await runs.startRun(id)).toBe(false);
    expect(await runs.failRun(id, { code: 'JOB_LOST', message: 'x' })).toBe(false);
    expect(await runs.reopenRun(id)).toBe(false);
    expect(await runs.getRun(id)).toMatchObject({ status: 'completed', attempts: 2, errorCode: null });
  });

  it('refuses a transition the table does not allow, in the statement itself', async () => {
    const runs = importRunsRepo(db);
    const id = await newRun();
    // queued -> needs_approval is not in the table: the guard (only: queued) is refused before any SQL.
    const hold = { counts: emptyCounts(), error: { code: 'DEACTIVATION_THRESHOLD_EXCEEDED', message: 'x' }, fingerprint: 'f', warnings: [], lockAcquiredAt: new Date() };
    await expect(runs.holdForApproval(id, { ...hold, from: 'queued' })).rejects.toThrow(/queued -> needs_approval is not an allowed transition/);
    // running -> needs_approval is allowed, but the run is queued: the WHERE matches nothing.
    expect(await runs.holdForApproval(id, { ...hold, from: 'running' })).toBe(false);
    // queued -> completed is not allowed either: a queued run is never finished without starting.
    expect(await runs.finishRun(id, { ...done, from: ['queued'] }).catch((e: Error) => e.message)).toMatch(/not an allowed transition/);
    expect(await runs.reopenRun(id)).toBe(false); // only a failed run reopens
    expect(await statusOf(id)).toBe('queued');
  });

  it('reopens a failed run once, and a needs_approval run only finishes from needs_approval', async () => {
    const runs = importRunsRepo(db);
    const failed = await newRun();
    expect(await runs.failRun(failed, { code: 'RETRIES_EXHAUSTED', message: 'db down' })).toBe(true);
    expect(await runs.reopenRun(failed)).toBe(true);
    expect(await runs.reopenRun(failed)).toBe(false);
    expect(await runs.getRun(failed)).toMatchObject({ status: 'queued', errorCode: null, finishedAt: null });

    const held = await newRun();
    await runs.startRun(held);
    const hold = { counts: emptyCounts(), error: { code: 'DEACTIVATION_THRESHOLD_EXCEEDED', message: 'x' }, fingerprint: 'f', warnings: [], lockAcquiredAt: new Date() };
    expect(await runs.holdForApproval(held, { ...hold, from: 'running' })).toBe(true);
    expect(await runs.finishRun(held, done)).toBe(false); // default from: queued/running
    expect(await runs.finishRun(held, { ...done, from: ['needs_approval'] })).toBe(true);
    expect(await statusOf(held)).toBe('completed');
  });

  it('fails an in-process run whose lease expired, and no other', async () => {
    const runs = importRunsRepo(db);
    const owner = { id: 'host:1:dead', leaseSeconds: 60 };
    const alive = { id: 'host:2:live', leaseSeconds: 60 };
    const abandoned = await newRun({ status: 'running' });
    await runs.startRun(abandoned, owner);
    const renewed = await newRun();
    await runs.startRun(renewed, alive);
    const jobRun = await newRun({ jobName: 'import-departments' });
    await runs.startRun(jobRun, owner);
    const unleased = await newRun({ status: 'running' }); // a run from before leases: left alone

    expect(await runs.getRun(abandoned)).toMatchObject({ ownerId: owner.id, status: 'running' });
    // 61 s later, as seen by the sweep; the live owner renewed meanwhile.
    const later = new Date(Date.now() + 61_000);
    expect(await runs.renewLeases({ ...alive, leaseSeconds: 120 })).toBe(1);
    expect(await runs.failAbandoned(later)).toEqual([abandoned]);
    expect(await runs.getRun(abandoned)).toMatchObject({ status: 'failed', errorCode: 'RUN_ABANDONED' });
    expect(await statusOf(renewed)).toBe('running');
    expect(await statusOf(jobRun)).toBe('running'); // BullMQ's stalled recovery hands it to another worker
    expect(await statusOf(unleased)).toBe('running');
    expect(await runs.failAbandoned(later)).toEqual([]);
  });
});

describe.each(dialects)('organization codes compare the same on both databases (%s)', (dialect) => {
  let db: TestDb;

  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'runs_org_codes');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("--org 'coll ' imports into organization 'coll', never a second one", async () => {
    const first = await importText(db, 'name,code\nSales,S\n', { org: 'coll', createOrg: true });
    const second = await importText(db, 'name,code\nSales,S\nHR,H\n', { org: 'coll ', createOrg: true });
    const third = await importText(db, 'name,code\nSales,S\nHR,H\n', { org: ' coll\t', createOrg: true });
    expect([first.status, second.status, third.status]).toEqual(['completed', 'completed', 'completed']);
    expect(second.organization).toBe('coll');
    expect(second.counts).toMatchObject({ created: 1, unchanged: 1 });
    expect(third.counts).toMatchObject({ created: 0, unchanged: 2 });
    expect((await organizationsRepo(db).list()).map((o) => o.code)).toEqual(['coll']);
    expect((await importRunsRepo(db).listRuns({ organizationCode: 'coll ' })).map((r) => r.organizationCode)).toEqual(['coll', 'coll', 'coll']);
  });

  it('stores codes in NFC, so a decomposed é finds the composed one', async () => {
    await organizationsRepo(db).create({ code: 'caf\u00e9', name: 'Café', nameScope: 'organization' });
    expect((await organizationsRepo(db).findByCode('cafe\u0301'))?.code).toBe('caf\u00e9');
    await expect(organizationsRepo(db).create({ code: 'cafe\u0301 ', name: 'Again', nameScope: 'organization' })).rejects.toThrow();
  });

  it.each([
    ['a control character', 'ac\u0007me'],
    ['a bidirectional override', 'acme\u202e'],
    ['only spaces', '   '],
  ])('refuses a code with %s (INVALID_ORGANIZATION_CODE), on both databases alike', async (_label, code) => {
    const error = await organizationsRepo(db)
      .create({ code, name: 'x', nameScope: 'organization' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileError);
    expect((error as FileError).code).toBe('INVALID_ORGANIZATION_CODE');
  });

  it('an import for such a code fails with the code and writes nothing', async () => {
    const report = await importText(db, 'name\nSales\n', { org: 'bad\u0000org', createOrg: true });
    expect(report.status).toBe('failed');
    expect(report.fileError?.code).toBe('INVALID_ORGANIZATION_CODE');
    expect((await organizationsRepo(db).list()).map((o) => o.code)).not.toContain('bad\u0000org');
  });
});
