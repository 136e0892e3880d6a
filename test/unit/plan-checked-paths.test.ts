/**
 * composeCheckedPaths (core/plan/storedPaths.ts): the paths of a load whose
 * paths the database compared are built as shared strings, parents found by
 * binary search over the ids of the level above (an index of ids only when the
 * list is not in (depth, id) order, or when a lookup is asked by id), and the lookup over the list
 * answers as it does over a list it checks itself.
 */
import { describe, expect, it } from 'vitest';
import type { StoredDepartment } from '../../src/core/model.js';
import { completeLookup } from '../../src/core/plan/storedLookup.js';
import { CheckedLoad } from '../../src/core/plan/checkedLoad.js';
import { checkedStoredOf, composeCheckedPaths } from '../../src/core/plan/storedPaths.js';
import { ORG } from '../support/planHarness.js';

function dept(id: string, parent: StoredDepartment | null, path?: string): StoredDepartment {
  return {
    id,
    organizationId: ORG.id,
    parentId: parent?.id ?? null,
    path: path ?? `${parent?.path ?? ''}/${id}`,
    depth: parent ? parent.depth + 1 : 0,
    memberCount: 0,
    name: id,
    description: null,
    code: `C${id}`,
    openDepartmentId: null,
    location: null,
    i18n: null,
    customData: null,
    leaderUserIds: null,
    postIds: null,
    isVirtual: false,
    isActive: true,
    color: null,
    tenantId: null,
  };
}

/** A tree, the list ordered as `order` says, with every path but `wrong`'s replaced by a placeholder (as the load gives it). */
function loaded(order: (ids: string[]) => string[], wrong?: string) {
  const a = dept('dept_a', null);
  const b = dept('dept_b', a);
  const c = dept('dept_c', b);
  const d = dept('dept_d', a, wrong === 'dept_d' ? '/dept_x/dept_d' : undefined);
  const e = dept('dept_e', d);
  const byId = new Map([a, b, c, d, e].map((x) => [x.id, x]));
  const expected = new Map([...byId].map(([id, x]) => [id, x.path]));
  const list = order([...byId.keys()]).map((id) => ({ ...byId.get(id)! }));
  const checked = new Uint8Array(list.length);
  list.forEach((x, i) => {
    // The database: consistent when the path is the parent's stored path plus the id.
    const parent = list.find((p) => p.id === x.parentId);
    checked[i] = (parent ? x.path === `${parent.path}/${x.id}` : x.path === `/${x.id}`) ? 1 : 0;
  });
  list.forEach((x, i) => {
    if (checked[i] === 1) x.path = '';
  });
  return { list, checked, expected };
}

