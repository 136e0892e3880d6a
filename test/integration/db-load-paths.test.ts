/**
 * The import's bulk load of stored departments: on MySQL/MariaDB the database
 * compares each stored path with its parent's path plus its id and sends only
 * the paths that differ (adapters/db/departmentLoad.ts); the others are built
 * as shared strings. What the planner sees and plans must be exactly what it
 * saw when every path was loaded and compared in the process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { departmentsRepo } from '../../src/adapters/db/index.js';
import type { StoredDepartment } from '../../src/core/model.js';
import { planImport } from '../../src/core/plan/index.js';
import { checkedStoredOf } from '../../src/core/plan/storedPaths.js';
import { newDepartmentId } from '../../src/ids.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { createTestOrganization, department, plan } from '../support/dbFixtures.js';

describe.each(dialects)('loading stored departments (%s)', (dialect) => {
  let db: TestDb;

  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'loadpaths');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('gives every path as stored, and plans the repair of inconsistent ones as a full comparison does', async () => {
    const org = await createTestOrganization(db);
    const root = department(org, 'Root', undefined, { code: 'R' });
    const other = department(org, 'Other root', undefined, { code: 'O' });
    const child = department(org, 'Child', root, { code: 'C' });
    const grand = department(org, 'Grand', child, { code: 'G' });
    const great = department(org, 'Great', grand, { code: 'GG' });
    const sibling = department(org, 'Sibling', root, { code: 'S' });
    const deep = department(org, 'Deep', sibling, { code: 'D' });
    const all = [root, other, child, grand, great, sibling, deep];
    await db.knex.transaction((trx) => departmentsRepo(db).applyPlan(trx, org, plan({ creates: all }), { runId: null, now: new Date() }));
    // Corrupt: a path of the right length naming another id, a path in the wrong case
    // (a case-insensitive comparison would call it consistent), a wrong depth, a root's path.
    const set = (d: StoredDepartment, values: Record<string, unknown>) => db.knex('departments').where('id', d.id).update(values);
    await set(child, { path: child.path.replace(root.id, root.id.slice(0, -1) + (root.id.endsWith('X') ? 'Y' : 'X')) });
    await set(sibling, { path: sibling.path.toLowerCase() });
    await set(deep, { depth: 5 });
    await set(other, { path: `/${other.id}/` });

    const loaded = await departmentsRepo(db).loadForOrganization(org.id);
    const asStored = (await db.knex('departments').where('organization_id', org.id).orderBy('id').select('id', 'path', 'parent_id', 'depth')) as {
      id: string;
      path: string;
      parent_id: string | null;
      depth: number;
    }[];
    // (MySQL/MariaDB load by depth, then id: departmentLoad.ts.)
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
    expect([...loaded].sort(byId).map((d) => [d.id, d.path, d.parentId, d.depth])).toEqual(asStored.map((r) => [r.id, r.path, r.parent_id, Number(r.depth)]));
    if (dialect === 'mysql') {
      const checked = checkedStoredOf(loaded);
      expect(checked).toBeDefined();
      // Inconsistent: the corrupted ones, and the children of changed paths (their stored paths name the old text).
      expect(new Set([...checked!.inconsistent].map((d) => d.code))).toEqual(new Set(['C', 'G', 'S', 'D', 'O']));
    }

    // The same departments as plain copies: the lookup compares every path itself, as before.
    const copies = loaded.map((d) => ({ ...d }));
    expect(checkedStoredOf(copies)).toBeUndefined();
    const planOf = (stored: StoredDepartment[]) =>
      planImport({ organization: org, rows: [], stored, options: { mode: 'upsert', matchBy: 'auto' }, newId: newDepartmentId });
    const viaDatabase = planOf(loaded);
    const viaProcess = planOf(copies);
    const summary = (p: ReturnType<typeof planOf>) => p.updates.map((u) => [u.after.code, u.changed, u.after.path, u.after.depth]);
    expect(summary(viaDatabase)).toEqual(summary(viaProcess));
    expect(summary(viaDatabase).map(([code]) => code)).toEqual(expect.arrayContaining(['C', 'S', 'D', 'O']));
    expect(viaDatabase.updates.find((u) => u.after.code === 'C')!.after.path).toBe(child.path);
  });
});
