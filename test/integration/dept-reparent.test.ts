/**
 * POST .../departments/{id}/reparent on MariaDB and SQLite: a subtree of a few
 * hundred departments moved with every descendant's path and depth checked
 * against a recomputation from parent_id, the refusals (CYCLE_DETECTED,
 * DEPTH_EXCEEDED, PARENT_INACTIVE, DEPARTMENT_NAME_CONFLICT), a move to the
 * top level, and a statement count that does not grow with the subtree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { importText } from '../support/importHarness.js';
import { WRITE_COLUMNS, toWriteValues } from '../../src/adapters/db/departmentRows.js';
import type { StoredDepartment } from '../../src/core/model.js';
import { call, createOrg, envelopeOf, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';

/** A root `code` with `n` descendants: a fan of chains four deep (so depths vary). */
function subtree(code: string, n: number): string[] {
  const lines = [`${code},${code},,true`];
  for (let i = 0; i < n; i++) lines.push(`${code}-${i},${code}-${i},${i % 4 === 0 ? code : `${code}-${i - 1}`},true`);
  return lines;
}

interface Row { id: string; code: string; parent_id: string | null; path: string; depth: number }

describe.each(dialects)('reparent on %s', (dialect) => {
  let h: HttpHarness;
  let token: string;
  let ids: Record<string, string>;
  const base = '/v1/organizations/acme/departments';
  const reparent = (code: string, body: unknown, query = '') => call(h.app, token, 'POST', `${base}/${ids[code]}/reparent${query}`, { json: body });

  async function rows(): Promise<Row[]> {
    const all = (await h.db.knex('departments').select('id', 'code', 'parent_id', 'path', 'depth')) as Row[];
    return all.map((r) => ({ ...r, depth: Number(r.depth) }));
  }

  /** Every department's path and depth as its parent chain gives them (iteratively, parents first). */
  function expectConsistent(all: Row[]): void {
    const byId = new Map(all.map((r) => [r.id, r]));
    for (const r of all) {
      const chain: string[] = [];
      for (let cur: Row | undefined = r; cur; cur = cur.parent_id ? byId.get(cur.parent_id) : undefined) chain.unshift(cur.id);
      expect({ id: r.id, path: r.path, depth: r.depth }).toEqual({ id: r.id, path: `/${chain.join('/')}`, depth: chain.length - 1 });
    }
  }

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'dept_b_reparent');
    const csv = ['code,name,parent,is_active', ...subtree('A', 300), ...subtree('S', 10), 'B,B,,true', 'B1,B1,B,true', 'OFF,OFF,,false'];
    const report = await importText(h.db, csv.join('\n'), { parentRef: 'code' });
    expect(report.errors ?? []).toEqual([]);
    token = await orgToken(h.db, 'acme');
    ids = Object.fromEntries((await rows()).map((r) => [r.code, r.id]));
  });
  afterAll(async () => {
    await h?.close();
  });

  it('moves a 300-department subtree: 200 with the department, every path and depth rewritten, one moved history row', async () => {
    const res = await reparent('A', { parent_id: 'B1', departmentIdType: 'code' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: ids.A, parent_id: ids.B1, depth: 2, path: `/${ids.B}/${ids.B1}/${ids.A}` });
    const all = await rows();
    expectConsistent(all);
    expect(all.filter((r) => r.path.startsWith(`/${ids.B}/${ids.B1}/${ids.A}/`))).toHaveLength(300);
    const history = (await h.db.knex('department_history').where({ request_id: res.headers['x-request-id'] })) as { department_id: string; action: string }[];
    expect(history.map((r) => [r.department_id, r.action])).toEqual([[ids.A, 'moved']]);
  });

  it('409 CYCLE_DETECTED under itself or its own descendant', async () => {
    for (const parent of ['A', 'A-7']) {
      const res = await reparent('A', { parent_id: ids[parent] });
      expect(res.statusCode).toBe(409);
      expect(envelopeOf(res).code).toBe('CYCLE_DETECTED');
    }
    expectConsistent(await rows());
  });

  it('400 DEPTH_EXCEEDED when the deepest descendant would pass the limit', async () => {
    // S's deepest descendant is 4 levels below it: under B1 (level 2), it would be at level 7.
    const res = await reparent('S', { parent_id: 'B1', departmentIdType: 'code' }, '?maxDepth=6');
    expect(res.statusCode).toBe(400);
    expect(envelopeOf(res).code).toBe('DEPTH_EXCEEDED');
    expect((await reparent('S', { parent_id: 'B1', departmentIdType: 'code' }, '?maxDepth=7')).statusCode).toBe(200);
  });

  it('409 PARENT_INACTIVE for an active department under an inactive parent', async () => {
    const res = await reparent('B1', { parent_id: ids.OFF });
    expect(res.statusCode).toBe(409);
    expect(envelopeOf(res).code).toBe('PARENT_INACTIVE');
  });

  it('409 DEPARTMENT_NAME_CONFLICT when the new siblings already have the name (siblings scope, the unique index decides)', async () => {
    const report = await importText(h.db, ['code,name,parent', 'P1,P1,', 'P2,P2,', 'X1,Team,P1', 'X2,Team,P2', 'Y,Other,P1'].join('\n'), {
      org: 'sib',
      nameScope: 'siblings',
      parentRef: 'code',
    });
    expect(report.errors ?? []).toEqual([]);
    const sibToken = await orgToken(h.db, 'sib');
    const move = (code: string) => call(h.app, sibToken, 'POST', `/v1/organizations/sib/departments/${code}/reparent`, { json: { parent_id: 'P2', departmentIdType: 'code' } });
    const byCode = Object.fromEntries(((await h.db.knex('departments').select('id', 'code')) as { id: string; code: string }[]).map((r) => [r.code, r.id]));
    const clash = await move(byCode.X1!);
    expect(clash.statusCode).toBe(409);
    expect(envelopeOf(clash).code).toBe('DEPARTMENT_NAME_CONFLICT');
    expect((await move(byCode.Y!)).statusCode).toBe(200);
  });

  it('moves to the top level with null or "root"', async () => {
    const res = await reparent('A', { parent_id: null });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ parent_id: null, depth: 0, path: `/${ids.A}` });
    expect((await reparent('S', { parent_id: 'root' })).json()).toMatchObject({ parent_id: null, depth: 0 });
    expectConsistent(await rows());
  });

  it('rewrites only the true subtree: "_" in an id is no wildcard, and ids differing only in case are different', async () => {
    // grp_a's subtree prefix "/grp_a/" must not catch "/grpXa/..." (LIKE's "_") nor "/GRP_A/..." (case-insensitive LIKE).
    // Stored as given (imports generate ids, so the rows are written directly, as an older import or a migration may have left them).
    const org = await createOrg(h.db, 'ids');
    const tree: [string, string | null][] = [['grp_a', null], ['a_kid', 'grp_a'], ['grpXa', null], ['x_kid', 'grpXa'], ['GRP_A', null], ['u_kid', 'GRP_A'], ['dest', null]];
    const now = '2026-01-01 00:00:00.000';
    const values = tree.map(([id, parent]) => {
      const d: StoredDepartment = {
        id, organizationId: org.id, parentId: parent, path: parent ? `/${parent}/${id}` : `/${id}`, depth: parent ? 1 : 0, memberCount: 0, name: `n ${id}`,
        description: null, code: null, openDepartmentId: null, location: null, i18n: null, customData: null, leaderUserIds: null, postIds: null,
        isVirtual: false, isActive: true, color: null, tenantId: null,
      };
      return Object.fromEntries(WRITE_COLUMNS.map((c, i) => [c, toWriteValues(d, org, null, now)[i]]));
    });
    await h.db.knex('departments').insert(values);
    const idsToken = await orgToken(h.db, 'ids');
    const res = await call(h.app, idsToken, 'POST', '/v1/organizations/ids/departments/grp_a/reparent', { json: { parent_id: 'dest' } });
    expect(res.statusCode).toBe(200);
    const all = await rows();
    expectConsistent(all);
    const pathOf = Object.fromEntries(all.map((r) => [r.id, r.path]));
    expect([pathOf.a_kid, pathOf.x_kid, pathOf.u_kid]).toEqual(['/dest/grp_a/a_kid', '/grpXa/x_kid', '/GRP_A/u_kid']);
  });

  it('runs as many statements for 10 descendants as for 300', async () => {
    const statements = async (code: string, parent: string): Promise<number> => {
      let n = 0;
      const count = () => n++;
      h.db.knex.on('query', count);
      try {
        expect((await reparent(code, { parent_id: ids[parent] })).statusCode).toBe(200);
      } finally {
        h.db.knex.off('query', count);
      }
      return n;
    };
    const small = await statements('S', 'B');
    const large = await statements('A', 'B');
    expect(small).toBeGreaterThan(0);
    expect(large).toBe(small);
    expectConsistent(await rows());
  });
});
