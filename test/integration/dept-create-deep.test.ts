/**
 * A create under a parent deeper than the ancestor levels the read round trip
 * takes from the parent's path (adapters/db/departmentCreateSql.ts
 * ANCESTOR_LEVELS): the ancestors above them are read by one more statement,
 * so the planner still sees the parent's whole chain, and the department
 * lands under it with the right path and depth.
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

  it('reads the ancestors beyond the levels read in one more statement, and stores the right path and depth', async () => {
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
    // Reads, the ancestors the chain did not reach, writes.
    expect(sent).toHaveLength(3);
    expect(sent[1]!.sql).toMatch(/^SELECT .* AND id IN \(\?\)$/s);
    const parent = (await h.db.knex('departments').where({ organization_id: org.id, code: `L${levels - 1}` }).first()) as { path: string; depth: number };
    const leaf = (await h.db.knex('departments').where({ organization_id: org.id, name: 'Leaf' }).first()) as { id: string; path: string; depth: number };
    expect(parent.depth).toBe(levels - 1);
    expect(leaf).toMatchObject({ depth: levels, path: `${parent.path}/${leaf.id}` });
  }, 60_000);
});
