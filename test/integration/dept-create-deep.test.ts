/**
 * A create under a parent deeper than the ancestor levels the read round trip
 * takes from the parent's path (adapters/db/departmentCreateSql.ts
 * ANCESTOR_LEVELS): the ancestors above them are read by one more statement,
 * so the planner still sees the parent's whole chain, and the department
 * lands under it with the right path and depth. On MariaDB, a parent named
 * by one key has every level of its path read in the one read round trip
 * (JSON_TABLE over the path); the follow-up is then what a parent reference
 * with several keys (and MySQL 8) takes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositories } from '../../src/adapters/db/index.js';
import { ANCESTOR_LEVELS } from '../../src/adapters/db/departmentCreateSql.js';
import type { Organization, SourceRecord } from '../../src/core/model.js';
import { normaliseRecord } from '../../src/core/normalise/normaliseRow.js';
import { mapColumns } from '../../src/core/normalise/vocabulary.js';
import { planImport } from '../../src/core/plan/index.js';
import { newDepartmentId } from '../../src/ids.js';
import { call, createOrg, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';

describe('a create under a very deep parent on mysql', () => {
  let h: HttpHarness;
  let org: Organization;
  let token: string;
  const levels = ANCESTOR_LEVELS + 5;

  beforeAll(async () => {
    h = await openHttpHarness('mysql', 'dept_create_deep');
    org = await createOrg(h.db, 'deep');
    token = await orgToken(h.db, 'deep');
    // A chain L0 > L1 > ... of `levels` departments, stored as an import stores them.
    const mapping = mapColumns(['name', 'code', 'parentCode']);
    const rows = Array.from({ length: levels }, (_, i) =>
      normaliseRecord({ row: i + 2, values: { name: `L${i}`, code: `L${i}`, parentCode: i === 0 ? '' : `L${i - 1}` } } as SourceRecord, mapping, { parentRef: 'code' }),
    );
    const plan = planImport({ organization: org, rows, stored: [], options: { mode: 'upsert', matchBy: 'auto', maxDepth: levels + 10 }, newId: newDepartmentId });
    expect(plan.errors).toEqual([]);
    const repos = repositories(h.db);
    await repos.transactions.transaction((trx) => repos.departments.applyPlan(trx, org, plan, { runId: null, now: new Date() }));
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('reads every ancestor of a parent named by one key in the read round trip, and stores the right path and depth', async () => {
    const sent: { sql: string }[] = [];
    const onQuery = (q: { sql: string }) => sent.push(q);
    h.db.apiWrites!.on('query', onQuery);
    let res;
    try {
      res = await call(h.app, token, 'POST', `/v1/organizations/deep/departments?maxDepth=${levels + 10}`, { json: { name: 'Leaf', parentCode: `L${levels - 1}` } });
    } finally {
      h.db.apiWrites!.removeListener('query', onQuery);
    }
    expect(res.statusCode).toBe(201);
    // Reads (all 17 levels of the path), writes.
    expect(sent).toHaveLength(2);
    expect(sent[0]!.sql).toContain('JSON_TABLE');
    const parent = (await h.db.knex('departments').where({ organization_id: org.id, code: `L${levels - 1}` }).first()) as { path: string; depth: number };
    const leaf = (await h.db.knex('departments').where({ organization_id: org.id, name: 'Leaf' }).first()) as { id: string; path: string; depth: number };
    expect(parent.depth).toBe(levels - 1);
    expect(leaf).toMatchObject({ depth: levels, path: `${parent.path}/${leaf.id}` });
  }, 60_000);

  it('reads the ancestors beyond the levels read in one more statement for a parent reference of several keys', async () => {
    const repos = repositories(h.db);
    const parent = (await h.db.knex('departments').where({ organization_id: org.id, code: `L${levels - 1}` }).first()) as { id: string };
    const sent: { sql: string }[] = [];
    const onQuery = (q: { sql: string }) => sent.push(q);
    h.db.apiWrites!.on('query', onQuery);
    let fetched: string[] = [];
    try {
      const keys = { id: null, parent: [{ by: 'id' as const, value: parent.id }, { by: 'code' as const, value: parent.id }], parentMayBeRoot: false, code: null, openDepartmentId: null, name: null };
      // Plans nothing: only what was read is looked at (the transaction is rolled back).
      await repos.departmentLookup.create!(org, keys, (rows) => ((fetched = rows.map((d) => d.code ?? '')), { result: null }), { timeoutSeconds: 10 });
    } finally {
      h.db.apiWrites!.removeListener('query', onQuery);
    }
    // Reads, the ancestors the levels did not reach, the rollback.
    expect(sent).toHaveLength(3);
    expect(sent[1]!.sql).toMatch(/^SELECT .* AND id IN \(\?\)$/s);
    expect(new Set(fetched)).toEqual(new Set(Array.from({ length: levels }, (_, i) => `L${i}`)));
  }, 60_000);
});
