/**
 * The planner's view of stored departments as a lookup (core/plan/storedLookup.ts):
 * a one-row create planned against only the rows core/plan/rowKeys.ts names
 * (what a request fetches: test/support/memoryRepos.ts does as the database
 * adapter does) gives exactly the plan and the issues it gives against the
 * whole organization, for random bodies against random trees in both name
 * scopes; and a sync refuses a partial view.
 */
import { describe, expect, it } from 'vitest';
import type { Organization, SourceRecord, StoredDepartment } from '../../src/core/model.js';
import { normaliseRecord } from '../../src/core/normalise/normaliseRow.js';
import { mapColumns } from '../../src/core/normalise/vocabulary.js';
import { completeLookup, lookupKeysOf, partialLookup, planImport } from '../../src/core/plan/index.js';
import { keyIndex, viewOfKeys } from '../../src/core/plan/keyView.js';
import { memoryRepos } from '../support/memoryRepos.js';

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function storedTree(org: Organization, rnd: () => number, count: number): StoredDepartment[] {
  const all: StoredDepartment[] = [];
  const names = new Set<string>();
  for (let i = 0; i < count; i++) {
    const parent = i === 0 || rnd() < 0.15 ? undefined : all[Math.floor(rnd() * all.length)];
    const id = `dept_s${String(i).padStart(4, '0')}`;
    // Sibling scope: names repeat under different parents.
    let name = org.nameScope === 'siblings' ? `N${Math.floor(rnd() * 6)}` : `N${i}`;
    const scoped = `${parent?.id ?? '#root'}|${name}`;
    if (names.has(scoped)) name = `N${i}`;
    names.add(`${parent?.id ?? '#root'}|${name}`);
    all.push({
      id, organizationId: org.id, parentId: parent?.id ?? null, path: `${parent?.path ?? ''}/${id}`, depth: parent ? parent.depth + 1 : 0, memberCount: 0,
      name, description: null, code: rnd() < 0.7 ? `C${i}` : null, openDepartmentId: rnd() < 0.5 ? `ou_${i}` : null, location: null, i18n: null,
      customData: null, leaderUserIds: null, postIds: null, isVirtual: false, isActive: rnd() < 0.9, color: null, tenantId: null,
    });
  }
  return all;
}

function body(rnd: () => number, count: number): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const n = () => Math.floor(rnd() * (count + 5));
  const b: Record<string, unknown> = {};
  if (rnd() < 0.95) b.name = pick([`N${n()}`, `N${Math.floor(rnd() * 6)}`, 'Fresh']);
  if (rnd() < 0.5) b.code = pick([`C${n()}`, 'NEWCODE', 'root']);
  if (rnd() < 0.4) b.openDepartmentId = pick([`ou_${n()}`, 'ou_new']);
  const parent = rnd();
  if (parent < 0.25) b.parent_id = pick([`dept_s${String(n()).padStart(4, '0')}`, 'root', null, 'dept_nope']);
  else if (parent < 0.45) b.parentCode = pick([`C${n()}`, 'NOPE', 'root']);
  else if (parent < 0.6) Object.assign(b, { parentDepartmentId: pick([`ou_${n()}`, 'null']), departmentIdType: 'open_department_id' });
  else if (parent < 0.7) Object.assign(b, { parentDepartment: `C${n()}`, departmentIdType: 'code' });
  if (rnd() < 0.1) b.is_active = false;
  return b;
}

const ORGS: Organization[] = [
  { id: 'org_o', code: 'o', name: 'O', nameScope: 'organization' },
  { id: 'org_s', code: 's', name: 'S', nameScope: 'siblings' },
];

describe('planning one create against a lookup of a few rows', () => {
  it.each(ORGS)('gives the same plan and issues as against the whole organization ($nameScope scope)', async (org) => {
    const rnd = random(org.nameScope === 'siblings' ? 7 : 11);
    const count = 80;
    const stored = storedTree(org, rnd, count);
    const { repos, store } = memoryRepos();
    for (const d of stored) store.departments.set(d.id, d);
    let created = 0;
    for (let i = 0; i < 400; i++) {
      const values = Object.assign(Object.create(null) as object, body(rnd, count)) as Record<string, unknown>;
      const row = normaliseRecord({ row: 1, values } as SourceRecord, mapColumns(Object.keys(values)), { parentRef: 'id' });
      if (row.issues.length > 0) continue;
      const keys = lookupKeysOf(row.row);
      const parents = await repos.departmentLookup.lockParents('trx', org.id, keys);
      const few = await repos.departmentLookup.candidates('trx', org, keys, parents);
      const maxDepth = rnd() < 0.2 ? 3 : undefined;
      const planWith = (view: Parameters<typeof planImport>[0]['stored']) =>
        planImport({ organization: org, rows: [row], stored: view, options: { mode: 'upsert', matchBy: 'id', maxDepth }, newId: () => 'dept_new' });
      const whole = planWith(completeLookup(stored));
      const partial = planWith(partialLookup(few));
      expect(partial, JSON.stringify(values)).toEqual(whole);
      // What a request reads: the parent's chain and the key holders, not the organization.
      expect(new Set(few.map((d) => d.id)).size).toBeLessThanOrEqual(Math.max(0, ...parents.map((p) => p.depth + 1)) + 3);
      if (whole.errors.length === 0) created++;
    }
    // Both outcomes were exercised.
    expect(created).toBeGreaterThan(20);
    expect(created).toBeLessThan(380);
  });

  it.each(ORGS)(
    'gives the same plan from the rows keyView picks out of many (a batch of creates; $nameScope scope)',
    (org) => {
      // The rows a batch reads are a subset of the organization that holds every create's view: here, all of it.
      const rnd = random(org.nameScope === 'siblings' ? 13 : 17);
      const count = 80;
      const stored = storedTree(org, rnd, count);
      const index = keyIndex(stored);
      let nonEmpty = 0;
      for (let i = 0; i < 400; i++) {
        const values = Object.assign(Object.create(null) as object, body(rnd, count)) as Record<string, unknown>;
        const row = normaliseRecord({ row: 1, values } as SourceRecord, mapColumns(Object.keys(values)), { parentRef: 'id' });
        if (row.issues.length > 0) continue;
        const view = viewOfKeys(index, lookupKeysOf(row.row));
        const planWith = (lookup: Parameters<typeof planImport>[0]['stored']) =>
          planImport({ organization: org, rows: [row], stored: lookup, options: { mode: 'upsert', matchBy: 'id' }, newId: () => 'dept_new' });
        expect(planWith(partialLookup(view)), JSON.stringify(values)).toEqual(planWith(completeLookup(stored)));
        expect(view.length).toBeLessThan(count / 4);
        if (view.length > 0) nonEmpty++;
      }
      expect(nonEmpty).toBeGreaterThan(100);
    },
  );

  it('refuses to plan a sync against a partial view (deactivations need every stored department)', () => {
    const org = ORGS[0]!;
    const row = normaliseRecord({ row: 1, values: { name: 'X' } } as SourceRecord, mapColumns(['name']), { parentRef: 'id' });
    expect(() => planImport({ organization: org, rows: [row], stored: partialLookup([]), options: { mode: 'sync', matchBy: 'id' }, newId: () => 'd' })).toThrow(/complete lookup/);
  });
});
