/**
 * The planner's compact handling of stored departments (issue 15): a
 * department that stays as it is keeps its stored object as its state after
 * the import, stored paths share their parents' text, and a stored path that
 * is not what it should be is still found and repaired.
 */
import { describe, expect, it } from 'vitest';
import type { StoredDepartment } from '../../src/core/model.js';
import { applyInMemory, plan } from '../support/planHarness.js';

function idsFrom(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}${++n}`;
}

const ROWS = [
  { name: 'Engineering', code: 'ENG' },
  { name: 'Backend', code: 'BE', parentCode: 'ENG' },
  { name: 'API', code: 'API', parentCode: 'BE' },
  { name: 'Sales', code: 'SAL' },
];

function storedTree(): StoredDepartment[] {
  const store = new Map<string, StoredDepartment>();
  const p = plan(ROWS, { newId: idsFrom('dept_s') });
  expect(p.errors).toEqual([]);
  applyInMemory(store, p);
  return [...store.values()].map((d) => ({ ...d }));
}

describe('planning against stored departments, compactly', () => {
  it('an unchanged re-import keeps every stored object and plans nothing', () => {
    const stored = storedTree();
    const paths = stored.map((d) => d.path);
    const p = plan(ROWS, { stored });
    expect(p.errors).toEqual([]);
    expect(p.updates).toEqual([]);
    expect(p.counts).toMatchObject({ unchanged: 4, updated: 0, moved: 0 });
    // Same text after the paths were shared.
    expect(stored.map((d) => d.path)).toEqual(paths);
  });

  it('repairs a stored path that is not its parent path plus its id, even when nothing else changed', () => {
    const stored = storedTree();
    const api = stored.find((d) => d.code === 'API')!;
    const right = api.path;
    // Same length, wrong text: only a comparison of the text finds it.
    api.path = right.replace('dept_s', 'dept_x');
    expect(api.path.length).toBe(right.length);
    const p = plan(ROWS, { stored });
    expect(p.errors).toEqual([]);
    expect(p.updates.map((u) => [u.after.code, u.changed, u.after.path])).toEqual([['API', ['path'], right]]);
  });

  it('recomputes the paths of a subtree whose root moved, keeping the rest as stored', () => {
    const stored = storedTree();
    const rows = ROWS.map((r) => (r.code === 'BE' ? { ...r, parentCode: 'SAL' } : r));
    const p = plan(rows, { stored });
    expect(p.errors).toEqual([]);
    const sal = stored.find((d) => d.code === 'SAL')!;
    const byCode = new Map(p.updates.map((u) => [u.after.code, u]));
    expect([...byCode.keys()].sort()).toEqual(['API', 'BE']);
    expect(byCode.get('BE')!.after.path).toBe(`${sal.path}/${byCode.get('BE')!.after.id}`);
    expect(byCode.get('API')!.changed).toEqual(['path']);
    expect(p.counts).toMatchObject({ unchanged: 2, moved: 1, updated: 1 });
  });

  it('a row that gives a stored department a different value updates it', () => {
    const stored = storedTree();
    const rows = ROWS.map((r) => (r.code === 'API' ? { ...r, description: 'new' } : r));
    const p = plan(rows, { stored });
    expect(p.updates.map((u) => [u.after.code, u.changed])).toEqual([['API', ['description']]]);
  });

  // staysAsStored compares the fields a row gives one by one, by name: a field
  // left out there would make a changed row "unchanged". Each field, changed alone.
  it.each([
    ['description', 'new', 'description'],
    ['openDepartmentId', 'ou_new', 'openDepartmentId'],
    ['location', 'Lyon', 'location'],
    ['i18n', '{"name":{"en":"x"}}', 'i18n'],
    ['customData', '{"k":1}', 'customData'],
    ['leaderUserIds', 'u1,u2', 'leaderUserIds'],
    ['postIds', 'p1', 'postIds'],
    ['isVirtual', 'true', 'isVirtual'],
    ['color', '#ff0000', 'color'],
    ['tenantId', 't1', 'tenantId'],
    ['code', 'API2', 'code'],
    ['isActive', 'false', 'isActive'],
  ])('a row that changes only %s updates the department', (column, value, field) => {
    const stored = storedTree();
    // Matched by its id, so that a new code or openDepartmentId is a change, not another department.
    const id = stored.find((d) => d.code === 'API')!.id;
    const rows = ROWS.map((r) => (r.code === 'API' ? { ...r, id, [column]: value } : r));
    const p = plan(rows, { stored });
    expect(p.errors).toEqual([]);
    expect(p.updates.map((u) => u.changed)).toEqual([[field]]);
  });
});
