/**
 * The HR app face (seed 002) on MariaDB and SQLite: POST /department/new,
 * admin only, the organization from the token; every status and envelope,
 * each checked against the seed document's examples (its field names, its
 * status codes, its error bodies word for word).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositories } from '../../src/adapters/db/index.js';
import { buildApp } from '../../src/adapters/http/app.js';
import { createToken } from '../../src/app/tokens.js';
import type { TokenRole } from '../../src/core/tokenRoles.js';
import { dialects } from '../support/db.js';
import { adminToken, call, createOrg, type HttpHarness, openHttpHarness, testConfig } from '../support/httpHarness.js';

/** The seed document's examples (seed 002, "Create a new department"), verbatim. */
const seed = {
  created: {
    message: 'Department created successfully',
    data: {
      department: {
        _id: '64b7f7g8h9i0j1k2l3m4n5o',
        name: 'Quality Assurance',
        description: 'Ensures product quality and testing standards',
        parentId: '64b7f2b3e4b0a5d3f9c54321',
        createdAt: '2024-01-15T10:30:00.000Z',
        updatedAt: '2024-01-15T10:30:00.000Z',
      },
    },
  },
  /** The first example's populated parent. */
  parentDepartment: { _id: '64ef3c29f9a1c27e1b2c3aaa', name: 'Technology', description: 'Some description for this department', code: 'TECH' },
  nameExists: { error: { code: 'VALIDATION_ERROR', message: 'Department name already exists' } },
  unauthorized: { error: { code: 'UNAUTHORIZED', message: 'Missing or invalid token or insufficient permissions' } },
};

const URL_NEW = '/department/new';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/;

interface HrDept {
  _id: string;
  name: string;
  description: string | null;
  code: string | null;
  location: string | null;
  parentId: string | null;
  parentDepartment: { _id: string; name: string; description: string | null; code: string | null } | null;
  createdAt: string;
  updatedAt: string;
}

