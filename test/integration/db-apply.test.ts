/**
 * departmentsRepo.applyPlan and loadForOrganization with hand-built plans, on
 * both dialects.
 */
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { departmentsRepo, isDuplicateKeyError } from '../../src/adapters/db/index.js';
import type { ImportPlan, Organization, StoredDepartment } from '../../src/core/model.js';
import { buildTree, depthFirst } from '../../src/core/tree.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { createTestOrganization, department, plan, update } from '../support/dbFixtures.js';

describe.each(dialects)('applyPlan (%s)', (dialect) => {
  let db: TestDb;

  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'apply');
  });
  afterAll(async () => {
    await db?.drop();
  });

  const repo = () => departmentsRepo(db);
  const apply = (org: Organization, p: ImportPlan, runId = 'run_apply', now = new Date()) =>
    db.knex.transaction((trx) => repo().applyPlan(trx, org, p, { runId, now }));
  const load = async (org: Organization) => new Map((await repo().loadForOrganization(org.id)).map((d) => [d.id, d]));

  /** updated_at and last_import_run_id of every department, as stored. */
  const stamps = async (org: Organization) => {
    const rows = (await db
      .knex('departments')
      .select('id', 'updated_at', 'created_at', 'last_import_run_id')
      .where('organization_id', org.id)) as { id: string; updated_at: string; created_at: string; last_import_run_id: string }[];
    return new Map(rows.map((r) => [r.id, r]));
  };

  it('inserts parents before children across batch boundaries', async () => {
    const org = await createTestOrganization(db);
    const root = department(org, 'Root');
    const children = Array.from({ length: 1199 }, (_, i) => department(org, `Child ${i}`, root, { code: `C${i}` }));
    // Grandchildren of the last children: their parents sit in earlier batches
    // (at most 1000 rows per batch on MySQL, 500 on SQLite, fewer when the rows
    // are large: see batch.ts), and each chain of two also puts a parent and
    // its child in the same batch.
    const grand = children.slice(-250).flatMap((c, i) => {
      const g = department(org, `Grandchild ${i}`, c);
      return [g, department(org, `Great-grandchild ${i}`, g)];
    });
    const creates = [root, ...children, ...grand];
    expect(creates.length).toBeGreaterThan(1500);

    const inserts: string[] = [];
    const result = await db.knex.transaction(async (trx: Knex.Transaction) => {
      trx.on('query', (q: { sql: string }) => {
        if (/^insert/i.test(q.sql)) inserts.push(q.sql);
      });
      return repo().applyPlan(trx, org, plan({ creates }), { runId: 'run_apply', now: new Date() });
    });

    expect(result).toEqual({ inserted: creates.length, updated: 0, deactivated: 0 });
    // Multi-row statements, not one per department, and more than one of them.
    expect(inserts.length).toBeGreaterThanOrEqual(Math.ceil(creates.length / (dialect === 'mysql' ? 1000 : 500)));
    expect(inserts.length).toBeLessThanOrEqual(Math.ceil(creates.length / 100));
    const stored = await load(org);
    expect(stored.size).toBe(creates.length);
    for (const d of creates) expect(stored.get(d.id)).toEqual(d);
    expect(await repo().countByOrganization(org.id)).toEqual({ total: creates.length, active: creates.length });
  });

  it('updates exactly the departments in the plan', async () => {
    const org = await createTestOrganization(db);
    const a = department(org, 'A', undefined, { code: 'A' });
    const b = department(org, 'B', undefined, { code: 'B' });
    const c = department(org, 'C', a, { code: 'C' });
    await apply(org, plan({ creates: [a, b, c] }), 'run_first', new Date('2024-01-01T00:00:00.000Z'));
    const before = await stamps(org);

    const later = new Date('2024-02-02T10:20:30.456Z');
    const result = await apply(org, plan({ updates: [update(b, { description: 'new text', color: '#00ff00' })] }), 'run_second', later);

    expect(result).toEqual({ inserted: 0, updated: 1, deactivated: 0 });
    const after = await stamps(org);
    for (const untouched of [a, c]) expect(after.get(untouched.id)).toEqual(before.get(untouched.id));
    expect(after.get(b.id)?.last_import_run_id).toBe('run_second');
    expect(after.get(b.id)?.updated_at).not.toEqual(before.get(b.id)?.updated_at);
    expect(after.get(b.id)?.created_at).toEqual(before.get(b.id)?.created_at);
    const stored = await load(org);
    expect(stored.get(b.id)).toEqual({ ...b, description: 'new text', color: '#00ff00' });
    expect(stored.get(a.id)).toEqual(a);
  });

  it('swaps codes, openDepartmentIds and names between departments in one plan', async () => {
    const org = await createTestOrganization(db);
    const x = department(org, 'Name X', undefined, { code: 'X', openDepartmentId: 'open-x' });
    const y = department(org, 'Name Y', undefined, { code: 'Y', openDepartmentId: 'open-y' });
    const z = department(org, 'Name Z', undefined, { code: 'Z' });
    await apply(org, plan({ creates: [x, y, z] }));

    await apply(
      org,
      plan({
        updates: [
          update(x, { code: 'Y', openDepartmentId: 'open-y', name: 'Name Y' }),
          update(y, { code: 'Z', openDepartmentId: 'open-x', name: 'Name X' }),
          update(z, { code: 'X', name: 'Name Z' }),
        ],
      }),
    );

    const stored = await load(org);
    expect(stored.get(x.id)).toMatchObject({ code: 'Y', openDepartmentId: 'open-y', name: 'Name Y' });
    expect(stored.get(y.id)).toMatchObject({ code: 'Z', openDepartmentId: 'open-x', name: 'Name X' });
    expect(stored.get(z.id)).toMatchObject({ code: 'X', openDepartmentId: null, name: 'Name Z' });
  });

  it('keeps a real duplicate an error: the plan is rolled back', async () => {
    const org = await createTestOrganization(db);
    const x = department(org, 'X', undefined, { code: 'X' });
    const y = department(org, 'Y', undefined, { code: 'Y' });
    await apply(org, plan({ creates: [x, y] }));
    const err = await apply(org, plan({ updates: [update(x, { code: 'Y', description: 'changed' })] })).catch((e: unknown) => e);
    expect(isDuplicateKeyError(err)).toBe(true);
    const stored = await load(org);
    expect(stored.get(x.id)).toEqual(x);
    expect(stored.get(y.id)).toEqual(y);
  });

  it('scopes names to siblings in a siblings-scope organization, including moves', async () => {
    const org = await createTestOrganization(db, 'siblings');
    const p1 = department(org, 'Sales');
    const p2 = department(org, 'Support');
    const t1 = department(org, 'Team', p1);
    const t2 = department(org, 'Team', p2);
    const top = department(org, 'Team'); // top level: its own scope
    await apply(org, plan({ creates: [p1, p2, t1, t2, top] }));

    // The two 'Team's trade parents in one plan: transiently both would sit under one parent.
    const moved = (t: StoredDepartment, parent: StoredDepartment) =>
      update(t, { parentId: parent.id, path: `${parent.path}/${t.id}`, depth: parent.depth + 1 });
    await apply(org, plan({ updates: [moved(t1, p2), moved(t2, p1)] }));
    const stored = await load(org);
    expect(stored.get(t1.id)?.parentId).toBe(p2.id);
    expect(stored.get(t2.id)?.parentId).toBe(p1.id);
    const keys = (await db.knex('departments').select('id', 'name_scope_key').where('organization_id', org.id)) as {
      id: string;
      name_scope_key: string;
    }[];
    expect(new Map(keys.map((k) => [k.id, k.name_scope_key]))).toEqual(
      new Map([
        [p1.id, '#root'],
        [p2.id, '#root'],
        [t1.id, p2.id],
        [t2.id, p1.id],
        [top.id, '#root'],
      ]),
    );

    const err = await apply(org, plan({ creates: [department(org, 'Team', p1)] })).catch((e: unknown) => e);
    expect(isDuplicateKeyError(err)).toBe(true);
  });

  it('deactivates departments', async () => {
    const org = await createTestOrganization(db);
    const a = department(org, 'A');
    const b = department(org, 'B', a);
    await apply(org, plan({ creates: [a, b] }));

    const result = await apply(org, plan({ deactivations: [update(b, { isActive: false })] }), 'run_sync');

    expect(result).toEqual({ inserted: 0, updated: 0, deactivated: 1 });
    const stored = await load(org);
    expect(stored.get(b.id)).toEqual({ ...b, isActive: false });
    expect(stored.get(a.id)?.isActive).toBe(true);
    expect((await stamps(org)).get(b.id)?.last_import_run_id).toBe('run_sync');
    expect(await repo().countByOrganization(org.id)).toEqual({ total: 2, active: 1 });
  });

  it('issues no statement for an empty plan', async () => {
    const org = await createTestOrganization(db);
    await apply(org, plan({ creates: [department(org, 'A')] }));
    const before = await stamps(org);
    const statements: string[] = [];
    const result = await db.knex.transaction(async (trx: Knex.Transaction) => {
      trx.on('query', (q: { sql: string }) => statements.push(q.sql));
      const applied = await repo().applyPlan(trx, org, plan({}), { runId: 'run_empty', now: new Date() });
      trx.removeAllListeners('query'); // the COMMIT that follows is not applyPlan's
      return applied;
    });
    expect(result).toEqual({ inserted: 0, updated: 0, deactivated: 0 });
    expect(statements).toEqual([]);
    expect(await stamps(org)).toEqual(before);
  });

  it('round-trips every field, including JSON fields and booleans', async () => {
    const org = await createTestOrganization(db);
    const parent = department(org, 'Parent');
    const full = department(org, 'Ventes \u{1F4C8}', parent, {
      description: 'Multi-line\ndescription, "quoted", 描述',
      code: 'SALES-01',
      openDepartmentId: 'ou_8f2a',
      location: 'Paris / Île-de-France',
      i18n: { name: { 'en-US': 'Sales', 'zh-CN': '销售' } },
      customData: { budget: 12.5, tags: ['a', 'b'], nested: { flag: true, none: null }, zero: 0 },
      leaderUserIds: ['user_1', 'user_2'],
      postIds: [],
      isVirtual: true,
      isActive: false,
      color: '#ff8800',
      tenantId: 'tenant-42',
      memberCount: 17,
    });
    const empty = department(org, 'Empty', parent);
    await apply(org, plan({ creates: [parent, full, empty] }));

    const stored = await load(org);
    expect(stored.get(full.id)).toEqual(full);
    expect(stored.get(empty.id)).toEqual(empty);
    expect(stored.get(parent.id)).toEqual(parent);
    const loaded = stored.get(full.id);
    expect(typeof loaded?.isVirtual).toBe('boolean');
    expect(typeof loaded?.depth).toBe('number');

    // core/tree.ts orders the listing depth first, siblings by name then id.
    const tree = Array.from(depthFirst(buildTree(await repo().loadForOrganization(org.id))), (v) => v.node.department);
    expect(tree.map((d) => d.name)).toEqual(['Parent', 'Empty', 'Ventes \u{1F4C8}']);
  });

  it('refuses a plan with another organization’s department', async () => {
    const org = await createTestOrganization(db);
    const other = await createTestOrganization(db);
    await expect(apply(org, plan({ creates: [department(other, 'Intruder')] }))).rejects.toThrow(/belongs to organization/);
  });
});
