/**
 * API creates of one organization gathered into batches while earlier ones
 * are in the database (adapters/db/departmentCreateQueue.ts, MariaDB): many
 * creates in fewer transactions, every one answered as it would be alone
 * (the department stored where it asked, its history row written), two of a
 * batch that claim one name or code settled by the unique index (one wins,
 * the others get the importer's conflict code), one create whose parent is
 * held past its deadline answering ORGANIZATION_BUSY while the rest of its
 * batch goes through, and a create that waited for a batch keeping its own
 * deadline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockTimeoutError, repositories, withOrganizationLock } from '../../src/adapters/db/index.js';
import { MAX_BATCHES_IN_FLIGHT } from '../../src/adapters/db/departmentCreateQueue.js';
import { createDepartment, type CreateDepartmentResult } from '../../src/app/createDepartment.js';
import type { Organization } from '../../src/core/model.js';
import { openTestDatabase, type TestDb } from '../support/db.js';
import { createOrg } from '../support/httpHarness.js';

describe('API creates in batches (MariaDB)', () => {
  let db: TestDb;
  let org: Organization;
  const create = (fields: Record<string, unknown>, lockTimeoutSeconds = 10): Promise<CreateDepartmentResult> =>
    createDepartment(repositories(db), { organization: org, fields, lockTimeoutSeconds, actor: 'test', requestId: 'r' });
  /** Transactions the API-write pool committed while `fn` ran (one per batch). */
  const commits = async (fn: () => Promise<unknown>): Promise<number> => {
    let n = 0;
    const onQuery = (q: { sql: string }) => (n += (q.sql.match(/\bCOMMIT\b/g) ?? []).length);
    db.apiWrites!.on('query', onQuery);
    try {
      await fn();
    } finally {
      db.apiWrites!.removeListener('query', onQuery);
    }
    return n;
  };

  beforeAll(async () => {
    db = await openTestDatabase('mysql', 'dept_create_batch');
    org = await createOrg(db, 'batch', 'siblings');
    const root = await create({ name: 'Root', code: 'R' });
    expect(root.ok).toBe(true);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('answers 40 concurrent creates each as alone, in fewer transactions than creates', async () => {
    let results: CreateDepartmentResult[] = [];
    const n = await commits(async () => {
      results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => create({ name: `Team ${i}`, code: `T${i}`, parentDepartmentId: 'R', departmentIdType: 'code' })),
      );
    });
    expect(results.every((r) => r.ok)).toBe(true);
    // The first MAX_BATCHES_IN_FLIGHT go alone; the rest wait for one of them and go together.
    expect(n).toBeGreaterThan(MAX_BATCHES_IN_FLIGHT);
    expect(n).toBeLessThan(40);
    const root = (await db.knex('departments').where({ organization_id: org.id, code: 'R' }).first()) as { id: string; path: string };
    const stored = (await db.knex('departments').where({ organization_id: org.id, parent_id: root.id })) as { id: string; code: string; path: string; depth: number }[];
    expect(stored.map((d) => d.code).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `T${i}`).sort());
    for (const d of stored) expect(d).toMatchObject({ path: `${root.path}/${d.id}`, depth: 1 });
    // Each create's answer is the row stored, and each has its own history row.
    for (const r of results) if (r.ok) expect(stored.some((d) => d.id === r.department.id && d.code === r.department.code)).toBe(true);
    const history = await db.knex('department_history').where({ organization_id: org.id, action: 'created' }).whereIn('department_id', stored.map((d) => d.id));
    expect(history).toHaveLength(40);
  });

  it.each(['siblings', 'organization'] as const)(
    'answers a mixed batch exactly as the same creates one at a time (%s name scope)',
    async (scope) => {
      // Two organizations seeded alike: the creates go concurrently to one (batched) and one by one to the other.
      const seeded: Organization[] = [];
      for (const code of [`mix-${scope}-a`, `mix-${scope}-b`]) {
        const o = await createOrg(db, code, scope);
        const put = (fields: Record<string, unknown>) => createDepartment(repositories(db), { organization: o, fields, lockTimeoutSeconds: 10 });
        const seeds: Record<string, unknown>[] = [
          { name: 'Root', code: 'R', openDepartmentId: 'ou_R' },
          { name: 'A', code: 'A', parentDepartmentId: 'R', departmentIdType: 'code' },
          { name: 'B', code: 'B', openDepartmentId: 'ou_B', parentDepartmentId: 'A', departmentIdType: 'code' },
          { name: 'C', code: 'C', parentDepartmentId: 'B', departmentIdType: 'code' },
          { name: 'Taken', code: 'TAKEN', parentDepartmentId: 'A', departmentIdType: 'code' },
          { name: 'Closed', code: 'CLOSED', isActive: false, parentDepartmentId: 'R', departmentIdType: 'code' },
        ];
        for (const f of seeds) expect((await put(f)).ok).toBe(true);
        seeded.push(o);
      }
      const [batched, serial] = seeded as [Organization, Organization];
      const requests: Record<string, unknown>[] = [
        { name: 'Under C', code: 'UC', parentDepartmentId: 'C', departmentIdType: 'code' },
        { name: 'Under B by open id', parentDepartmentId: 'ou_B', departmentIdType: 'open_department_id' },
        { name: 'Under R by open id', code: 'URO', parentDepartmentId: 'ou_R', departmentIdType: 'open_department_id' },
        { name: 'Top level', code: 'TOP' },
        { name: 'Another top', parentDepartmentId: 'root', departmentIdType: 'code' },
        { name: 'Nowhere', parentDepartmentId: 'NOPE', departmentIdType: 'code' },
        { name: 'Taken', parentDepartmentId: 'A', departmentIdType: 'code' },
        { name: 'Fresh name', code: 'TAKEN', parentDepartmentId: 'B', departmentIdType: 'code' },
        { name: 'Under closed', parentDepartmentId: 'CLOSED', departmentIdType: 'code' },
        { name: 'A', parentDepartmentId: 'C', departmentIdType: 'code' },
        { name: 'Deep 1', code: 'D1', parentDepartmentId: 'C', departmentIdType: 'code' },
        { name: 'Deep 2', code: 'D2', parentDepartmentId: 'B', departmentIdType: 'code' },
        { name: 'Deep 3', code: 'D3', parentDepartmentId: 'A', departmentIdType: 'code' },
        { name: 'Bad flag', isActive: 'maybe', parentDepartmentId: 'A', departmentIdType: 'code' },
      ];
      const run = (o: Organization, f: Record<string, unknown>) => createDepartment(repositories(db), { organization: o, fields: f, lockTimeoutSeconds: 10 });
      // The first MAX_BATCHES_IN_FLIGHT go alone: they hold the rest back, which then go together.
      let results: CreateDepartmentResult[] = [];
      const n = await commits(async () => {
        results = await Promise.all(requests.map((f) => run(batched, f)));
      });
      expect(n).toBeLessThan(requests.filter((_, i) => results[i]?.ok).length);
      const expected: CreateDepartmentResult[] = [];
      for (const f of requests) expected.push(await run(serial, f));
      const outcome = (r: CreateDepartmentResult) => (r.ok ? 'created' : r.issues.map((i) => `${i.code}:${i.field ?? ''}`).join(','));
      expect(results.map(outcome)).toEqual(expected.map(outcome));
      expect(expected.filter((r) => !r.ok).length).toBeGreaterThanOrEqual(5);
      const tree = async (o: Organization) => {
        const rows = (await db.knex('departments').where({ organization_id: o.id })) as { id: string; name: string; parent_id: string | null; depth: number; path: string }[];
        const byId = new Map(rows.map((r) => [r.id, r]));
        const pathOf = (r: (typeof rows)[number]) => r.path.split('/').filter(Boolean).map((id) => byId.get(id)?.name).join('/');
        return rows.map((r) => `${pathOf(r)}@${r.depth}`).sort();
      };
      expect(await tree(batched)).toEqual(await tree(serial));
    },
  );

  it('settles creates of one batch that claim one name or one code by the unique index: one wins, the others get the conflict code', async () => {
    const results = await Promise.all([
      ...Array.from({ length: 12 }, (_, i) => create({ name: 'Same name', code: `SN${i}`, parentDepartmentId: 'R', departmentIdType: 'code' })),
      ...Array.from({ length: 12 }, (_, i) => create({ name: `Code clash ${i}`, code: 'SAME', parentDepartmentId: 'R', departmentIdType: 'code' })),
    ]);
    const byName = results.slice(0, 12);
    const byCode = results.slice(12);
    expect(byName.filter((r) => r.ok)).toHaveLength(1);
    expect(byCode.filter((r) => r.ok)).toHaveLength(1);
    for (const r of byName) if (!r.ok) expect(r.issues.map((i) => i.code)).toEqual(['DEPARTMENT_NAME_CONFLICT']);
    for (const r of byCode) if (!r.ok) expect(r.issues.map((i) => i.code)).toEqual(['DUPLICATE_CODE']);
    expect(await db.knex('departments').where({ organization_id: org.id, name: 'Same name' })).toHaveLength(1);
    expect(await db.knex('departments').where({ organization_id: org.id, code: 'SAME' })).toHaveLength(1);
  });

  it('answers ORGANIZATION_BUSY to the create whose parent is held past its deadline, and creates the rest of its batch', async () => {
    const parent = await create({ name: 'Held', code: 'H', parentDepartmentId: 'R', departmentIdType: 'code' });
    if (!parent.ok) throw new Error('the parent was not created');
    const holder = await db.knex.transaction();
    try {
      // By primary key: the row alone (a scan of the organization would also lock the gaps the creates insert into).
      await holder('departments').where({ id: parent.department.id }).forUpdate();
      // Two creates go first, alone (MAX_BATCHES_IN_FLIGHT); the held parent's create is in the batch after them.
      const first = Array.from({ length: MAX_BATCHES_IN_FLIGHT }, (_, i) => create({ name: `Before ${i}`, parentDepartmentId: 'R', departmentIdType: 'code' }, 2));
      const held = create({ name: 'Under held', parentDepartmentId: 'H', departmentIdType: 'code' }, 2);
      const rest = Array.from({ length: 5 }, (_, i) => create({ name: `After ${i}`, parentDepartmentId: 'R', departmentIdType: 'code' }, 2));
      const settled = await Promise.allSettled([held, ...first, ...rest]);
      const [heldResult, ...others] = settled;
      expect(heldResult?.status).toBe('rejected');
      expect((heldResult as PromiseRejectedResult).reason).toBeInstanceOf(LockTimeoutError);
      for (const o of others) expect(o.status === 'fulfilled' && o.value.ok).toBe(true);
    } finally {
      await holder.rollback();
    }
    expect(await db.knex('departments').where({ organization_id: org.id, name: 'Under held' })).toHaveLength(0);
  });

  it('counts the time a create waited for a batch against its own lock timeout: behind an import, every create gives up once', async () => {
    const timeout = 1;
    let started = 0;
    let ended = 0;
    const results = await withOrganizationLock(
      db,
      org.code,
      async () => {
        started = Date.now();
        const settled = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => create({ name: `Busy ${i}` }, timeout)));
        ended = Date.now();
        return settled;
      },
      { timeoutSeconds: 10 },
    );
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(LockTimeoutError);
      expect(((r as PromiseRejectedResult).reason as LockTimeoutError).timeoutSeconds).toBe(timeout);
    }
    // Queued creates do not start a wait of their own after the batch before them gave up: one timeout, not two.
    expect(ended - started).toBeLessThan(2 * timeout * 1000);
    expect(await db.knex('departments').where({ organization_id: org.id }).where('name', 'like', 'Busy %')).toHaveLength(0);
  });
});