describe('composeCheckedPaths', () => {
  it.each([
    // The load's order (departmentLoad.ts): a (0), b and d (1), c and e (2).
    ['in (depth, id) order (parents by binary search in the level above)', () => ['dept_a', 'dept_b', 'dept_d', 'dept_c', 'dept_e'], false],
    ['in id order only (an index of ids)', (ids: string[]) => ids, true],
    ['out of order (an index of ids)', (ids: string[]) => [...ids].reverse(), true],
  ])('builds each path and parent %s', (_what, order, indexed) => {
    const { list, checked, expected } = loaded(order);
    const result = composeCheckedPaths(list, checked);
    expect(result.ids !== undefined).toBe(indexed);
    expect(Object.fromEntries(list.map((x) => [x.id, x.path]))).toEqual(Object.fromEntries(expected));
    expect(result.inconsistent.size).toBe(0);
    expect(checkedStoredOf(list)).toBe(result);
    const lookup = completeLookup(list);
    // By id: answered through an index made on first use.
    expect(lookup.byId('dept_c')?.path).toBe(expected.get('dept_c'));
    expect(lookup.positionBy('id', 'dept_e')).toBe(list.findIndex((x) => x.id === 'dept_e'));
    expect(lookup.byId('dept_nope')).toBeUndefined();
    expect(lookup.at(lookup.parentPosition(lookup.positionBy('id', 'dept_c'))).id).toBe('dept_b');
    expect(lookup.parentPosition(lookup.positionBy('code', 'Cdept_a'))).toBe(-1);
  });

  it('keeps a path the database found inconsistent as it was stored, and lists it', () => {
    const { list, checked } = loaded((ids) => ids, 'dept_d');
    const result = composeCheckedPaths(list, checked);
    const d = list.find((x) => x.id === 'dept_d')!;
    expect(d.path).toBe('/dept_x/dept_d');
    expect([...result.inconsistent]).toEqual([d]);
    // Its child's stored path is its parent's stored path plus its id: built on the parent's text as stored.
    expect(list.find((x) => x.id === 'dept_e')!.path).toBe('/dept_x/dept_d/dept_e');
    expect(completeLookup(list).hasInconsistentPath(d)).toBe(true);
  });

  it('finds the parent of a department whose stored depth is wrong, in the load order, through an index of ids', () => {
    const { list, checked } = loaded(() => ['dept_a', 'dept_b', 'dept_d', 'dept_c', 'dept_e']);
    // dept_e stored at depth 5 (its parent dept_d is at 1): the database calls it inconsistent.
    const e = list.find((x) => x.id === 'dept_e')!;
    e.depth = 5;
    e.path = '/dept_a/dept_d/dept_e';
    checked[list.indexOf(e)] = 0;
    const result = composeCheckedPaths(list, checked);
    expect([...result.inconsistent]).toEqual([e]);
    expect(result.parents[list.indexOf(e)]).toBe(list.findIndex((x) => x.id === 'dept_d'));
    expect(result.ids).toBeDefined();
    // The others still found theirs in the level above.
    expect(result.parents[list.findIndex((x) => x.id === 'dept_c')]).toBe(list.findIndex((x) => x.id === 'dept_b'));
  });
});

describe('CheckedLoad (departments collected as the load streams them)', () => {
  it.each([
    ['in (depth, id) order', () => ['dept_a', 'dept_b', 'dept_d', 'dept_c', 'dept_e'], undefined],
    ['in (depth, id) order, with a path the database found inconsistent', () => ['dept_a', 'dept_b', 'dept_d', 'dept_c', 'dept_e'], 'dept_d'],
    ['in id order only', (ids: string[]) => ids, undefined],
    ['out of order', (ids: string[]) => [...ids].reverse(), undefined],
  ])('gives what composeCheckedPaths gives over the whole list, %s', (_what, order, wrong) => {
    const direct = loaded(order, wrong);
    composeCheckedPaths(direct.list, direct.checked);
    const streamed = loaded(order, wrong);
    const load = new CheckedLoad();
    streamed.list.forEach((d, i) => load.add(d, streamed.checked[i] === 1));
    const result = load.finish();
    expect(result).toEqual(direct.list);
    expect(result.map((d) => [d.id, d.parentId, d.path])).toEqual(direct.list.map((d) => [d.id, d.parentId, d.path]));
    expect(checkedStoredOf(result)?.inconsistent.size).toBe(wrong === undefined ? 0 : 1);
  });

  it('keeps a parent id the level above does not hold (a parent the database did not send)', () => {
    const { list, checked } = loaded(() => ['dept_a', 'dept_b', 'dept_d', 'dept_c', 'dept_e']);
    const orphan = { ...list[3]!, parentId: 'dept_zz', path: '/dept_zz/dept_c' };
    const load = new CheckedLoad();
    [list[0]!, list[1]!, list[2]!].forEach((d, i) => load.add(d, checked[i] === 1));
    load.add(orphan, false);
    const result = load.finish();
    expect(result[3]!.parentId).toBe('dept_zz');
    expect(checkedStoredOf(result)?.inconsistent.has(orphan)).toBe(true);
  });
});
