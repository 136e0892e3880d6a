import { describe, expect, it } from 'vitest';
import type { StoredDepartment } from '../../src/core/model.js';
import { applyInMemory, ORG, plan, shape } from '../support/planHarness.js';

function stored(rows: Record<string, unknown>[], opts: Parameters<typeof plan>[1] = {}): StoredDepartment[] {
  const store = new Map<string, StoredDepartment>();
  const p = plan(rows, { ...opts, newId: idsFrom('dept_s') });
  expect(p.errors).toEqual([]);
  applyInMemory(store, p);
  return [...store.values()];
}

function idsFrom(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}${++n}`;
}

const codes = (p: ReturnType<typeof plan>) => p.errors.map((e) => `${e.row}:${e.code}:${e.field}`);

describe('planning: creating trees', () => {
  it('creates parents before children whatever the row order', () => {
    const p = plan([
      { name: 'Backend', code: 'BE', parentCode: 'ENG' },
      { name: 'API', code: 'API', parentCode: 'BE' },
      { name: 'Engineering', code: 'ENG' },
    ]);
    expect(p.errors).toEqual([]);
    expect(p.creates.map((d) => d.code)).toEqual(['ENG', 'BE', 'API']);
    const [eng, be, api] = p.creates;
    expect(be!.parentId).toBe(eng!.id);
    expect(api!.path).toBe(`/${eng!.id}/${be!.id}/${api!.id}`);
    expect(api!.depth).toBe(2);
    expect(p.counts).toMatchObject({ rows: 3, created: 3, failed: 0 });
  });

  it('treats root, empty and null as top level', () => {
    const p = plan([
      { name: 'A', parentDepartmentId: 'root' },
      { name: 'B', parentDepartmentId: '' },
      { name: 'C', parentDepartmentId: null },
    ]);
    expect(p.errors).toEqual([]);
    expect(p.creates.every((d) => d.parentId === null && d.depth === 0)).toBe(true);
  });

  it('resolves parents already stored, by code, openDepartmentId and id', () => {
    const existing = stored([{ name: 'Engineering', code: 'ENG', openDepartmentId: 'ou_eng' }]);
    const eng = existing[0]!;
    const p = plan(
      [
        { name: 'Backend', parentCode: 'ENG' },
        { name: 'Frontend', parentDepartmentId: 'ou_eng', departmentIdType: 'open_department_id' },
        { name: 'Data', parent_id: eng.id },
      ],
      { stored: existing },
    );
    expect(p.errors).toEqual([]);
    expect(p.creates.map((d) => [d.name, d.parentId, d.depth])).toEqual([
      ['Backend', eng.id, 1],
      ['Frontend', eng.id, 1],
      ['Data', eng.id, 1],
    ]);
  });

  it('merges identical rows instead of failing them', () => {
    const p = plan([
      { name: 'Sales', code: 'S' },
      { name: 'Sales', code: 'S' },
    ]);
    expect(p.errors).toEqual([]);
    expect(p.counts).toMatchObject({ created: 1, merged: 1 });
    expect(p.rowResults[1]).toMatchObject({ action: 'merged', mergedInto: 2 });
  });
});

describe('planning: row errors', () => {
  it('NAME_REQUIRED and NAME_TOO_LONG (characters, not bytes)', () => {
    const p = plan([
      { name: '  ', code: 'A' },
      { name: 'x'.repeat(256), code: 'B' },
      { name: '😀'.repeat(255), code: 'C' },
    ]);
    expect(codes(p)).toEqual(['2:NAME_REQUIRED:name', '3:NAME_TOO_LONG:name']);
    expect(p.creates.map((d) => d.code)).toEqual(['C']);
  });

  it('INVALID_FIELD names the field', () => {
    const p = plan([{ name: 'A', isVirtualNode: 'maybe', i18n: '{not json', leaderUserIds: '["u1"]' }]);
    expect(codes(p)).toEqual(['2:INVALID_FIELD:i18n', '2:INVALID_FIELD:isVirtual']);
  });

  it('DUPLICATE_CODE and DUPLICATE_OPEN_DEPARTMENT_ID in the file', () => {
    const p = plan([
      { name: 'A', code: 'X', openDepartmentId: 'o1' },
      { name: 'B', code: 'X', openDepartmentId: 'o2' },
      { name: 'C', code: 'Y', openDepartmentId: 'o1' },
    ]);
    expect(codes(p)).toEqual(['3:DUPLICATE_CODE:code', '4:DUPLICATE_OPEN_DEPARTMENT_ID:openDepartmentId']);
  });

  it('DUPLICATE_CODE against a stored department', () => {
    const existing = stored([{ name: 'A', code: 'X', openDepartmentId: 'o1' }]);
    const p = plan([{ name: 'B', code: 'X', openDepartmentId: 'o2' }], { stored: existing });
    expect(codes(p)).toEqual(['2:DUPLICATE_CODE:code']);
    expect(p.errors[0]!.message).toContain('stored department');
  });

  it('DEPARTMENT_NAME_CONFLICT in the file and with stored data, per name scope', () => {
    const p = plan([
      { name: 'Ops', code: 'O1' },
      { name: 'Ops', code: 'O2', parentCode: 'O1' },
    ]);
    expect(codes(p)).toEqual(['3:DEPARTMENT_NAME_CONFLICT:name']);

    const siblings = { ...ORG, nameScope: 'siblings' as const };
    const ok = plan(
      [
        { name: 'Ops', code: 'O1' },
        { name: 'Ops', code: 'O2', parentCode: 'O1' },
        { name: 'Ops', code: 'O3', parentCode: 'O1' },
      ],
      { org: siblings },
    );
    expect(codes(ok)).toEqual(['4:DEPARTMENT_NAME_CONFLICT:name']);

    const existing = stored([{ name: 'Ops', code: 'O1' }]);
    const clash = plan([{ name: 'Ops', code: 'O9' }], { stored: existing });
    expect(codes(clash)).toEqual(['2:DEPARTMENT_NAME_CONFLICT:name']);
  });

  it('names compare after trimming, whitespace collapsing and NFC, case-sensitively', () => {
    const p = plan([
      { name: 'Café', code: 'A' },
      { name: ' Cafe\u0301 ', code: 'B' },
      { name: 'café', code: 'C' },
      { name: 'Research\u00A0 Lab', code: 'D' },
      { name: 'Research Lab', code: 'E' },
    ]);
    expect(codes(p)).toEqual(['3:DEPARTMENT_NAME_CONFLICT:name', '6:DEPARTMENT_NAME_CONFLICT:name']);
  });

  it('PARENT_NOT_FOUND, and PARENT_FAILED for the whole subtree below', () => {
    const p = plan([
      { name: 'A', code: 'A', parentCode: 'NOPE' },
      { name: 'B', code: 'B', parentCode: 'A' },
      { name: 'C', code: 'C', parentCode: 'B' },
      { name: 'D', code: 'D' },
    ]);
    expect(codes(p)).toEqual(['2:PARENT_NOT_FOUND:parent', '3:PARENT_FAILED:parent', '4:PARENT_FAILED:parent']);
    expect(p.counts).toMatchObject({ created: 1, failed: 1, skipped: 2 });
  });

  it('PARENT_AMBIGUOUS when one value matches different departments by different keys', () => {
    const p = plan([
      { name: 'A', code: 'X' },
      { name: 'B', openDepartmentId: 'X' },
      { name: 'C', parentId: 'X' },
      { name: 'D', parentId: 'X', departmentIdType: 'code' },
    ]);
    expect(codes(p)).toEqual(['4:PARENT_AMBIGUOUS:parent']);
    expect(p.creates.find((d) => d.name === 'D')!.parentId).toBe(p.creates.find((d) => d.name === 'A')!.id);
  });

  it('SELF_PARENT', () => {
    const p = plan([{ name: 'A', code: 'A', parentCode: 'A' }]);
    expect(codes(p)).toEqual(['2:SELF_PARENT:parent']);
  });

  it('CYCLE_DETECTED names the whole cycle', () => {
    const p = plan([
      { name: 'A', code: 'A', parentCode: 'B' },
      { name: 'B', code: 'B', parentCode: 'C' },
      { name: 'C', code: 'C', parentCode: 'A' },
      { name: 'D', code: 'D', parentCode: 'C' },
    ]);
    expect(codes(p)).toEqual(['2:CYCLE_DETECTED:parent', '3:CYCLE_DETECTED:parent', '4:CYCLE_DETECTED:parent', '5:PARENT_FAILED:parent']);
    expect(p.errors[0]!.message).toContain('A -> B -> C -> A');
  });

  it('a move under its own stored descendant is a cycle', () => {
    const existing = stored([
      { name: 'A', code: 'A' },
      { name: 'B', code: 'B', parentCode: 'A' },
      { name: 'C', code: 'C', parentCode: 'B' },
    ]);
    const p = plan([{ name: 'A', code: 'A', parentCode: 'C' }], { stored: existing });
    expect(codes(p)).toEqual(['2:CYCLE_DETECTED:parent']);
    expect(p.updates).toEqual([]);
  });

  it('DEPTH_EXCEEDED, including for a subtree moved deeper', () => {
    const p = plan(
      [
        { name: 'L1', code: 'L1' },
        { name: 'L2', code: 'L2', parentCode: 'L1' },
        { name: 'L3', code: 'L3', parentCode: 'L2' },
      ],
      { options: { maxDepth: 2 } },
    );
    expect(codes(p)).toEqual(['4:DEPTH_EXCEEDED:parent']);

    const existing = stored([
      { name: 'A', code: 'A' },
      { name: 'B', code: 'B' },
      { name: 'B1', code: 'B1', parentCode: 'B' },
    ]);
    const moved = plan([{ name: 'B', code: 'B', parentCode: 'A' }], { stored: existing, options: { maxDepth: 2 } });
    expect(codes(moved)).toEqual(['2:DEPTH_EXCEEDED:parent']);
    expect(moved.errors[0]!.message).toContain('B1');
  });

  it('ORGANIZATION_MISMATCH', () => {
    const p = plan([
      { name: 'A', organizationCode: 'acme' },
      { name: 'B', organizationCode: 'other' },
    ]);
    expect(codes(p)).toEqual(['3:ORGANIZATION_MISMATCH:organization']);
  });

  it('a failed rename frees nothing: the conflict it would have resolved is reported', () => {
    const existing = stored([
      { name: 'Alpha', code: 'A' },
      { name: 'Beta', code: 'B' },
    ]);
    // Row 2 renames Alpha but fails (bad field); row 3 wants the name Alpha.
    const p = plan(
      [
        { name: 'Gamma', code: 'A', isVirtualNode: 'perhaps' },
        { name: 'Alpha', code: 'B' },
      ],
      { stored: existing },
    );
    expect(codes(p)).toEqual(['2:INVALID_FIELD:isVirtual', '3:DEPARTMENT_NAME_CONFLICT:name']);
  });
});

describe('planning: diff against what is stored', () => {
  const base = [
    { name: 'Engineering', code: 'ENG', description: 'Builds things' },
    { name: 'Backend', code: 'BE', parentCode: 'ENG' },
    { name: 'API', code: 'API', parentCode: 'BE' },
    { name: 'Sales', code: 'SAL' },
  ];

  it('re-importing the same rows changes nothing', () => {
    const p = plan(base, { stored: stored(base) });
    expect(p.errors).toEqual([]);
    expect(p.creates).toEqual([]);
    expect(p.updates).toEqual([]);
    expect(p.counts).toMatchObject({ unchanged: 4, created: 0, updated: 0, moved: 0 });
  });

  it('a changed description updates exactly one department', () => {
    const rows = base.map((r) => (r.code === 'ENG' ? { ...r, description: 'Builds better things' } : r));
    const p = plan(rows, { stored: stored(base) });
    expect(p.updates.map((u) => [u.after.code, u.changed])).toEqual([['ENG', ['description']]]);
    expect(p.counts).toMatchObject({ updated: 1, unchanged: 3 });
  });

  it('a move updates path and depth of the whole stored subtree', () => {
    const existing = stored(base);
    const p = plan([{ name: 'Backend', code: 'BE', parentCode: 'SAL' }], { stored: existing });
    expect(p.counts).toMatchObject({ moved: 1 });
    const store = new Map(existing.map((d) => [d.id, d]));
    applyInMemory(store, p);
    expect(shape(store)).toEqual([
      'Engineering||0|active|ENG|Builds things',
      'Sales/Backend/API|Backend|2|active|API|',
      'Sales/Backend|Sales|1|active|BE|',
      'Sales||0|active|SAL|',
    ]);
  });

  it('absent columns keep stored values; empty cells clear them', () => {
    const existing = stored(base);
    const keep = plan([{ code: 'ENG', name: 'Engineering' }], { stored: existing });
    expect(keep.counts.unchanged).toBe(1);
    const clear = plan([{ code: 'ENG', name: 'Engineering', description: '' }], { stored: existing });
    expect(clear.updates[0]!.after.description).toBeNull();
  });

  it('matches by name within the parent when rows have no keys', () => {
    const existing = stored([{ name: 'Engineering' }, { name: 'Backend', parentId: 'root' }, { name: 'Other' }]);
    const p = plan([{ name: 'Engineering', description: 'new' }, { name: 'Other' }], { stored: existing });
    expect(p.counts).toMatchObject({ updated: 1, unchanged: 1, created: 0 });
    // Under another parent the same name is another department (a conflict in organization scope).
    const elsewhere = plan(
      [
        { name: 'Other', code: 'O' },
        { name: 'Backend', parentCode: 'O' },
      ],
      { stored: existing },
    );
    expect(codes(elsewhere)).toEqual(['2:DEPARTMENT_NAME_CONFLICT:name', '3:DEPARTMENT_NAME_CONFLICT:name']);
  });

  it('a row without a name column updates a department found by code', () => {
    const p = plan([{ code: 'SAL', description: 'Sells' }], { stored: stored(base) });
    expect(p.errors).toEqual([]);
    expect(p.counts.updated).toBe(1);
    const n = plan([{ code: 'NEW', description: 'x' }], { stored: stored(base) });
    expect(codes(n)).toEqual(['2:NAME_REQUIRED:name']);
  });
});

describe('planning: sync mode', () => {
  const base = [
    { name: 'A', code: 'A' },
    { name: 'A1', code: 'A1', parentCode: 'A' },
    { name: 'B', code: 'B' },
    { name: 'C', code: 'C' },
  ];

  it('deactivates what is absent, never what a failed row stands for', () => {
    const existing = stored(base);
    const p = plan(
      [
        { name: 'A', code: 'A' },
        { name: 'B', code: 'B', parentCode: 'NOPE' },
      ],
      { stored: existing, options: { mode: 'sync' } },
    );
    expect(p.deactivations.map((u) => u.after.code).sort()).toEqual(['A1', 'C']);
    expect(p.deactivations.every((u) => u.after.isActive === false)).toBe(true);
    expect(p.counts.deactivated).toBe(2);
  });

  it('keeps ancestors of departments the file lists and reactivates what comes back', () => {
    const existing = stored(base);
    const first = plan([{ name: 'A1', code: 'A1', parentCode: 'A' }], { stored: existing, options: { mode: 'sync' } });
    expect(first.deactivations.map((u) => u.after.code).sort()).toEqual(['B', 'C']);
    const store = new Map(existing.map((d) => [d.id, d]));
    applyInMemory(store, first);
    const back = plan(base, { stored: [...store.values()], options: { mode: 'sync' } });
    expect(back.updates.map((u) => [u.after.code, u.changed])).toEqual([
      ['B', ['isActive']],
      ['C', ['isActive']],
    ]);
    expect(back.deactivations).toEqual([]);
  });

  it('upsert mode never deactivates', () => {
    const p = plan([{ name: 'A', code: 'A' }], { stored: stored(base) });
    expect(p.deactivations).toEqual([]);
  });
});
