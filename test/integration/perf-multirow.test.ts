/**
 * The raw multi-row statements of src/adapters/db/multiRow.ts (issue 15):
 * every kind of value a department holds goes in and comes back unchanged,
 * through an INSERT and through an upsert, on both dialects; values that
 * look like SQL or placeholders stay values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { departmentsRepo } from '../../src/adapters/db/index.js';
import type { ImportPlan, Organization, StoredDepartment } from '../../src/core/model.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { createTestOrganization, department, plan, update } from '../support/dbFixtures.js';

const TRICKY = ["a?b", "O'Brien", 'back\\slash', '?? ?', "'); DROP TABLE departments; --", 'emoji 🎉 and é', 'tab\there', '$1 :name @v'];

describe.each(dialects)('raw multi-row writes (%s)', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'perf_multirow');
  });
  afterAll(async () => {
    await db?.drop();
  });

  const repo = () => departmentsRepo(db);
  const apply = (org: Organization, p: ImportPlan) => db.knex.transaction((trx) => repo().applyPlan(trx, org, p, { runId: null, now: new Date() }));
  const load = async (org: Organization) => new Map((await repo().loadForOrganization(org.id)).map((d) => [d.id, d]));

  function tricky(org: Organization, i: number, parent?: StoredDepartment): StoredDepartment {
    const text = TRICKY[i % TRICKY.length]!;
    return {
      ...department(org, `${text} ${i}`, parent, { code: `${text}#${i}` }),
      description: i % 2 === 0 ? null : text,
      openDepartmentId: i % 3 === 0 ? null : `ou_${i}`,
      location: text,
      i18n: { en: text, 'x?': `"${text}"` },
      customData: { n: i, nested: { list: [text, null, true] } },
      leaderUserIds: i % 2 === 0 ? null : [text, `u${i}`],
      postIds: [],
      isVirtual: i % 2 === 0,
      isActive: i % 5 !== 0,
      color: i % 2 === 0 ? null : '#ff00aa',
      tenantId: i % 2 === 0 ? null : text,
    };
  }

  it('stores every value as given, inserted and then upserted', async () => {
    const org = await createTestOrganization(db);
    const root = tricky(org, 0);
    const creates = [root, ...Array.from({ length: 40 }, (_, i) => tricky(org, i + 1, root))];
    expect(await apply(org, plan({ creates }))).toEqual({ inserted: 41, updated: 0, deactivated: 0 });
    const stored = await load(org);
    for (const d of creates) expect(stored.get(d.id)).toEqual(d);

    const updates = creates.slice(1).map((d, i) => update(d, { name: `${TRICKY[(i + 3) % TRICKY.length]} renamed ${i}`, description: "it's ?", isActive: !d.isActive }));
    expect(await apply(org, plan({ updates }))).toEqual({ inserted: 0, updated: 40, deactivated: 0 });
    const after = await load(org);
    expect(after.get(root.id)).toEqual(root);
    for (const u of updates) expect(after.get(u.after.id)).toEqual(u.after);
  });
});
