/**
 * The departments API (the seed "Create department" contract) through
 * app.inject(), on MariaDB and SQLite: every status the route can answer, the
 * error envelope, and agreement with the importer's rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { importText } from '../support/importHarness.js';
import { call, createOrg, envelopeOf, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';

const DEPARTMENT_KEYS = [
  'id', 'name', 'description', 'parent_id', 'path', 'depth', 'organization_id', 'code', 'openDepartmentId', 'location', 'i18n',
  'customData', 'isVirtualNode', 'leaderUserIds', 'postIdList', 'member_count', 'hasChildren', 'is_active', 'color', 'created_at', 'updated_at',
].sort();

describe.each(dialects)('departments API on %s', (dialect) => {
  let h: HttpHarness;
  let token: string;
  let siblingsToken: string;
  let orgId: string;
  const base = '/v1/organizations/acme/departments';
  const post = (json: unknown, url = base, t = token) => call(h.app, t, 'POST', url, { json });

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'http_departments', { ORGSYNC_HTTP_JSON_LIMIT_BYTES: '2048' });
    orgId = (await createOrg(h.db, 'acme')).id;
    await createOrg(h.db, 'sib', 'siblings');
    await createOrg(h.db, 'globex');
    token = await orgToken(h.db, 'acme');
    siblingsToken = await orgToken(h.db, 'sib');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('201: creates a top-level department and returns the whole department object', async () => {
    const res = await post({ name: 'Engineering', description: 'Builds things', code: 'ENG', color: '#0af', leaderUserIds: ['usr_1'] });
    expect(res.statusCode).toBe(201);
    const d = res.json();
    expect(Object.keys(d).sort()).toEqual(DEPARTMENT_KEYS);
    expect(d).toMatchObject({
      name: 'Engineering',
      description: 'Builds things',
      parent_id: null,
      depth: 0,
      organization_id: orgId,
      code: 'ENG',
      member_count: 0,
      hasChildren: false,
      is_active: true,
      isVirtualNode: false,
      leaderUserIds: ['usr_1'],
      postIdList: [],
      color: '#0af',
    });
    expect(d.id).toMatch(/^dept_/);
    expect(d.path).toBe(`/${d.id}`);
    expect(d.created_at).toBe(d.updated_at);
    expect(res.headers.location).toBe(`${base}/${d.id}`);
  });

  it('201: resolves the parent by id, by code and by openDepartmentId (departmentIdType), like the importer', async () => {
    const eng = (await call(h.app, token, 'GET', `${base}?parent_id=root`)).json().data.find((d: { code: string }) => d.code === 'ENG');
    const byId = await post({ name: 'Backend', parent_id: eng.id, openDepartmentId: 'ou_backend' });
    expect(byId.statusCode).toBe(201);
    expect(byId.json()).toMatchObject({ parent_id: eng.id, depth: 1, path: `/${eng.id}/${byId.json().id}` });
    const byCode = await post({ name: 'Frontend', parentDepartmentId: 'ENG', departmentIdType: 'code' });
    expect(byCode.json()).toMatchObject({ parent_id: eng.id, depth: 1 });
    const byOpenId = await post({ name: 'APIs', parentId: 'ou_backend', departmentIdType: 'open_department_id', isVirtualNode: true, postIdList: ['p1'] });
    expect(byOpenId.statusCode).toBe(201);
    expect(byOpenId.json()).toMatchObject({ parent_id: byId.json().id, depth: 2, isVirtualNode: true, postIdList: ['p1'] });
    const root = await post({ name: 'Sales', parent_id: 'root', i18n: { name: { 'en-US': { enabled: true, value: 'Sales' } } }, customData: { icon: 'x' } });
    expect(root.json()).toMatchObject({ parent_id: null, depth: 0, customData: { icon: 'x' } });
  });

  it('normalises values exactly as an import of the same row does', async () => {
    const res = await post({ name: '  Customer\u00a0  Success ', code: ' CS ' });
    expect(res.statusCode).toBe(201);
    await importText(h.db, 'name,code\n"  Customer\u00a0  Success ", CS \n', { org: 'imported', createOrg: true });
    const imported = (await h.db.knex('departments').where('code', 'CS').select('name', 'code')) as { name: string; code: string }[];
    expect(imported).toHaveLength(2);
    expect(new Set(imported.map((d) => `${d.name}|${d.code}`))).toEqual(new Set([`${res.json().name}|${res.json().code}`]));
    expect(res.json().name).toBe('Customer Success');
  });

  it('409: name, code and openDepartmentId conflicts carry the seed code, the envelope and the conflicting value', async () => {
    const name = await post({ name: 'Engineering' });
    expect(name.statusCode).toBe(409);
    expect(envelopeOf(name)).toMatchObject({ code: 'DEPARTMENT_NAME_CONFLICT', type: 'client_error', status: 409, details: { field: 'name', name: 'Engineering' } });
    const code = await post({ name: 'Other', code: 'ENG' });
    expect(envelopeOf(code)).toMatchObject({ code: 'DUPLICATE_CODE', status: 409, details: { field: 'code', code: 'ENG' } });
    const openId = await post({ name: 'Other', openDepartmentId: 'ou_backend' });
    expect(envelopeOf(openId)).toMatchObject({ code: 'DUPLICATE_OPEN_DEPARTMENT_ID', details: { openDepartmentId: 'ou_backend' } });
    // Nothing was written by the refused requests.
    expect((await call(h.app, token, 'GET', `${base}?limit=200`)).json().data.some((d: { name: string }) => d.name === 'Other')).toBe(false);
  });

  it('in a siblings-scope organization, a name conflicts only under the same parent', async () => {
    const sibBase = '/v1/organizations/sib/departments';
    const a = (await post({ name: 'A' }, sibBase, siblingsToken)).json();
    const b = (await post({ name: 'B' }, sibBase, siblingsToken)).json();
    expect((await post({ name: 'Team', parent_id: a.id }, sibBase, siblingsToken)).statusCode).toBe(201);
    expect((await post({ name: 'Team', parent_id: b.id }, sibBase, siblingsToken)).statusCode).toBe(201);
    expect(envelopeOf(await post({ name: 'Team', parent_id: a.id }, sibBase, siblingsToken)).code).toBe('DEPARTMENT_NAME_CONFLICT');
  });

  it('400: validation errors name the field, whether the JSON shape or the importer refuses the value', async () => {
    const missing = await post({ description: 'no name' });
    expect(missing.statusCode).toBe(400);
    expect(envelopeOf(missing)).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'name' } });
    expect(envelopeOf(await post({ name: '   ' }))).toMatchObject({ code: 'NAME_REQUIRED', details: { field: 'name' } });
    expect(envelopeOf(await post({ name: 'x'.repeat(256) }))).toMatchObject({ code: 'NAME_TOO_LONG', details: { field: 'name' } });
    // 255 characters (astral ones count once, as the importer counts them) is fine.
    expect((await post({ name: '😀'.repeat(255) })).statusCode).toBe(201);
    expect(envelopeOf(await post({ name: 'Bad\u0007Bell' }))).toMatchObject({ code: 'INVALID_FIELD', details: { field: 'name' } });
    // A key the importer knows under no name is refused by name (`colour`, the importer's alias of color, is taken: dept-create-lookup.test.ts).
    expect(envelopeOf(await post({ name: 'X', flavour: 'red' }))).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'flavour' } });
    expect(envelopeOf(await post({ name: 'X', isVirtualNode: 'yes' }))).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'isVirtualNode' } });
    expect(envelopeOf(await post({ name: 'X', parent_id: 'a', parentId: 'b' }))).toMatchObject({ code: 'INVALID_FIELD', details: { field: 'parent_id' } });
    const deep = await call(h.app, token, 'POST', `${base}?maxDepth=2`, { json: { name: 'Too deep', parentId: 'ou_backend', departmentIdType: 'open_department_id' } });
    expect(envelopeOf(deep)).toMatchObject({ code: 'DEPTH_EXCEEDED', status: 400 });
    const notJson = await call(h.app, token, 'POST', base, { payload: '{"name": ', headers: { 'content-type': 'application/json' } });
    expect(envelopeOf(notJson)).toMatchObject({ code: 'INVALID_JSON', status: 400 });
  });

  it('404: unknown parent, unknown organization, another organization', async () => {
    const parent = await post({ name: 'Orphan', parent_id: 'dept_NOPE' });
    expect(parent.statusCode).toBe(404);
    expect(envelopeOf(parent)).toMatchObject({ code: 'PARENT_NOT_FOUND', details: { field: 'parent_id', parent_id: 'dept_NOPE' } });
    const byCode = await post({ name: 'Orphan', parentDepartmentId: 'NOPE', departmentIdType: 'code' });
    expect(envelopeOf(byCode)).toMatchObject({ code: 'PARENT_NOT_FOUND', details: { field: 'parentDepartmentId' } });
    expect(envelopeOf(await post({ name: 'X' }, '/v1/organizations/nope/departments'))).toMatchObject({ code: 'ORGANIZATION_NOT_FOUND', status: 404 });
    expect(envelopeOf(await post({ name: 'X' }, '/v1/organizations/globex/departments'))).toMatchObject({ code: 'ORGANIZATION_NOT_FOUND', status: 404 });
  });

  it('413 over the JSON body limit, 415 for another content type', async () => {
    const big = await post({ name: 'Big', description: 'x'.repeat(4096) });
    expect(big.statusCode).toBe(413);
    expect(envelopeOf(big)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit_bytes: 2048 } });
    const text = await call(h.app, token, 'POST', base, { payload: 'name=Sales', headers: { 'content-type': 'text/plain' } });
    expect(text.statusCode).toBe(415);
    expect(envelopeOf(text).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const csv = await call(h.app, token, 'POST', base, { payload: 'name\nSales\n', headers: { 'content-type': 'text/csv' } });
    expect(csv.statusCode).toBe(415);
  });

  it('GET list: paginated, filtered by parent and by active', async () => {
    const all = (await call(h.app, token, 'GET', `${base}?limit=200`)).json();
    const total = all.data.length as number;
    expect(all.pagination).toEqual({ limit: 200, next_cursor: null, has_more: false });
    const names = all.data.map((d: { name: string }) => d.name);
    expect(names).toEqual([...names].sort());
    // Keyset pages: the cursor continues where the previous page stopped.
    const first = (await call(h.app, token, 'GET', `${base}?limit=2`)).json();
    expect(first.pagination).toMatchObject({ limit: 2, has_more: true });
    const page = (await call(h.app, token, 'GET', `${base}?limit=2&cursor=${first.pagination.next_cursor}`)).json();
    expect(page.data.map((d: { id: string }) => d.id)).toEqual(all.data.slice(2, 4).map((d: { id: string }) => d.id));
    const eng = all.data.find((d: { code: string }) => d.code === 'ENG');
    expect(eng.hasChildren).toBe(true);
    const children = (await call(h.app, token, 'GET', `${base}?parent_id=${eng.id}`)).json().data.map((d: { name: string }) => d.name);
    expect(children).toEqual(['Backend', 'Frontend']);
    const roots = (await call(h.app, token, 'GET', `${base}?parent_id=root&limit=200`)).json().data;
    expect(roots.every((d: { parent_id: null }) => d.parent_id === null)).toBe(true);
    await h.db.knex('departments').where('code', 'ENG').update({ is_active: false });
    const inactive = (await call(h.app, token, 'GET', `${base}?is_active=false`)).json();
    expect(inactive.data.map((d: { code: string }) => d.code)).toEqual(['ENG']);
    expect((await call(h.app, token, 'GET', `${base}?is_active=true&limit=200`)).json().data).toHaveLength(total - 1);
    const bad = await call(h.app, token, 'GET', `${base}?limit=0`);
    expect(envelopeOf(bad)).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'limit', location: 'querystring' } });
  });

  it('GET tree: nested, siblings in creation order (by id); is_active=true hides an inactive department with its subtree', async () => {
    const tree = (await call(h.app, token, 'GET', `${base}/tree`)).json().data;
    const eng = tree.find((n: { code: string }) => n.code === 'ENG');
    expect(eng.children.map((c: { name: string }) => c.name)).toEqual(['Backend', 'Frontend']);
    expect(eng.children[0].children.map((c: { name: string }) => c.name)).toEqual(['APIs']);
    const active = (await call(h.app, token, 'GET', `${base}/tree?is_active=true`)).json().data;
    expect(active.some((n: { code: string }) => n.code === 'ENG')).toBe(false);
    expect(JSON.stringify(active)).not.toContain('Backend');
  });

  it('GET one: 200, and 404 for an unknown id or a department of another organization', async () => {
    const any = (await call(h.app, token, 'GET', base)).json().data[0];
    const one = await call(h.app, token, 'GET', `${base}/${any.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(any);
    expect(envelopeOf(await call(h.app, token, 'GET', `${base}/dept_NOPE`))).toMatchObject({ code: 'DEPARTMENT_NOT_FOUND', status: 404 });
    const other = (await post({ name: 'Elsewhere' }, '/v1/organizations/sib/departments', siblingsToken)).json();
    expect((await call(h.app, token, 'GET', `${base}/${other.id}`)).statusCode).toBe(404);
    // The org id works in the path as well as the code.
    expect((await call(h.app, token, 'GET', `/v1/organizations/${orgId}/departments/${any.id}`)).statusCode).toBe(200);
  });
});
