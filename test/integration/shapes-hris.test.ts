/**
 * HRIS exports end to end on MariaDB (and the embedded SQLite): path and level
 * columns, employee rows, department_members and member_count, path-derived
 * identity across runs, sync mode, and every row of a conflicting department.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/adapters/db/index.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { departmentsOf, importText, treeShape, updatedAtById } from '../support/importHarness.js';

/** `Department name: m1, m2 (count N)` per department with members or a count, sorted. */
async function membership(db: Db, org: string): Promise<string[]> {
  const departments = await departmentsOf(db, org);
  const rows = (await db.knex('department_members').select('department_id', 'member_id')) as { department_id: string; member_id: string }[];
  const byDepartment = new Map<string, string[]>();
  for (const r of rows) byDepartment.set(r.department_id, [...(byDepartment.get(r.department_id) ?? []), r.member_id]);
  return departments
    .filter((d) => d.memberCount > 0 || byDepartment.has(d.id))
    .map((d) => `${d.name}: ${(byDepartment.get(d.id) ?? []).sort().join(', ')} (count ${d.memberCount})`)
    .sort();
}

const PATH_EXPORT = `Employee ID,Name,Org Path
E1,Ann,Acme > Engineering > Backend
E2,Bob,Acme > Engineering > Backend
E3,Cy,Acme > Engineering > Frontend
E4,Di,Acme > Sales > Support
E5,Ed,Acme
E6,Flo,Acme > Engineering > Support
`;
const PATH_OPTIONS = { pathColumn: 'Org Path', memberColumn: 'Employee ID', nameScope: 'siblings' } as const;