describe.each(dialects)('the HR app face on %s', (dialect) => {
  let h: HttpHarness;
  let admin: string;
  const tokens: Partial<Record<TokenRole | 'globexAdmin' | 'operator', string>> = {};
  const token = (role: TokenRole, org = 'acme') => createToken(repositories(h.db), { organizationCode: org, isAdmin: false, role }).then((t) => t.token);
  const create = async (json: Record<string, unknown>, t = admin): Promise<HrDept> => {
    const res = await call(h.app, t, 'POST', URL_NEW, { json });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { message: string; data: { department: HrDept } };
    expect(body.message).toBe(seed.created.message);
    return body.data.department;
  };

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'face_hr');
    await createOrg(h.db, 'acme');
    await createOrg(h.db, 'globex');
    admin = await token('admin');
    tokens.write = await token('write');
    tokens.read = await token('read');
    tokens.globexAdmin = await token('admin', 'globex');
    tokens.operator = await adminToken(h.db);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('200 with the document\'s envelope and department fields, for a root department and a sub-department (parentId and parentDepartment)', async () => {
    const res = await call(h.app, admin, 'POST', URL_NEW, { json: { name: 'Technology', description: 'Some description for this department', code: 'TECH' } });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { message: string; data: { department: HrDept } };
    expect(Object.keys(body).sort()).toEqual(Object.keys(seed.created).sort());
    expect(Object.keys(body.data)).toEqual(['department']);
    const tech = body.data.department;
    // Every field of the document's department, plus code, location and the populated parent of its first example.
    expect(Object.keys(tech)).toEqual(expect.arrayContaining(Object.keys(seed.created.data.department)));
    expect(Object.keys(tech).sort()).toEqual([...Object.keys(seed.created.data.department), 'code', 'location', 'parentDepartment'].sort());
    expect(tech).toMatchObject({ name: 'Technology', parentId: null, parentDepartment: null, code: 'TECH', location: null });
    expect(tech.createdAt).toMatch(ISO);
    expect(tech.updatedAt).toBe(tech.createdAt);

    const qa = await create({ name: 'Quality Assurance', description: 'Ensures product quality and testing standards', parentId: tech._id });
    expect(qa).toMatchObject({ name: 'Quality Assurance', description: seed.created.data.department.description, parentId: tech._id });
    expect(Object.keys(qa.parentDepartment!).sort()).toEqual(Object.keys(seed.parentDepartment).sort());
    expect(qa.parentDepartment).toEqual({ _id: tech._id, name: 'Technology', description: 'Some description for this department', code: 'TECH' });

    // The document's first example: every field, the parent as parentDepartment.
    const eng = await create({ name: 'Engineering', description: 'Handles all software engineering operations', code: 'ENG-001', location: 'San Francisco HQ', parentDepartment: tech._id });
    expect(eng).toMatchObject({ code: 'ENG-001', location: 'San Francisco HQ', parentId: tech._id, parentDepartment: { _id: tech._id } });
    // The importer's aliases: parent_id, parentCode; null and "root" mean the root level.
    expect(await create({ name: 'Digital Marketing', parent_id: eng._id })).toMatchObject({ parentId: eng._id });
    expect(await create({ name: 'Data Science', parentCode: 'ENG-001' })).toMatchObject({ parentId: eng._id });
    expect(await create({ name: 'Marketing', description: 'Marketing and promotional activities', parentDepartment: null })).toMatchObject({ parentId: null });
    expect(await create({ name: 'Legal', parentId: 'root' })).toMatchObject({ parentId: null });
  });

  it('400 VALIDATION_ERROR in the document\'s envelope: the name conflict word for word, and every other validation failure', async () => {
    await create({ name: 'Finance' });
    const dup = await call(h.app, admin, 'POST', URL_NEW, { json: { name: 'Finance' } });
    expect(dup.statusCode).toBe(400);
    expect(dup.json()).toEqual(seed.nameExists);
    // "Department names are case-sensitive", as the document says.
    expect((await create({ name: 'finance' })).name).toBe('finance');
    await create({ name: 'Payroll', code: 'PAY' });
    const cases: [Record<string, unknown> | string, string][] = [
      [{ description: 'no name' }, 'Department name is required'],
      [{ name: '' }, 'Department name is required'],
      [{ name: 'Payroll 2', code: 'PAY' }, 'Department code already exists'],
      [{ name: 'Orphan', parentId: 'dept_01JC6Z8W5Q2R3S4T5V6W7X8Y9Z' }, 'Parent department not found'],
      [{ name: 'Orphan', parentCode: 'NOPE' }, 'Parent department not found'],
      [{ name: 'Extra', manager: 'usr_1' }, 'Unknown field "manager".'],
      [{ name: 7 }, ''],
      [{ name: 'x'.repeat(256) }, ''],
      ['{"name":', ''],
    ];
    for (const [json, message] of cases) {
      const res =
        typeof json === 'string'
          ? await call(h.app, admin, 'POST', URL_NEW, { payload: json, headers: { 'content-type': 'application/json' } })
          : await call(h.app, admin, 'POST', URL_NEW, { json });
      expect(res.statusCode, JSON.stringify(json)).toBe(400);
      const body = res.json() as { error: { code: string; message: string } };
      expect(Object.keys(body)).toEqual(['error']);
      expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
      expect(body.error.code).toBe('VALIDATION_ERROR');
      if (message) expect(body.error.message).toBe(message);
    }
  });

  it('401 UNAUTHORIZED for a missing or invalid token and for any token but the organization\'s admin role', async () => {
    for (const t of [undefined, 'not-a-token', 'tok_01JC6Z7P4N3M2K1J0H9G8F7E6D.c2VjcmV0', tokens.write, tokens.read]) {
      const res = await call(h.app, t, 'POST', URL_NEW, { json: { name: 'Nope' } });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual(seed.unauthorized);
    }
    // The operator token names no organization: refused, saying so.
    const operator = await call(h.app, tokens.operator, 'POST', URL_NEW, { json: { name: 'Nope' } });
    expect(operator.statusCode).toBe(401);
    expect(operator.json()).toMatchObject({ error: { code: 'UNAUTHORIZED', message: expect.stringContaining('--role admin') } });
    // Nothing was created by any of them.
    expect(await h.db.knex('departments').where({ name: 'Nope' })).toEqual([]);
  });

  it('the organization comes from the token: the same name in another organization is no conflict', async () => {
    await create({ name: 'Shared Name' });
    const globex = await create({ name: 'Shared Name' }, tokens.globexAdmin);
    const inGlobex = await call(h.app, tokens.operator, 'GET', `/v1/organizations/globex/departments/${globex._id}`);
    expect(inGlobex.json()).toMatchObject({ name: 'Shared Name', organization_id: expect.stringMatching(/^org_/) });
    expect((await call(h.app, tokens.operator, 'GET', `/v1/organizations/acme/departments/${globex._id}`)).statusCode).toBe(404);
  });

  it('wrong media type and unknown routes answer in the face\'s envelope; the OpenAPI document has the route', async () => {
    const form = await call(h.app, admin, 'POST', URL_NEW, { payload: 'name=x', headers: { 'content-type': 'text/plain' } });
    expect(form.statusCode).toBe(415);
    expect(form.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    const missing = await call(h.app, admin, 'GET', '/department/list');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const doc = (await h.app.inject('/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/department/new'] ?? {})).toEqual(['post']);
  });

  it('the same per-token rate limit and failed-authentication accounting as /v1, in the face\'s envelope', async () => {
    const app = await buildApp({ db: h.db, repos: repositories(h.db), config: testConfig(`face-hr-rl-${dialect}`, { ORGSYNC_HTTP_RATE_LIMIT: '2' }), queue: h.queue, readiness: [], logger: false });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) codes.push((await call(app, admin, 'POST', URL_NEW, { json: { name: `Limited ${i}` } })).statusCode);
      expect(codes).toEqual([200, 200, 429]);
      expect((await call(app, admin, 'POST', URL_NEW, { json: { name: 'Limited 9' } })).json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
      const guess = () => app.inject({ method: 'POST', url: URL_NEW, remoteAddress: '203.0.113.7', headers: { authorization: 'Bearer tok_01JC6Z7P4N3M2K1J0H9G8F7E6D.eA' } });
      expect([(await guess()).statusCode, (await guess()).statusCode, (await guess()).statusCode]).toEqual([401, 401, 429]);
    } finally {
      await app.close();
    }
  });
});
