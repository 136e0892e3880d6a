/**
 * The department write routes (issue 12): GET by id / code: / open:, PATCH,
 * DELETE (deactivate, with cascade), on MariaDB and SQLite through
 * app.inject(): every status and code, the history rows each write records,
 * and uniqueness decided by the database's unique indexes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/app/tokens.js';
import { repositories } from '../../src/adapters/db/index.js';
import { dialects } from '../support/db.js';
import { call, createOrg, envelopeOf, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';

interface Dept {
  id: string;
  name: string;
  code: string | null;
  path: string;
  is_active: boolean;
  updated_at: string;
}

describe.each(dialects)('department writes on %s', (dialect) => {
  let h: HttpHarness;
  let token: string;
  let readToken: string;
  let orgId: string;
  const base = '/v1/organizations/acme/departments';
  const create = async (json: Record<string, unknown>, url = base): Promise<Dept> => {
    const res = await call(h.app, token, 'POST', url, { json });
    expect(res.statusCode).toBe(201);
    return res.json() as Dept;
  };
  const patch = (id: string, json: unknown, t = token) => call(h.app, t, 'PATCH', `${base}/${id}`, { json });
  const history = async (departmentId: string) =>
    (await h.db.knex('department_history').where({ department_id: departmentId }).orderBy('id')) as { action: string; actor: string; request_id: string | null; run_id: string | null }[];

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'dept_a_writes');
    orgId = (await createOrg(h.db, 'acme')).id;
    await createOrg(h.db, 'sib', 'siblings');
    token = await orgToken(h.db, 'acme');
    readToken = (await createToken(repositories(h.db), { organizationCode: 'acme', isAdmin: false, role: 'read' })).token;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('GET: finds a department by id, by code: and by open:, and answers 404 DEPARTMENT_NOT_FOUND otherwise', async () => {
    const d = await create({ name: 'Lookup', code: 'LOOK', openDepartmentId: 'ou_look' });
    for (const ref of [d.id, 'code:LOOK', 'open:ou_look']) {
      const res = await call(h.app, token, 'GET', `${base}/${encodeURIComponent(ref)}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(d);
    }
    for (const ref of ['dept_nope', 'code:NOPE', 'open:ou_nope', 'code:', 'open:']) {
      const res = await call(h.app, token, 'GET', `${base}/${encodeURIComponent(ref)}`);
      expect(res.statusCode).toBe(404);
      expect(envelopeOf(res).code).toBe('DEPARTMENT_NOT_FOUND');
    }
  });

  it('PATCH 200: changes the given fields, answers the whole department, and records one history row with the token and request id', async () => {
    const d = await create({ name: 'Ops', code: 'OPS' });
    const res = await call(h.app, token, 'PATCH', `${base}/${d.id}`, { json: { name: 'Operations', color: '#f00', postIdList: ['p1'] }, headers: { 'x-request-id': 'req-patch-1' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: d.id, name: 'Operations', code: 'OPS', color: '#f00', postIdList: ['p1'], is_active: true });
    const get = await call(h.app, token, 'GET', `${base}/${d.id}`);
    expect(get.json()).toEqual(res.json());
    const rows = await history(d.id);
    expect(rows.map((r) => r.action)).toEqual(['created', 'updated']);
    expect(rows[1]).toMatchObject({ request_id: 'req-patch-1', run_id: null });
    expect(rows[1]!.actor).toMatch(/^tok_/);
  });

  it('PATCH of nothing changed writes no history and keeps updated_at', async () => {
    const d = await create({ name: 'Same', code: 'SAME' });
    const res = await patch(d.id, { name: 'Same', code: 'SAME' });
    expect(res.statusCode).toBe(200);
    expect(res.json().updated_at).toBe(d.updated_at);
    expect((await history(d.id)).map((r) => r.action)).toEqual(['created']);
  });

  it('PATCH 400: the importer\'s validation (a name too long, an empty name)', async () => {
    const d = await create({ name: 'Valid' });
    const long = await patch(d.id, { name: 'x'.repeat(256) });
    expect(long.statusCode).toBe(400);
    expect(envelopeOf(long)).toMatchObject({ code: 'NAME_TOO_LONG', details: { field: 'name' } });
    const empty = await patch(d.id, { name: '   ' });
    expect(empty.statusCode).toBe(400);
    expect(envelopeOf(empty).code).toBe('NAME_REQUIRED');
    expect((await history(d.id)).map((r) => r.action)).toEqual(['created']);
  });

  it('PATCH 409: name, code and openDepartmentId conflicts are decided by the unique indexes', async () => {
    const a = await create({ name: 'Alpha', code: 'ALPHA', openDepartmentId: 'ou_alpha' });
    const b = await create({ name: 'Beta', code: 'BETA', openDepartmentId: 'ou_beta' });
    const name = await patch(b.id, { name: 'Alpha' });
    expect(name.statusCode).toBe(409);
    expect(envelopeOf(name)).toMatchObject({ code: 'DEPARTMENT_NAME_CONFLICT', details: { field: 'name', name: 'Alpha' } });
    const code = await patch(b.id, { code: 'ALPHA' });
    expect(code.statusCode).toBe(409);
    expect(envelopeOf(code)).toMatchObject({ code: 'DUPLICATE_CODE', details: { field: 'code', code: 'ALPHA' } });
    const open = await patch(b.id, { openDepartmentId: 'ou_alpha' });
    expect(open.statusCode).toBe(409);
    expect(envelopeOf(open)).toMatchObject({ code: 'DUPLICATE_OPEN_DEPARTMENT_ID', details: { field: 'openDepartmentId' } });
    expect((await call(h.app, token, 'GET', `${base}/${b.id}`)).json()).toMatchObject({ name: 'Beta', code: 'BETA', openDepartmentId: 'ou_beta' });
    expect((await history(b.id)).map((r) => r.action)).toEqual(['created']);
    expect(a.name).toBe('Alpha');
  });

  it("PATCH: in a siblings-scoped organization the same name is allowed under another parent, refused among siblings", async () => {
    const sibToken = await orgToken(h.db, 'sib');
    const sibBase = '/v1/organizations/sib/departments';
    const post = async (json: unknown) => (await call(h.app, sibToken, 'POST', sibBase, { json })).json() as Dept;
    const p1 = await post({ name: 'P1' });
    const p2 = await post({ name: 'P2' });
    const x = await post({ name: 'Team', parent_id: p1.id });
    const y = await post({ name: 'Other', parent_id: p2.id });
    const z = await post({ name: 'Sib', parent_id: p2.id });
    expect((await call(h.app, sibToken, 'PATCH', `${sibBase}/${y.id}`, { json: { name: 'Team' } })).statusCode).toBe(200);
    const clash = await call(h.app, sibToken, 'PATCH', `${sibBase}/${z.id}`, { json: { name: 'Team' } });
    expect(clash.statusCode).toBe(409);
    expect(envelopeOf(clash).code).toBe('DEPARTMENT_NAME_CONFLICT');
    expect(x.name).toBe('Team');
  });

  it('PATCH is_active: false with active children is 409 DEPARTMENT_HAS_CHILDREN; true under an inactive parent is 409 PARENT_INACTIVE', async () => {
    const parent = await create({ name: 'Parent' });
    const child = await create({ name: 'Child', parent_id: parent.id });
    const refused = await patch(parent.id, { is_active: false });
    expect(refused.statusCode).toBe(409);
    expect(envelopeOf(refused).code).toBe('DEPARTMENT_HAS_CHILDREN');
    expect((await patch(child.id, { is_active: false })).json().is_active).toBe(false);
    expect((await patch(parent.id, { is_active: false })).json().is_active).toBe(false);
    const orphan = await patch(child.id, { is_active: true });
    expect(orphan.statusCode).toBe(409);
    expect(envelopeOf(orphan).code).toBe('PARENT_INACTIVE');
    expect((await patch(parent.id, { is_active: true })).json().is_active).toBe(true);
    expect((await patch(child.id, { is_active: true })).json().is_active).toBe(true);
    expect((await history(child.id)).map((r) => r.action)).toEqual(['created', 'deactivated', 'reactivated']);
    expect((await history(parent.id)).map((r) => r.action)).toEqual(['created', 'deactivated', 'reactivated']);
  });

  it('PATCH and DELETE: 404 for an unknown department, 400 for a parent change (not a PATCH field)', async () => {
    const missing = await patch('dept_missing', { name: 'X' });
    expect(missing.statusCode).toBe(404);
    expect(envelopeOf(missing).code).toBe('DEPARTMENT_NOT_FOUND');
    const del = await call(h.app, token, 'DELETE', `${base}/dept_missing`);
    expect(del.statusCode).toBe(404);
    expect(envelopeOf(del).code).toBe('DEPARTMENT_NOT_FOUND');
    const d = await create({ name: 'Stay' });
    expect((await patch(d.id, { parent_id: null })).statusCode).toBe(400);
  });

  it('DELETE deactivates a leaf (never deletes); 409 DEPARTMENT_HAS_CHILDREN while active children exist', async () => {
    const parent = await create({ name: 'Del parent' });
    const child = await create({ name: 'Del child', parent_id: parent.id });
    const refused = await call(h.app, token, 'DELETE', `${base}/${parent.id}`);
    expect(refused.statusCode).toBe(409);
    expect(envelopeOf(refused).code).toBe('DEPARTMENT_HAS_CHILDREN');
    const leaf = await call(h.app, token, 'DELETE', `${base}/${child.id}`);
    expect(leaf.statusCode).toBe(200);
    expect(leaf.json()).toMatchObject({ id: child.id, is_active: false });
    expect((await call(h.app, token, 'DELETE', `${base}/${parent.id}`)).json()).toMatchObject({ is_active: false });
    expect(await h.db.knex('departments').whereIn('id', [parent.id, child.id]).count({ n: '*' }).first()).toMatchObject({ n: 2 });
    expect((await history(child.id)).map((r) => r.action)).toEqual(['created', 'deactivated']);
  });

  it('DELETE ?cascade=true deactivates exactly the active subtree, with one deactivated history row each', async () => {
    const root = await create({ name: 'Cascade root' });
    const a = await create({ name: 'Cascade A', parent_id: root.id });
    const a1 = await create({ name: 'Cascade A1', parent_id: a.id });
    const a2 = await create({ name: 'Cascade A2', parent_id: a.id });
    const b = await create({ name: 'Cascade B', parent_id: root.id });
    const outside = await create({ name: 'Cascade outside' });
    const outsideChild = await create({ name: 'Cascade outside child', parent_id: outside.id });
    expect((await call(h.app, token, 'DELETE', `${base}/${a2.id}`)).statusCode).toBe(200); // already inactive: no second row
    const res = await call(h.app, token, 'DELETE', `${base}/${a.id}?cascade=true`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: a.id, is_active: false });
    const active = async (id: string) => (await call(h.app, token, 'GET', `${base}/${id}`)).json().is_active as boolean;
    expect(await active(a1.id)).toBe(false);
    expect(await active(root.id)).toBe(true);
    expect(await active(b.id)).toBe(true);
    expect(await active(outside.id)).toBe(true);
    expect(await active(outsideChild.id)).toBe(true);
    for (const id of [a.id, a1.id, a2.id]) expect((await history(id)).map((r) => r.action)).toEqual(['created', 'deactivated']);
    expect((await history(b.id)).map((r) => r.action)).toEqual(['created']);
  });

  it('403 INSUFFICIENT_ROLE for a read token on PATCH and DELETE; the read token may GET', async () => {
    const d = await create({ name: 'Guarded' });
    const p = await patch(d.id, { name: 'Nope' }, readToken);
    expect(p.statusCode).toBe(403);
    expect(envelopeOf(p).code).toBe('INSUFFICIENT_ROLE');
    const del = await call(h.app, readToken, 'DELETE', `${base}/${d.id}`);
    expect(del.statusCode).toBe(403);
    expect(envelopeOf(del).code).toBe('INSUFFICIENT_ROLE');
    expect((await call(h.app, readToken, 'GET', `${base}/${d.id}`)).statusCode).toBe(200);
    expect(orgId).toMatch(/^org_/);
  });
});
