/**
 * The import engine end to end against the real databases: MariaDB and the
 * embedded SQLite default run the same scenarios.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { departmentsOf, importFile, importText, treeShape, updatedAtById } from '../support/importHarness.js';
import { importRunsRepo, organizationsRepo } from '../../src/adapters/db/index.js';

const TREE = `name,code,parentCode,description
API,API,BE,
Backend,BE,ENG,Services
Engineering,ENG,,Builds things
Frontend,FE,ENG,
Sales,SAL,,
EMEA,EMEA,SAL,
`;

describe.each(dialects)('import engine on %s', (dialect) => {
  let db: TestDb;
  let orgSeq = 0;
  const nextOrg = () => `org${++orgSeq}`;

  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'import');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('creates children listed before their parents, with paths and depths', async () => {
    const org = nextOrg();
    const report = await importText(db, TREE, { org });
    expect(report.status).toBe('completed');
    expect(report.counts).toMatchObject({ rows: 6, created: 6, failed: 0, skipped: 0 });
    expect(await treeShape(db, org)).toEqual(
      [
        'Engineering | depth 0 | active | code ENG | Builds things',
        'Engineering > Backend | depth 1 | active | code BE | Services',
        'Engineering > Backend > API | depth 2 | active | code API | ',
        'Engineering > Frontend | depth 1 | active | code FE | ',
        'Sales | depth 0 | active | code SAL | ',
        'Sales > EMEA | depth 1 | active | code EMEA | ',
      ].sort(),
    );
  });

  it('re-importing the same file reports every row unchanged and writes no department row', async () => {
    const org = nextOrg();
    await importText(db, TREE, { org });
    const before = await updatedAtById(db);
    const again = await importText(db, TREE, { org });
    expect(again.counts).toMatchObject({ rows: 6, unchanged: 6, created: 0, updated: 0, moved: 0 });
    expect(await updatedAtById(db)).toEqual(before);
  });

  it('a changed description updates exactly one row', async () => {
    const org = nextOrg();
    await importText(db, TREE, { org });
    const before = await updatedAtById(db);
    const report = await importText(db, TREE.replace('Services', 'Services and APIs'), { org });
    expect(report.counts).toMatchObject({ updated: 1, unchanged: 5 });
    const after = await updatedAtById(db);
    const changed = [...after].filter(([id, v]) => before.get(id) !== v);
    expect(changed).toHaveLength(1);
  });

  it('resolves parents already stored, and moves a subtree with correct paths at every level', async () => {
    const org = nextOrg();
    await importText(db, TREE, { org });
    const more = await importText(db, 'name,code,parentCode\nPayments,PAY,API\n', { org });
    expect(more.counts.created).toBe(1);
    const moved = await importText(db, 'name,code,parentCode\nBackend,BE,SAL\n', { org });
    expect(moved.counts).toMatchObject({ moved: 1 });
    const shape = await treeShape(db, org);
    expect(shape).toContain('Sales > Backend | depth 1 | active | code BE | Services');
    expect(shape).toContain('Sales > Backend > API | depth 2 | active | code API | ');
    expect(shape).toContain('Sales > Backend > API > Payments | depth 3 | active | code PAY | ');
    const all = await departmentsOf(db, org);
    const byId = new Map(all.map((d) => [d.id, d]));
    for (const d of all) {
      const parent = d.parentId === null ? undefined : byId.get(d.parentId);
      expect(d.path).toBe(`${parent?.path ?? ''}/${d.id}`);
      expect(d.depth).toBe(parent ? parent.depth + 1 : 0);
    }
  });

  it('reports every row error code with row numbers, and writes the valid rows', async () => {
    const org = nextOrg();
    await importText(db, 'name,code,openDepartmentId\nStored,ST,ou_st\n', { org });
    const csv = [
      'name,code,openDepartmentId,parentCode,isVirtualNode,organizationCode',
      ',NONAME,,,,', // 2 NAME_REQUIRED
      `${'x'.repeat(256)},LONG,,,,`, // 3 NAME_TOO_LONG
      'Bad bool,BOOL,,,maybe,', // 4 INVALID_FIELD
      'Dup code,ST,ou_new,,,', // 5 DUPLICATE_CODE: a new department (by openDepartmentId) with a stored code
      'Open id,OID1,ou_x,,,', // 6 ok
      'Open id 2,OID2,ou_x,,,', // 7 DUPLICATE_OPEN_DEPARTMENT_ID in the file
      'Stored,CONFLICT,ou_c,,,', // 8 DEPARTMENT_NAME_CONFLICT with the stored department
      'Orphan,ORPH,,NOPE,,', // 9 PARENT_NOT_FOUND
      'Orphan child,ORPHC,,ORPH,,', // 10 PARENT_FAILED
      'Self,SELF,,SELF,,', // 11 SELF_PARENT
      'Cyc A,CA,,CB,,', // 12 CYCLE_DETECTED
      'Cyc B,CB,,CA,,', // 13 CYCLE_DETECTED
      'Other org,OO,,,,globex', // 14 ORGANIZATION_MISMATCH
      'Fine child,FINEC,,FINE,,', // 15 ok (parent listed after it)
      'Fine,FINE,,,,', // 16 ok
    ].join('\n');
    const report = await importText(db, csv, { org });
    expect(report.status).toBe('completed_with_errors');
    expect(report.errors.map((e) => `${e.row} ${e.code} ${e.field}`)).toEqual([
      '2 NAME_REQUIRED name',
      '3 NAME_TOO_LONG name',
      '4 INVALID_FIELD isVirtual',
      '5 DUPLICATE_CODE code',
      '7 DUPLICATE_OPEN_DEPARTMENT_ID openDepartmentId',
      '8 DEPARTMENT_NAME_CONFLICT name',
      '9 PARENT_NOT_FOUND parent',
      '10 PARENT_FAILED parent',
      '11 SELF_PARENT parent',
      '12 CYCLE_DETECTED parent',
      '13 CYCLE_DETECTED parent',
      '14 ORGANIZATION_MISMATCH organization',
    ]);
    expect(report.errors.find((e) => e.code === 'CYCLE_DETECTED')!.message).toContain('CA -> CB -> CA');
    expect(report.counts).toMatchObject({ rows: 15, created: 3, failed: 11, skipped: 1 });
    expect((await treeShape(db, org)).map((l) => l.split(' | ')[0]).sort()).toEqual(['Fine', 'Fine > Fine child', 'Open id', 'Stored']);
    const stored = await importRunsRepo(db).getRowResults(report.runId);
    expect(stored.filter((r) => r.errorCode).map((r) => r.rowNumber)).toEqual([2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(stored.find((r) => r.rowNumber === 9)!.raw).toMatchObject({ name: 'Orphan', parentCode: 'NOPE' });
  });

  it('DEPTH_EXCEEDED with --max-depth, PARENT_AMBIGUOUS in auto mode', async () => {
    const org = nextOrg();
    const deep = await importText(db, 'name,code,parentCode\nL1,L1,\nL2,L2,L1\nL3,L3,L2\n', { org, maxDepth: 2 });
    expect(deep.errors.map((e) => `${e.row} ${e.code}`)).toEqual(['4 DEPTH_EXCEEDED']);
    const amb = await importText(db, 'name,code,openDepartmentId,parentId\nA,X,,\nB,,X,\nC,,,X\n', { org: nextOrg() });
    expect(amb.errors.map((e) => `${e.row} ${e.code}`)).toEqual(['4 PARENT_AMBIGUOUS']);
  });

  it('sync mode deactivates absent departments and reactivates them when they return', async () => {
    const org = nextOrg();
    await importText(db, TREE, { org });
    const withoutSales = TREE.split('\n').filter((l) => !l.includes('SAL')).join('\n');
    const sync = await importText(db, withoutSales, { org, mode: 'sync', maxDeactivate: '50%' });
    expect(sync.counts).toMatchObject({ deactivated: 2, unchanged: 4 });
    const shape = await treeShape(db, org);
    expect(shape).toContain('Sales | depth 0 | inactive | code SAL | ');
    expect(shape).toContain('Sales > EMEA | depth 1 | inactive | code EMEA | ');
    const back = await importText(db, TREE, { org, mode: 'sync' });
    expect(back.counts).toMatchObject({ updated: 2, unchanged: 4, deactivated: 0 });
    expect((await departmentsOf(db, org)).every((d) => d.isActive)).toBe(true);
  });

  it('a sync over the deactivation threshold stops and writes nothing', async () => {
    const org = nextOrg();
    await importText(db, TREE, { org });
    const before = await updatedAtById(db);
    const report = await importText(db, 'name,code\nEngineering,ENG\n', { org, mode: 'sync' });
    expect(report.status).toBe('failed');
    expect(report.fileError).toMatchObject({ code: 'DEACTIVATION_THRESHOLD_EXCEEDED' });
    expect(report.fileError!.message).toMatch(/deactivate 5 of 6/);
    expect(await updatedAtById(db)).toEqual(before);
  });

  it('a dry run reports the plan, conflicts included, and writes nothing (not even the organization)', async () => {
    const org = nextOrg();
    const dry = await importText(db, TREE, { org, dryRun: true });
    expect(dry.counts.created).toBe(6);
    expect(dry.applied).toBe(false);
    expect(await organizationsRepo(db).findByCode(org)).toBeUndefined();
    await importText(db, TREE, { org });
    const before = await updatedAtById(db);
    const conflict = await importText(db, 'name,code\nEngineering,OTHER\nBackend,BE\n', { org, dryRun: true });
    expect(conflict.errors.map((e) => e.code)).toEqual(['DEPARTMENT_NAME_CONFLICT']);
    expect(conflict.counts).toMatchObject({ unchanged: 1, failed: 1 });
    expect(await updatedAtById(db)).toEqual(before);
  });

  it('--atomic writes nothing when any row fails', async () => {
    const org = nextOrg();
    const report = await importText(db, 'name,code,parentCode\nA,A,\nB,B,NOPE\n', { org, atomic: true });
    expect(report.fileError?.code).toBe('ATOMIC_ABORTED');
    expect(report.applied).toBe(false);
    expect(await organizationsRepo(db).findByCode(org)).toBeUndefined();
    const ok = await importText(db, 'name,code,parentCode\nA,A,\nB,B,A\n', { org, atomic: true });
    expect(ok.counts.created).toBe(2);
  });

  it('an unknown organization without --create-org, or a malformed file, is a file-level failure that creates nothing', async () => {
    const org = nextOrg();
    const missing = await importText(db, TREE, { org, createOrg: false });
    expect(missing.fileError?.code).toBe('ORGANIZATION_NOT_FOUND');
    const broken = await importText(db, 'name,code\n"Unclosed,X\n', { org });
    expect(broken.fileError?.code).toBe('CSV_SYNTAX_ERROR');
    expect(await organizationsRepo(db).findByCode(org)).toBeUndefined();
    const run = await importRunsRepo(db).getRun(broken.runId);
    expect(run).toMatchObject({ status: 'failed', errorCode: 'CSV_SYNTAX_ERROR' });
  });

  it.each([
    ['fixtures/authing-style.csv', 'csv'],
    ['fixtures/aitronos-style.yaml', 'yaml'],
    ['fixtures/clients-api.json', 'json'],
    ['fixtures/hr-app.csv', 'csv'],
  ])('the seed vocabulary fixture %s imports cleanly, and again unchanged', async (path) => {
    const org = path.includes('aitronos') ? undefined : nextOrg();
    const first = await importFile(db, path, { org });
    expect(first.errors).toEqual([]);
    expect(first.warnings).toEqual([]);
    expect(first.counts.created).toBeGreaterThanOrEqual(8);
    const depths = (await departmentsOf(db, first.organization)).map((d) => d.depth);
    expect(Math.max(...depths)).toBeGreaterThanOrEqual(2);
    const second = await importFile(db, path, { org });
    expect(second.counts.unchanged).toBe(first.counts.rows - first.counts.merged);
  });
});
