/**
 * The Authing / GenAuth face (seeds 003 and 004) driven by the real, unmodified
 * Authing Node SDK (authing-node-sdk 4.x ManagementClient) against a listening
 * server, on MariaDB and SQLite: createDepartment (top level and children by
 * each departmentIdType), getDepartment, updateDepartment (fields, status,
 * move), deleteDepartment, listChildrenDepartments; the document's envelope
 * and DepartmentDto; refusals as HTTP 200 with statusCode and apiCode; and,
 * with raw requests signed by the SDK's own helpers, what the SDK never sends:
 * bad signatures, replays (also to a second server process), old dates,
 * unknown keys, bearer tokens.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/adapters/http/app.js';
import { appDeps } from '../../src/adapters/http/deps.js';
import { dialects, openSecondHandle } from '../support/db.js';
import { orgsync } from '../support/httpCli.js';
import { apiTokensRepo } from '../../src/adapters/db/index.js';
import { call, createOrg, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';
import {
  type AccessKey,
  type AuthingAnswer,
  baseUrl,
  cliAccessKey,
  DEPARTMENT_DTO_KEYS,
  type SdkClient,
  sdkClient,
  send,
  signRequest,
  TEST_SECRET_KEY,
} from '../support/authingHarness.js';

const I18N = { name: { 'zh-CN': { enabled: false, value: '中文' }, 'en-US': { enabled: false, value: 'English' } } };

function failure(answer: AuthingAnswer, statusCode: number, apiCode: number): void {
  expect(Object.keys(answer).sort()).toEqual(['apiCode', 'data', 'message', 'requestId', 'statusCode']);
  expect(answer).toMatchObject({ statusCode, apiCode, data: null });
  expect(answer.requestId).toMatch(/\S/);
}

describe.each(dialects)('the Authing face on %s', (dialect) => {
  let h: HttpHarness;
  let host: string;
  let writer: AccessKey;
  let reader: AccessKey;
  let globexKey: AccessKey;
  let sdk: SdkClient;
  const org = 'steamory';

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'face_authing', { ORGSYNC_SECRET_KEY: TEST_SECRET_KEY });
    await createOrg(h.db, org);
    await createOrg(h.db, 'globex');
    writer = await cliAccessKey(h.db, org);
    reader = await cliAccessKey(h.db, org, ['--role', 'read']);
    globexKey = await cliAccessKey(h.db, 'globex');
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    host = baseUrl(h.app.server);
    sdk = sdkClient(writer, host);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('token create --authing prints the pair once; the row holds the secret sealed, never in plain text; without ORGSYNC_SECRET_KEY it refuses', async () => {
    expect(Object.keys(writer).sort()).toEqual(['accessKeyId', 'accessKeySecret', 'id']);
    expect(writer.accessKeyId).toMatch(/^[0-9a-f]{24}$/);
    const row = (await h.db.knex('api_tokens').where({ access_key_id: writer.accessKeyId }).first()) as Record<string, unknown>;
    expect(row.id).toBe(writer.id);
    expect(row.role).toBe('write');
    expect(String(row.secret_ciphertext)).toMatch(/^v1\./);
    for (const value of Object.values(row)) expect(String(value)).not.toContain(writer.accessKeySecret);
    expect(row.secret_sha256).not.toBe(createHash('sha256').update(writer.accessKeySecret).digest('hex'));
    const list = await orgsync(h.db, ['token', 'list', '--json']);
    expect(list.stdout).toContain(writer.accessKeyId);
    expect(list.stdout).not.toContain(writer.accessKeySecret);
    expect(list.stdout).not.toContain(String(row.secret_ciphertext));
    const refused = await orgsync(h.db, ['token', 'create', '--org', org, '--authing', '--json']);
    expect(refused.code).toBe(2);
    expect(refused.stderr + refused.stdout).toContain('ORGSYNC_SECRET_KEY');
    // The server will not start with keys it could not use: no server key, or another one.
    const noKey = await orgsync(h.db, ['serve', '--port', '0']);
    expect(noKey.code).not.toBe(0);
    expect(noKey.stderr).toContain('ORGSYNC_SECRET_KEY');
    const otherKey = await orgsync(h.db, ['serve', '--port', '0'], { ORGSYNC_SECRET_KEY: Buffer.alloc(32, 1).toString('base64') });
    expect(otherKey.code).not.toBe(0);
    expect(otherKey.stderr).toContain('sealed under another ORGSYNC_SECRET_KEY');
    const badKey = await orgsync(h.db, ['token', 'list'], { ORGSYNC_SECRET_KEY: 'too-short' });
    expect(badKey.code).not.toBe(0);
    expect(badKey.stderr).toContain('ORGSYNC_SECRET_KEY');
  });

  it('the SDK creates top-level and child departments by every departmentIdType, and reads them back', async () => {
    const created = await sdk.createDepartment({
      organizationCode: org,
      parentDepartmentId: 'root',
      name: 'Development Department',
      openDepartmentId: 'ou_7dab8a3d3cdc',
      description: 'Technical R&D Department',
      code: 'develop',
      isVirtualNode: false,
      i18n: I18N,
      customData: { icon: 'https://example.com/logo' },
      departmentIdType: 'department_id',
      postIdList: ['p1'],
      leaderUserIds: ['u1'],
      tenantId: '623c20b2a062aaaaf41b17da',
      metadata: {},
    });
    expect(created).toMatchObject({ statusCode: 200, message: 'Success' });
    expect(created.requestId).toMatch(/\S/);
    const dev = created.data;
    expect(Object.keys(dev).sort()).toEqual(DEPARTMENT_DTO_KEYS);
    expect(dev).toMatchObject({
      organizationCode: org,
      name: 'Development Department',
      parentDepartmentId: 'root',
      parentDepartmentCode: 'root',
      code: 'develop',
      openDepartmentId: 'ou_7dab8a3d3cdc',
      membersCount: 0,
      hasChildren: false,
      status: true,
      isVirtualNode: false,
      i18n: I18N,
      customData: { icon: 'https://example.com/logo' },
      leaderUserIds: ['u1'],
      postIdList: ['p1'],
    });
    expect(dev.departmentId).toMatch(/^dept_/);
    expect(new Date(dev.createdAt).toISOString()).toBe(dev.createdAt);

    const byId = await sdk.createDepartment({ organizationCode: org, parentDepartmentId: dev.departmentId, name: 'Backend' });
    const byCode = await sdk.createDepartment({ organizationCode: org, parentDepartmentId: 'develop', departmentIdType: 'code', name: 'Frontend', code: 'fe' });
    const byOpen = await sdk.createDepartment({ organizationCode: org, parentDepartmentId: 'ou_7dab8a3d3cdc', departmentIdType: 'open_department_id', name: 'QA' });
    for (const child of [byId, byCode, byOpen]) {
      expect(child.statusCode).toBe(200);
      expect(child.data).toMatchObject({ parentDepartmentId: dev.departmentId, parentDepartmentCode: 'develop' });
    }

    const got = await sdk.getDepartment({ organizationCode: org, departmentId: dev.departmentId });
    expect(got.statusCode).toBe(200);
    const { customData: _c, ...withoutCustomData } = dev;
    expect(got.data).toEqual({ ...withoutCustomData, hasChildren: true });
    expect((await sdk.getDepartment({ organizationCode: org, departmentId: dev.departmentId, withCustomData: true })).data.customData).toEqual({ icon: 'https://example.com/logo' });
    expect((await sdk.getDepartment({ organizationCode: org, departmentCode: 'fe' })).data.departmentId).toBe(byCode.data.departmentId);
    expect((await sdk.getDepartment({ organizationCode: org, departmentId: 'ou_7dab8a3d3cdc', departmentIdType: 'open_department_id' })).data.departmentId).toBe(dev.departmentId);

    const children = await sdk.listChildrenDepartments({ organizationCode: org, departmentId: dev.departmentId });
    expect(children.statusCode).toBe(200);
    expect(children.data.totalCount).toBe(3);
    expect(children.data.list.map((d: { name: string }) => d.name)).toEqual(['Backend', 'Frontend', 'QA']);
    expect(children.data.nextCursor).toBeNull();
    const top = await sdk.listChildrenDepartments({ organizationCode: org, departmentId: 'root' });
    expect(top.data.list.map((d: { name: string }) => d.name)).toEqual(['Development Department']);
  });

  it('the SDK updates fields, status and the parent, and deletes (deactivates) a leaf; a department with children is refused', async () => {
    const parent = (await sdk.createDepartment({ organizationCode: org, parentDepartmentId: 'root', name: 'Ops', code: 'ops' })).data;
    const leaf = (await sdk.createDepartment({ organizationCode: org, parentDepartmentId: parent.departmentId, name: 'SRE' })).data;
    const other = (await sdk.createDepartment({ organizationCode: org, parentDepartmentId: 'root', name: 'Platform', code: 'plat' })).data;

    const updated = await sdk.updateDepartment({ organizationCode: org, departmentId: leaf.departmentId, name: 'Site Reliability', code: 'sre', leaderUserIds: ['u9'], description: 'on call' });
    expect(updated).toMatchObject({ statusCode: 200, data: { departmentId: leaf.departmentId, name: 'Site Reliability', code: 'sre', leaderUserIds: ['u9'], description: 'on call' } });
    const moved = await sdk.updateDepartment({ organizationCode: org, departmentId: 'sre', departmentIdType: 'code', parentDepartmentId: 'plat' });
    expect(moved).toMatchObject({ statusCode: 200, data: { parentDepartmentId: other.departmentId, parentDepartmentCode: 'plat' } });

    const refused = await sdk.deleteDepartment({ organizationCode: org, departmentId: other.departmentId });
    failure(refused, 409, 40904);
    const deleted = await sdk.deleteDepartment({ organizationCode: org, departmentId: 'sre', departmentIdType: 'code' });
    expect(deleted).toMatchObject({ statusCode: 200, message: 'Success', data: { success: true } });
    expect((await sdk.getDepartment({ organizationCode: org, departmentId: leaf.departmentId })).data.status).toBe(false);
    const reactivated = await sdk.updateDepartment({ organizationCode: org, departmentId: leaf.departmentId, status: true });
    expect(reactivated.data.status).toBe(true);
    const history = (await h.db.knex('department_history').where({ department_id: leaf.departmentId }).orderBy('id')) as { action: string; actor: string }[];
    expect(history.map((r) => r.action)).toEqual(['created', 'updated', 'moved', 'deactivated', 'reactivated']);
    expect(new Set(history.map((r) => r.actor))).toEqual(new Set([writer.id]));
  });

  it('refusals keep HTTP 200 with statusCode and apiCode, as the document describes', async () => {
    await sdk.createDepartment({ organizationCode: org, parentDepartmentId: 'root', name: 'Sales', code: 'sales', openDepartmentId: 'ou_sales' });
    failure(await sdk.createDepartment({ organizationCode: org, parentDepartmentId: 'root', name: 'Sales' }), 409, 40901);
    failure(await sdk.createDepartment({ organizationCode: org, parentDepartmentId: 'root', name: 'Sales 2', code: 'sales' }), 409, 40902);
    failure(await sdk.createDepartment({ organizationCode: org, parentDepartmentId: 'root', name: 'Sales 3', openDepartmentId: 'ou_sales' }), 409, 40903);
    failure(await sdk.createDepartment({ organizationCode: org, parentDepartmentId: 'dept_nope', name: 'Orphan' }), 404, 40403);
    failure(await sdk.createDepartment({ organizationCode: org, parentDepartmentId: 'root', name: '' }), 400, 40001);
    failure(await sdk.createDepartment({ organizationCode: org, parentDepartmentId: 'root', name: 'X', departmentIdType: 'sync_relation' }), 400, 40005);
    const unknownField = await sdk.createDepartment({ organizationCode: org, parentDepartmentId: 'root', name: 'X', colour_scheme: 'red' });
    failure(unknownField, 400, 40004);
    expect(unknownField.message).toContain('colour_scheme');
    failure(await sdk.createDepartment({ organizationCode: org, name: 'No parent' }), 400, 40001);
    // The importer's aliases are accepted here too.
    expect((await sdk.createDepartment({ organizationCode: org, parentCode: 'sales', name: 'Sales EMEA', location: 'Paris' })).data.parentDepartmentCode).toBe('sales');
    for (const code of ['globex', 'nope', '']) {
      const answer = await sdk.createDepartment({ organizationCode: code, parentDepartmentId: 'root', name: 'Elsewhere' });
      failure(answer, 404, 40401);
      expect(answer.message).toBe(`organization not found for code: ${code}`);
    }
    failure(await sdk.getDepartment({ organizationCode: org, departmentId: 'dept_nope' }), 404, 40402);
    failure(await sdk.listChildrenDepartments({ organizationCode: org, departmentId: 'dept_nope' }), 404, 40402);
    failure(await sdk.deleteDepartment({ organizationCode: org, departmentId: 'dept_nope' }), 404, 40402);
    failure(await sdk.getDepartment({ organizationCode: ' ', departmentId: 'x' }), 400, 40002);
    // Another organization's key sees nothing of this one.
    failure(await sdkClient(globexKey, host).getDepartment({ organizationCode: org, departmentCode: 'sales' }), 404, 40401);
  });

  it('a read key reads and cannot write', async () => {
    const readSdk = sdkClient(reader, host);
    expect((await readSdk.getDepartment({ organizationCode: org, departmentCode: 'develop' })).statusCode).toBe(200);
    expect((await readSdk.listChildrenDepartments({ organizationCode: org, departmentId: 'root' })).statusCode).toBe(200);
    failure(await readSdk.createDepartment({ organizationCode: org, parentDepartmentId: 'root', name: 'Read Only' }), 403, 40301);
    failure(await readSdk.updateDepartment({ organizationCode: org, departmentId: 'develop', departmentIdType: 'code', name: 'Renamed' }), 403, 40301);
    failure(await readSdk.deleteDepartment({ organizationCode: org, departmentId: 'develop', departmentIdType: 'code' }), 403, 40301);
    expect(await h.db.knex('departments').where({ name: 'Read Only' }).first()).toBeUndefined();
    expect((await sdk.getDepartment({ organizationCode: org, departmentCode: 'develop' })).data.name).toBe('Development Department');
  });

  it('signatures: a bad one, an unknown key, a bearer token and no header are 401; a replay and an old date are refused', async () => {
    const body = { organizationCode: org, parentDepartmentId: 'root', name: 'Signed' };
    const path = '/api/v3/create-department';
    const bad = await send(host, signRequest(writer, 'POST', path, body, { secret: 'not-the-secret' }));
    expect(bad.status).toBe(200);
    failure(bad.body, 401, 40101);
    expect(bad.body.requestId).toBe(bad.requestIdHeader);
    failure((await send(host, signRequest({ ...writer, accessKeyId: 'ffffffffffffffffffffffff' }, 'POST', path, body))).body, 401, 40101);
    const tampered = signRequest(writer, 'POST', path, body);
    failure((await send(host, { ...tampered, body: JSON.stringify({ ...body, name: 'Tampered' }) })).body, 401, 40101);
    const bearer = await fetch(`${host}${path}`, { method: 'POST', headers: { authorization: `Bearer ${await orgToken(h.db, org)}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    failure((await bearer.json()) as AuthingAnswer, 401, 40101);
    const none = await fetch(`${host}/api/v3/get-department?organizationCode=${org}&departmentId=x`);
    failure((await none.json()) as AuthingAnswer, 401, 40101);

    const old = await send(host, signRequest(writer, 'POST', path, body, { date: new Date(Date.now() - 16 * 60_000) }));
    failure(old.body, 401, 40102);
    const future = await send(host, signRequest(writer, 'POST', path, body, { date: new Date(Date.now() + 16 * 60_000) }));
    failure(future.body, 401, 40102);

    const once = signRequest(writer, 'POST', path, body);
    expect((await send(host, once)).body.statusCode).toBe(200);
    failure((await send(host, once)).body, 401, 40103);
    // Another server process (its own pool and app) refuses the replay too: the nonce is in the database.
    const second = await openSecondHandle(h.db);
    try {
      const app2 = await buildApp(appDeps(h.config, { db: second, redis: h.redis, queue: h.queue, logger: false }));
      const replay = await app2.inject({ method: 'POST', url: path, headers: once.headers, payload: once.body });
      failure(replay.json() as AuthingAnswer, 401, 40103);
      const fresh = signRequest(writer, 'GET', '/api/v3/get-department', { organizationCode: org, departmentCode: 'develop' });
      expect((await app2.inject({ method: 'GET', url: fresh.url, headers: fresh.headers })).json()).toMatchObject({ statusCode: 200 });
      await app2.close();
    } finally {
      await second.close();
    }
    expect(await h.db.knex('departments').where({ name: 'Signed' }).count({ n: '*' }).first()).toMatchObject({ n: 1 });
    expect(await h.db.knex('authing_nonces').where({ access_key_id: writer.accessKeyId }).count({ n: '*' }).first()).not.toMatchObject({ n: 0 });
    // Expired nonces are pruned (each server process does it once a minute), the others kept.
    const tokens = apiTokensRepo(h.db);
    expect(await tokens.claimNonce(writer.accessKeyId, 'expired-nonce-1', new Date(Date.now() - 1000))).toBe(true);
    expect(await tokens.claimNonce(writer.accessKeyId, 'expired-nonce-1', new Date(Date.now() - 1000))).toBe(false);
    expect(await tokens.pruneNonces(new Date())).toBeGreaterThanOrEqual(1);
    expect(await h.db.knex('authing_nonces').where({ nonce: 'expired-nonce-1' }).first()).toBeUndefined();
    expect(await h.db.knex('authing_nonces').where({ access_key_id: writer.accessKeyId }).count({ n: '*' }).first()).not.toMatchObject({ n: 0 });
    // The access key is no bearer token, not even as `<id>.<secret>`.
    const asBearer = await call(h.app, `${writer.id}.${writer.accessKeySecret}`, 'GET', `/v1/organizations/${org}/departments`);
    expect(asBearer.statusCode).toBe(401);
  });

  it('failed signatures count against the address, and signed requests against the key: 429 with Retry-After in the envelope', async () => {
    const config = { ...h.config, http: { ...h.config.http, rateLimit: { max: 3, windowMs: 60_000 } } };
    const inject = (app: Awaited<ReturnType<typeof buildApp>>, req: ReturnType<typeof signRequest>) =>
      app.inject({ method: req.method, url: req.url, headers: req.headers, ...(req.body !== undefined ? { payload: req.body } : {}) });
    const path = '/api/v3/get-department';
    const fields = { organizationCode: org, departmentCode: 'develop' };
    const guarded = await buildApp(appDeps(config, { db: h.db, redis: h.redis, queue: h.queue, logger: false }));
    try {
      for (let i = 0; i < 3; i++) failure((await inject(guarded, signRequest(writer, 'GET', path, fields, { secret: 'wrong' }))).json() as AuthingAnswer, 401, 40101);
      const blocked = await inject(guarded, signRequest(writer, 'GET', path, fields));
      expect(blocked.statusCode).toBe(429);
      expect(blocked.headers['retry-after']).toMatch(/^\d+$/);
      failure(blocked.json() as AuthingAnswer, 429, 42900);
    } finally {
      await guarded.close();
    }
    const limited = await buildApp(appDeps(config, { db: h.db, redis: h.redis, queue: h.queue, logger: false }));
    try {
      for (let i = 0; i < 3; i++) expect(((await inject(limited, signRequest(reader, 'GET', path, fields))).json() as AuthingAnswer).statusCode).toBe(200);
      const over = await inject(limited, signRequest(reader, 'GET', path, fields));
      expect(over.statusCode).toBe(429);
      failure(over.json() as AuthingAnswer, 429, 42900);
      // Another key is not slowed by this one.
      expect(((await inject(limited, signRequest(writer, 'GET', path, fields))).json() as AuthingAnswer).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('unknown query parameters are refused; the reference documents the face', async () => {
    const res = await send(host, signRequest(writer, 'GET', '/api/v3/get-department', { organizationCode: org, departmentCode: 'develop', verbose: 'true' }));
    failure(res.body, 400, 40004);
    expect(res.body.message).toContain('verbose');
    const doc = (await h.app.inject('/openapi.json')).json() as { paths: Record<string, Record<string, { security?: unknown }>> };
    for (const [path, method] of [
      ['/api/v3/create-department', 'post'],
      ['/api/v3/get-department', 'get'],
      ['/api/v3/update-department', 'post'],
      ['/api/v3/delete-department', 'post'],
      ['/api/v3/list-children-departments', 'get'],
    ] as const) {
      expect(doc.paths[path]?.[method]?.security, path).toEqual([{ authingSignature: [] }]);
    }
  });
});