describe.each(dialects)('HRIS exports on %s', (dialect) => {
  let db: TestDb;
  let seq = 0;
  const nextOrg = () => `hris${++seq}`;

  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'shapes_hris');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('a path column creates each prefix once, with members and direct member counts', async () => {
    const org = nextOrg();
    const report = await importText(db, PATH_EXPORT, { org, ...PATH_OPTIONS });
    expect(report.status).toBe('completed');
    // 6 rows, 7 departments (Engineering and Sales only as prefixes), row 3 repeats row 2.
    expect(report.counts).toEqual({ rows: 6, created: 7, updated: 0, moved: 0, unchanged: 0, merged: 1, deactivated: 0, failed: 0, skipped: 0, membersAdded: 6, membersRemoved: 0 });
    expect(report.warnings).toEqual(['ignored columns that match no department field: Name']);
    expect(await treeShape(db, org)).toEqual(
      [
        'Acme | depth 0 | active | code - | ',
        'Acme > Engineering | depth 1 | active | code - | ',
        'Acme > Engineering > Backend | depth 2 | active | code - | ',
        'Acme > Engineering > Frontend | depth 2 | active | code - | ',
        'Acme > Engineering > Support | depth 2 | active | code - | ',
        'Acme > Sales | depth 1 | active | code - | ',
        'Acme > Sales > Support | depth 2 | active | code - | ',
      ].sort(),
    );
    expect(await membership(db, org)).toEqual([
      'Acme: E5 (count 1)',
      'Backend: E1, E2 (count 2)',
      'Frontend: E3 (count 1)',
      'Support: E4 (count 1)',
      'Support: E6 (count 1)',
    ]);
    const byPath = new Map((await departmentsOf(db, org)).map((d) => [d.openDepartmentId, d.name]));
    expect(byPath.get('Acme/Engineering/Support')).toBe('Support');
  });

  it('a nightly re-run of the same export changes nothing and writes nothing', async () => {
    const org = nextOrg();
    await importText(db, PATH_EXPORT, { org, ...PATH_OPTIONS });
    const before = await updatedAtById(db);
    const members = await membership(db, org);
    for (const mode of ['upsert', 'sync'] as const) {
      const again = await importText(db, PATH_EXPORT, { org, ...PATH_OPTIONS, mode });
      expect(again.counts).toEqual({ rows: 6, created: 0, updated: 0, moved: 0, unchanged: 7, merged: 1, deactivated: 0, failed: 0, skipped: 0, membersAdded: 0, membersRemoved: 0 });
    }
    expect(await updatedAtById(db)).toEqual(before);
    expect(await membership(db, org)).toEqual(members);
  });

  it('a larger export (scattered rows, repeated ids, several statements): member_count equals the stored rows, and stays so on a re-run', async () => {
    const org = nextOrg();
    const paths = ['Co', 'Co > A', 'Co > A > X', 'Co > B', 'Co > B > Y', 'Co > B > Z'];
    const lines = ['emp,path'];
    const pairs = new Set<string>();
    for (let k = 0; k < 2500; k++) {
      // Every 7th row repeats an earlier employee of the same department: one membership, not two.
      const id = k % 7 === 6 ? `E${k - 6}` : `E${k}`;
      const path = paths[(k % 7 === 6 ? k - 6 : k) % paths.length]!;
      lines.push(`${id},${path}`);
      pairs.add(`${path}|${id}`);
    }
    const text = `${lines.join('\n')}\n`;
    const options = { pathColumn: 'path', memberColumn: 'emp', nameScope: 'siblings' } as const;
    const first = await importText(db, text, { org, ...options });
    expect(first.counts).toMatchObject({ rows: 2500, created: 6, membersAdded: pairs.size, membersRemoved: 0 });
    const stored = async () => {
      const departments = await departmentsOf(db, org);
      const rows = (await db.knex('department_members').whereIn('department_id', departments.map((d) => d.id)).select('department_id')) as { department_id: string }[];
      const perDepartment = new Map<string, number>();
      for (const r of rows) perDepartment.set(r.department_id, (perDepartment.get(r.department_id) ?? 0) + 1);
      for (const d of departments) expect(d.memberCount).toBe(perDepartment.get(d.id) ?? 0);
      return rows.length;
    };
    expect(await stored()).toBe(pairs.size);
    for (const mode of ['upsert', 'sync'] as const) {
      const again = await importText(db, text, { org, ...options, mode });
      expect(again.counts).toMatchObject({ rows: 2500, unchanged: 6, membersAdded: 0, membersRemoved: 0 });
      expect(await stored()).toBe(pairs.size);
    }
  });

  it('a renamed middle level is a new department (and, in sync, a deactivation), not a rename', async () => {
    const org = nextOrg();
    await importText(db, PATH_EXPORT, { org, ...PATH_OPTIONS });
    const oldIds = new Map((await departmentsOf(db, org)).map((d) => [d.openDepartmentId, d.id]));
    const renamed = PATH_EXPORT.replaceAll('Acme > Engineering', 'Acme > R&D');
    const report = await importText(db, renamed, { org, ...PATH_OPTIONS, mode: 'sync', maxDeactivate: '100%' });
    // R&D, R&D > Backend, Frontend, Support are new; Engineering and its three children are deactivated.
    expect(report.counts).toMatchObject({ rows: 6, created: 4, unchanged: 3, updated: 0, moved: 0, deactivated: 4, merged: 1, membersAdded: 4, membersRemoved: 4 });
    const after = await departmentsOf(db, org);
    const engineering = after.find((d) => d.openDepartmentId === 'Acme/Engineering')!;
    expect(engineering.id).toBe(oldIds.get('Acme/Engineering'));
    expect(engineering).toMatchObject({ name: 'Engineering', isActive: false, memberCount: 0 });
    expect(after.find((d) => d.openDepartmentId === 'Acme/R&D')).toMatchObject({ name: 'R&D', isActive: true });
    expect(await membership(db, org)).toEqual([
      'Acme: E5 (count 1)',
      'Backend: E1, E2 (count 2)',
      'Frontend: E3 (count 1)',
      'Support: E4 (count 1)',
      'Support: E6 (count 1)',
    ]);
    expect(after.find((d) => d.openDepartmentId === 'Acme/R&D/Backend')!.memberCount).toBe(2);
  });

  it('sync moves members between departments and removes the ones that left; upsert only adds', async () => {
    const org = nextOrg();
    await importText(db, PATH_EXPORT, { org, ...PATH_OPTIONS });
    const next = PATH_EXPORT.replace('E2,Bob,Acme > Engineering > Backend', 'E2,Bob,Acme > Engineering > Frontend').replace('E5,Ed,Acme\n', '');
    const upsert = await importText(db, next, { org, ...PATH_OPTIONS });
    expect(upsert.counts).toMatchObject({ membersAdded: 1, membersRemoved: 0, unchanged: 7 });
    expect(await membership(db, org)).toContain('Frontend: E2, E3 (count 2)');
    expect(await membership(db, org)).toContain('Backend: E1, E2 (count 2)');

    const sync = await importText(db, next, { org, ...PATH_OPTIONS, mode: 'sync' });
    expect(sync.counts).toMatchObject({ membersAdded: 0, membersRemoved: 2, unchanged: 7, deactivated: 0 });
    expect(await membership(db, org)).toEqual([
      'Backend: E1 (count 1)',
      'Frontend: E2, E3 (count 2)',
      'Support: E4 (count 1)',
      'Support: E6 (count 1)',
    ]);
  });

  it('level columns: trailing empty levels are fine, an empty middle level fails that row only', async () => {
    const org = nextOrg();
    const csv = 'Division;Department;Team;ID\nTechnik;;;1\nTechnik;Konstruktion;Elektrik;2\nTechnik;;Mechanik;3\nVertrieb;Süd;;4\n';
    const report = await importText(db, csv, { org, levelColumns: 'Division,Department,Team', memberColumn: 'ID' });
    expect(report.counts).toMatchObject({ rows: 4, created: 5, failed: 1, membersAdded: 3 });
    expect(report.errors.map((e) => `${e.row} ${e.code} ${e.field}`)).toEqual(['4 EMPTY_PATH_LEVEL path']);
    const again = await importText(db, csv, { org, levelColumns: 'Division,Department,Team', memberColumn: 'ID' });
    expect(again.counts).toMatchObject({ rows: 4, created: 0, unchanged: 5, failed: 1, membersAdded: 0 });
  });

  it('employee rows: conflicting rows are reported with every row, the rest is written', async () => {
    const org = nextOrg();
    const csv = [
      'EMPLOYEE_ID,DEPT_CODE,DEPT_NAME,PARENT_DEPT_CODE',
      'E1,HQ,Head Office,', // 2
      'E2,ENG,Engineering,HQ', // 3
      'E3,ENG,Engineering,HQ', // 4 merged
      'E4,OPS,Operations,HQ', // 5 MULTIPLE_PARENTS
      'E5,OPS,Operations,ENG', // 6 MULTIPLE_PARENTS
      'E6,LAB,Labs,OPS', // 7 PARENT_FAILED
      'E7,MKT,Marketing,HQ', // 8 CONFLICTING_VALUES
      'E8,MKT,Marketing & Sales,HQ', // 9 CONFLICTING_VALUES
      'E9,MKT,Marketing,HQ', // 10 merged into 8
    ].join('\n');
    const mapping = { columns: { DEPT_CODE: 'code', DEPT_NAME: 'name', PARENT_DEPT_CODE: 'parentCode' } };
    const report = await importText(db, csv, { org, memberColumn: 'EMPLOYEE_ID', mapping });
    expect(report.status).toBe('completed_with_errors');
    expect(report.errors.map((e) => `${e.row} ${e.code} ${e.field} ${e.key}`)).toEqual([
      '5 MULTIPLE_PARENTS parent OPS',
      '6 MULTIPLE_PARENTS parent OPS',
      '7 PARENT_FAILED parent LAB',
      '8 CONFLICTING_VALUES name MKT',
      '9 CONFLICTING_VALUES name MKT',
    ]);
    expect(report.errors[3]!.message).toBe(
      'rows for department "MKT" give different values for name: rows 8, 10: name "Marketing"; row 9: name "Marketing & Sales"',
    );
    expect(report.counts).toEqual({ rows: 9, created: 2, updated: 0, moved: 0, unchanged: 0, merged: 2, deactivated: 0, failed: 4, skipped: 1, membersAdded: 3, membersRemoved: 0 });
    expect(await membership(db, org)).toEqual(['Engineering: E2, E3 (count 2)', 'Head Office: E1 (count 1)']);
    // The fix-and-reimport report has the original rows that failed.
    expect([...report.failedRaw.keys()].sort((a, b) => a - b)).toEqual([5, 6, 7, 8, 9]);
  });

  it('a dry run and an aborted --atomic run write neither departments nor members', async () => {
    const org = nextOrg();
    const dry = await importText(db, PATH_EXPORT, { org, ...PATH_OPTIONS, dryRun: true });
    expect(dry.counts).toMatchObject({ created: 7, membersAdded: 6 });
    expect(await departmentsOf(db, org)).toEqual([]);
    await importText(db, PATH_EXPORT, { org, ...PATH_OPTIONS });
    const before = await membership(db, org);
    const atomic = await importText(db, `${PATH_EXPORT}E9,Zed,Acme >  > Ops\nE10,Yu,Acme > Sales\n`, { org, ...PATH_OPTIONS, mode: 'sync', atomic: true });
    expect(atomic.fileError?.code).toBe('ATOMIC_ABORTED');
    expect(await membership(db, org)).toEqual(before);
  });
});
