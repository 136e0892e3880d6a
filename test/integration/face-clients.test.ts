/**
 * The clients API face (seed 001) on MariaDB and SQLite: every route, status
 * and envelope, each checked against the seed document's examples (its field
 * names, its status codes, its error bodies word for word).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositories } from '../../src/adapters/db/index.js';
import { buildApp } from '../../src/adapters/http/app.js';
import { createToken } from '../../src/app/tokens.js';
import { dialects } from '../support/db.js';
import { adminToken, call, createOrg, type HttpHarness, openHttpHarness, orgToken, testConfig } from '../support/httpHarness.js';

/** The seed document's examples (seed 001, "Create Department"), verbatim. */
const seed = {
  department: {
    id: 'd1a2b3c4-e5f6-7890-abcd-ef1234567890',
    name: 'Engineering',
    description: 'Software development and infrastructure teams',
    member_count: 0,
    created_at: '2026-02-24T10:00:00.000Z',
    updated_at: '2026-02-24T10:00:00.000Z',
  },
  missingName: { error: { code: 'invalid_request', message: 'Department name is required', details: { field: 'name' } } },
  conflict: { error: { code: 'conflict', message: 'A department with this name already exists', details: { name: 'Engineering' } } },
};
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/;

interface Dept {
  id: string;
  name: string;
  description: string | null;
  member_count: number;
  created_at: string;
  updated_at: string;
}

describe.each(dialects)('the clients API face on %s', (dialect) => {
  let h: HttpHarness;
  let token: string;
  let readToken: string;
  let globexToken: string;
  let admin: string;
  let acmeId: string;
  const base = '/v2/clients/acme/departments';
  const create = async (json: Record<string, unknown>, url = base, t = token): Promise<Dept> => {
    const res = await call(h.app, t, 'POST', url, { json });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Dept;
  };
  const errorOf = (res: { json(): unknown }) => (res.json() as { error: { code: string; message: string; details?: Record<string, unknown> } }).error;

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'face_clients');
    acmeId = (await createOrg(h.db, 'acme')).id;
    await createOrg(h.db, 'globex');
    token = await orgToken(h.db, 'acme');
    globexToken = await orgToken(h.db, 'globex');
    readToken = (await createToken(repositories(h.db), { organizationCode: 'acme', isAdmin: false, role: 'read' })).token;
    admin = await adminToken(h.db);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('POST: 201 with exactly the document\'s Department fields (with name and description, and with name only)', async () => {
    const res = await call(h.app, token, 'POST', base, { json: { name: 'Engineering', description: 'Software development and infrastructure teams' } });
    expect(res.statusCode).toBe(201);
    const body = res.json() as Dept;
    expect(Object.keys(body).sort()).toEqual(Object.keys(seed.department).sort());
    expect(body).toMatchObject({ name: seed.department.name, description: seed.department.description, member_count: 0 });
    expect(body.created_at).toMatch(ISO);
    expect(body.updated_at).toBe(body.created_at);
    expect(res.headers.location).toBe(`${base}/${body.id}`);
    const salesOnly = await create({ name: 'Sales' });
    expect(salesOnly).toMatchObject({ name: 'Sales', description: null, member_count: 0 });
    // The client by its id works as by its code.
    expect((await call(h.app, token, 'GET', `/v2/clients/${acmeId}/departments/${body.id}`)).json()).toEqual(body);
  });

  it('400 and 409 are the document\'s bodies, word for word', async () => {
    for (const json of [{ description: 'x' }, { name: '' }, { name: '   ' }, {}]) {
      const res = await call(h.app, token, 'POST', base, { json });
      expect(res.statusCode, JSON.stringify(json)).toBe(400);
      expect(res.json()).toEqual(seed.missingName);
    }
    await create({ name: 'Conflicted' });
    const conflict = await call(h.app, token, 'POST', base, { json: { name: 'Engineering', description: 'again' } });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toEqual(seed.conflict);
  });

  it('the importer\'s aliases of name and description are taken; any other key, a wrong type or bad JSON is 400 invalid_request naming the field', async () => {
    const aliased = await create({ departmentName: 'Finance', desc: 'Money' });
    expect(aliased).toMatchObject({ name: 'Finance', description: 'Money' });
    for (const [json, field] of [
      [{ name: 'Ops', code: 'OPS' }, 'code'],
      [{ name: 'Ops', parent_id: 'root' }, 'parent_id'],
      [{ name: 'Ops', member_count: 3 }, 'member_count'],
      [{ name: 5 }, 'name'],
      [{ name: 'Ops', description: ['x'] }, 'description'],
    ] as const) {
      const res = await call(h.app, token, 'POST', base, { json });
      expect(res.statusCode, JSON.stringify(json)).toBe(400);
      expect(errorOf(res)).toMatchObject({ code: 'invalid_request', details: { field } });
    }
    const tooLong = await call(h.app, token, 'POST', base, { json: { name: 'x'.repeat(256) } });
    expect(errorOf(tooLong)).toMatchObject({ code: 'invalid_request', details: { field: 'name' } });
    const twice = await call(h.app, token, 'POST', base, { json: { name: 'A', departmentName: 'B' } });
    expect(errorOf(twice)).toMatchObject({ code: 'invalid_request', details: { field: 'name' } });
    const badJson = await call(h.app, token, 'POST', base, { payload: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(badJson.statusCode).toBe(400);
    expect(errorOf(badJson).code).toBe('invalid_request');
    const form = await call(h.app, token, 'POST', base, { payload: 'name=x', headers: { 'content-type': 'text/plain' } });
    expect(form.statusCode).toBe(415);
    expect(errorOf(form).code).toBe('unsupported_media_type');
  });

  it('401 without a valid token, 403 for another client or a read token writing, 404 for an unknown client, on every route', async () => {
    const d = await create({ name: 'Guarded' });
    const routes = [
      ['POST', base, { name: 'X' }],
      ['GET', base, undefined],
      ['GET', `${base}/${d.id}`, undefined],
      ['PATCH', `${base}/${d.id}`, { name: 'Y' }],
      ['DELETE', `${base}/${d.id}`, undefined],
    ] as const;
    for (const [method, url, json] of routes) {
      for (const t of [undefined, 'not-a-token', 'tok_01JC6Z7P4N3M2K1J0H9G8F7E6D.c2VjcmV0']) {
        const res = await call(h.app, t, method, url, { json });
        expect(res.statusCode, `${method} ${url}`).toBe(401);
        expect(res.json()).toEqual({ error: { code: 'unauthorized', message: 'Authentication required' } });
      }
      const other = await call(h.app, globexToken, method, url, { json });
      expect(other.statusCode, `${method} ${url} by globex`).toBe(403);
      expect(errorOf(other)).toMatchObject({ code: 'forbidden', message: 'Insufficient permissions for this client' });
      const unknown = await call(h.app, token, method, url.replace('/acme/', '/no-such-client/'), { json });
      expect(unknown.statusCode, `${method} ${url} unknown client`).toBe(404);
      expect(unknown.json()).toEqual({ error: { code: 'not_found', message: 'Client not found', details: { client_id: 'no-such-client' } } });
      const read = await call(h.app, readToken, method, url, { json });
      if (method === 'GET') expect(read.statusCode).toBe(200);
      else {
        expect(read.statusCode, `${method} ${url} by a read token`).toBe(403);
        expect(errorOf(read).code).toBe('forbidden');
      }
    }
    // The operator token acts on every client.
    expect((await call(h.app, admin, 'GET', `/v2/clients/globex/departments`)).statusCode).toBe(200);
    expect((await call(h.app, admin, 'POST', `/v2/clients/globex/departments`, { json: { name: 'Guarded' } })).statusCode).toBe(201);
  });

  it('GET lists a page at a time (cursor), filters by name, refuses an unknown parameter, and GET one answers 404 not_found for a stranger', async () => {
    await createOrg(h.db, 'paged');
    const paged = await orgToken(h.db, 'paged');
    for (const name of ['A', 'B', 'C', 'D', 'E']) await create({ name }, '/v2/clients/paged/departments', paged);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await call(h.app, paged, 'GET', `/v2/clients/paged/departments?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json() as { data: Dept[]; has_more: boolean; next_cursor: string | null };
      expect(Object.keys(page).sort()).toEqual(['data', 'has_more', 'next_cursor']);
      for (const d of page.data) expect(Object.keys(d).sort()).toEqual(Object.keys(seed.department).sort());
      seen.push(...page.data.map((d) => d.name));
      expect(page.has_more).toBe(page.next_cursor !== null);
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    expect(seen.sort()).toEqual(['A', 'B', 'C', 'D', 'E']);
    const byName = (await call(h.app, paged, 'GET', '/v2/clients/paged/departments?name=C')).json() as { data: Dept[] };
    expect(byName.data.map((d) => d.name)).toEqual(['C']);
    const unknownParam = await call(h.app, paged, 'GET', '/v2/clients/paged/departments?parent=root');
    expect(unknownParam.statusCode).toBe(400);
    expect(errorOf(unknownParam)).toMatchObject({ code: 'invalid_request', details: { field: 'parent' } });
    const badLimit = await call(h.app, paged, 'GET', '/v2/clients/paged/departments?limit=0');
    expect(errorOf(badLimit)).toMatchObject({ code: 'invalid_request', details: { field: 'limit' } });
    const badCursor = await call(h.app, paged, 'GET', '/v2/clients/paged/departments?cursor=not-ours');
    expect(badCursor.statusCode).toBe(400);
    expect(errorOf(badCursor).code).toBe('invalid_request');
    // A department of another client is not found here, even by an operator.
    const mine = byName.data[0]!;
    for (const t of [token, admin]) {
      const res = await call(h.app, t, 'GET', `${base}/${mine.id}`);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'not_found', message: 'Department not found', details: { department_id: mine.id } } });
    }
  });

  it('PATCH edits name or description (same conflicts and 400s as create); member_count follows the members', async () => {
    const d = await create({ name: 'Support', description: 'Help desk' });
    const res = await call(h.app, token, 'PATCH', `${base}/${d.id}`, { json: { description: 'Customer support' } });
    expect(res.statusCode).toBe(200);
    const patched = res.json() as Dept;
    expect(patched).toMatchObject({ id: d.id, name: 'Support', description: 'Customer support', created_at: d.created_at });
    expect(Object.keys(patched).sort()).toEqual(Object.keys(seed.department).sort());
    expect((await call(h.app, token, 'PATCH', `${base}/${d.id}`, { json: { departmentName: 'Customer Support' } })).json()).toMatchObject({ name: 'Customer Support' });
    const conflict = await call(h.app, token, 'PATCH', `${base}/${d.id}`, { json: { name: 'Engineering' } });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toEqual(seed.conflict);
    const empty = await call(h.app, token, 'PATCH', `${base}/${d.id}`, { json: { name: '' } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toEqual(seed.missingName);
    expect(errorOf(await call(h.app, token, 'PATCH', `${base}/${d.id}`, { json: { is_active: false } }))).toMatchObject({ code: 'invalid_request', details: { field: 'is_active' } });
    expect((await call(h.app, token, 'PATCH', `${base}/dept_nope`, { json: { name: 'Z' } })).statusCode).toBe(404);
    const member = await call(h.app, token, 'POST', `/v1/organizations/acme/departments/${d.id}/members`, { json: { user_id: 'usr_1' } });
    expect(member.statusCode).toBe(201);
    expect(((await call(h.app, token, 'GET', `${base}/${d.id}`)).json() as Dept).member_count).toBe(1);
  });

  it('DELETE removes the department (204, then 404 and no longer listed), and is 409 conflict while it has sub-departments', async () => {
    const d = await create({ name: 'Temporary' });
    const res = await call(h.app, token, 'DELETE', `${base}/${d.id}`);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await call(h.app, token, 'GET', `${base}/${d.id}`)).statusCode).toBe(404);
    expect((await call(h.app, token, 'DELETE', `${base}/${d.id}`)).statusCode).toBe(404);
    expect((await call(h.app, token, 'PATCH', `${base}/${d.id}`, { json: { name: 'Back' } })).statusCode).toBe(404);
    const listed = (await call(h.app, token, 'GET', `${base}?name=Temporary`)).json() as { data: Dept[] };
    expect(listed.data).toEqual([]);
    // The row is kept, deactivated (the /v1 face still shows it).
    expect((await call(h.app, token, 'GET', `/v1/organizations/acme/departments/${d.id}`)).json()).toMatchObject({ is_active: false });
    const parent = await create({ name: 'Parent' });
    const child = await call(h.app, token, 'POST', '/v1/organizations/acme/departments', { json: { name: 'Child', parent_id: parent.id } });
    expect(child.statusCode).toBe(201);
    const refused = await call(h.app, token, 'DELETE', `${base}/${parent.id}`);
    expect(refused.statusCode).toBe(409);
    expect(errorOf(refused)).toMatchObject({ code: 'conflict', details: { department_id: parent.id } });
  });

  it('an unknown route under the face answers in its envelope; the OpenAPI document has every route', async () => {
    const res = await call(h.app, token, 'GET', '/v2/clients/acme/nothing');
    expect(res.statusCode).toBe(404);
    expect(errorOf(res).code).toBe('not_found');
    const doc = (await h.app.inject('/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/v2/clients/{client_id}/departments'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/v2/clients/{client_id}/departments/{department_id}'] ?? {}).sort()).toEqual(['delete', 'get', 'patch']);
  });

  it('the same per-token rate limit and failed-authentication accounting as /v1, in the face\'s envelope', async () => {
    const app = await buildApp({ db: h.db, repos: repositories(h.db), config: testConfig(`face-clients-rl-${dialect}`, { ORGSYNC_HTTP_RATE_LIMIT: '3' }), queue: h.queue, readiness: [], logger: false });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) codes.push((await call(app, token, 'GET', base)).statusCode);
      expect(codes).toEqual([200, 200, 200, 429]);
      const limited = await call(app, token, 'GET', base);
      expect(errorOf(limited).code).toBe('rate_limited');
      expect(limited.headers['retry-after']).toBeDefined();
      const guess = (t: string) => app.inject({ method: 'GET', url: base, remoteAddress: '203.0.113.9', headers: { authorization: `Bearer ${t}` } });
      const guesses: number[] = [];
      for (let i = 0; i < 4; i++) guesses.push((await guess(`tok_01JC6Z7P4N3M2K1J0H9G8F7E6${i}.eA`)).statusCode);
      expect(guesses).toEqual([401, 401, 401, 429]);
      expect(errorOf(await guess('x')).code).toBe('rate_limited');
    } finally {
      await app.close();
    }
  });
});
