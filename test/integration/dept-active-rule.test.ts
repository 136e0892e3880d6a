/**
 * The activity rule through every API path (issue 12: "an active department
 * under an inactive parent must not be possible through any path"), on
 * MariaDB and SQLite: a create under an inactive parent on each of the four
 * faces (Aitronos, clients, HR, Authing), a reactivation under an inactive
 * parent (PATCH is_active, Authing's status), and a move of an active
 * department under an inactive one (reparent, Authing's parentDepartmentId).
 * Each refusal leaves the store as it was, and the store never holds an
 * active department under an inactive one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositories } from '../../src/adapters/db/index.js';
import { createToken } from '../../src/app/tokens.js';
import { dialects } from '../support/db.js';
import { importText, treeShape } from '../support/importHarness.js';
import { call, createOrg, envelopeOf, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';
import { type AccessKey, type AuthingAnswer, baseUrl, cliAccessKey, type SdkClient, sdkClient, TEST_SECRET_KEY } from '../support/authingHarness.js';

const ORG = 'acme';
/** ENG > BE; SALES; OPS inactive > LEG inactive. */
const BASE = 'name,code,parentCode,is_active\nEngineering,ENG,,\nBackend,BE,ENG,\nSales,SALES,,\nOps,OPS,,false\nLegacy,LEG,OPS,false\n';

describe.each(dialects)('the activity rule through the API on %s', (dialect) => {
  let h: HttpHarness;
  let token: string;
  let hrAdmin: string;
  let authing: AccessKey;
  let sdk: SdkClient;
  const ids: Record<string, string> = {};
  let before: string[];

  /** Active departments whose parent is inactive (must always be none). */
  const violations = async () =>
    (await h.db
      .knex('departments as c')
      .join('departments as p', 'p.id', 'c.parent_id')
      .where('c.is_active', true)
      .andWhere('p.is_active', false)
      .select('c.code')) as { code: string }[];

  const expectUnchanged = async () => {
    expect(await treeShape(h.db, ORG)).toEqual(before);
    expect(await violations()).toEqual([]);
  };

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'dept_active_rule', { ORGSYNC_SECRET_KEY: TEST_SECRET_KEY });
    await createOrg(h.db, ORG);
    const report = await importText(h.db, BASE, { org: ORG });
    expect(report.errors).toEqual([]);
    for (const r of (await h.db.knex('departments').select('id', 'code')) as { id: string; code: string }[]) ids[r.code] = r.id;
    token = await orgToken(h.db, ORG);
    hrAdmin = (await createToken(repositories(h.db), { organizationCode: ORG, isAdmin: false, role: 'admin' })).token;
    authing = await cliAccessKey(h.db, ORG);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    sdk = sdkClient(authing, baseUrl(h.app.server));
    before = await treeShape(h.db, ORG);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('Aitronos: POST under an inactive parent is 409 PARENT_INACTIVE, by id and by code', async () => {
    const url = `/v1/organizations/${ORG}/departments`;
    const byId = await call(h.app, token, 'POST', url, { json: { name: 'Runbooks', parent_id: ids.OPS } });
    expect(byId.statusCode, byId.body).toBe(409);
    expect(envelopeOf(byId)).toMatchObject({ code: 'PARENT_INACTIVE', details: { field: 'parent_id', parent_id: ids.OPS } });
    const byCode = await call(h.app, token, 'POST', url, { json: { name: 'Runbooks', parentCode: 'LEG' } });
    expect(byCode.statusCode, byCode.body).toBe(409);
    expect(envelopeOf(byCode).code).toBe('PARENT_INACTIVE');
    await expectUnchanged();
    // An inactive department under an inactive parent breaks no rule.
    const inactive = await call(h.app, token, 'POST', url, { json: { name: 'Archive', parent_id: ids.OPS, is_active: false } });
    expect(inactive.statusCode, inactive.body).toBe(201);
    before = await treeShape(h.db, ORG);
    expect(before.filter((l) => l.startsWith('Ops > Archive ')).map((l) => l.includes('| inactive |'))).toEqual([true]);
  });

  it('clients: a create has no parent (top level only), and a parent field is refused', async () => {
    const res = await call(h.app, token, 'POST', `/v2/clients/${ORG}/departments`, { json: { name: 'Runbooks', parent_id: ids.OPS } });
    expect(res.statusCode, res.body).toBe(400);
    expect((res.json() as { error: { code: string } }).error.code).toBe('invalid_request');
    await expectUnchanged();
  });

  it('HR: POST /department/new under an inactive parent is 400 VALIDATION_ERROR (parentId and parentDepartment)', async () => {
    for (const json of [{ name: 'Runbooks', parentId: ids.OPS }, { name: 'Runbooks', parentDepartment: ids.LEG }]) {
      const res = await call(h.app, hrAdmin, 'POST', '/department/new', { json });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toEqual({ error: { code: 'VALIDATION_ERROR', message: 'Parent department is inactive' } });
    }
    await expectUnchanged();
  });

  it('Authing: create-department under an inactive parent is refused (409, apiCode 40906)', async () => {
    const refused = (answer: AuthingAnswer) => expect(answer).toMatchObject({ statusCode: 409, apiCode: 40906, data: null });
    refused(await sdk.createDepartment({ organizationCode: ORG, parentDepartmentId: ids.OPS, name: 'Runbooks' }));
    refused(await sdk.createDepartment({ organizationCode: ORG, parentDepartmentId: 'OPS', departmentIdType: 'code', name: 'Runbooks' }));
    await expectUnchanged();
  });

  it('reactivating a department under an inactive parent is 409 PARENT_INACTIVE (PATCH is_active, Authing status)', async () => {
    const res = await call(h.app, token, 'PATCH', `/v1/organizations/${ORG}/departments/${ids.LEG}`, { json: { is_active: true } });
    expect(res.statusCode, res.body).toBe(409);
    expect(envelopeOf(res).code).toBe('PARENT_INACTIVE');
    expect(await sdk.updateDepartment({ organizationCode: ORG, departmentId: ids.LEG, status: true })).toMatchObject({ statusCode: 409, apiCode: 40906 });
    await expectUnchanged();
    // The parent first, then the child: fine.
    const parent = await call(h.app, token, 'PATCH', `/v1/organizations/${ORG}/departments/${ids.OPS}`, { json: { is_active: true } });
    expect(parent.statusCode, parent.body).toBe(200);
    const child = await call(h.app, token, 'PATCH', `/v1/organizations/${ORG}/departments/${ids.LEG}`, { json: { is_active: true } });
    expect(child.statusCode, child.body).toBe(200);
    for (const id of [ids.LEG!, ids.OPS!]) {
      const res = await call(h.app, token, 'DELETE', `/v1/organizations/${ORG}/departments/${id}`);
      expect(res.statusCode, res.body).toBe(200);
    }
    expect(await treeShape(h.db, ORG)).toEqual(before);
  });

  it('moving an active department under an inactive one is 409 PARENT_INACTIVE (reparent, Authing parentDepartmentId)', async () => {
    const res = await call(h.app, token, 'POST', `/v1/organizations/${ORG}/departments/${ids.SALES}/reparent`, { json: { parent_id: ids.OPS } });
    expect(res.statusCode, res.body).toBe(409);
    expect(envelopeOf(res).code).toBe('PARENT_INACTIVE');
    // A subtree (ENG > BE) under a deeper inactive department.
    const subtree = await call(h.app, token, 'POST', `/v1/organizations/${ORG}/departments/${ids.ENG}/reparent`, { json: { parent_id: ids.LEG } });
    expect(subtree.statusCode, subtree.body).toBe(409);
    const viaAuthing = await sdk.updateDepartment({ organizationCode: ORG, departmentId: 'SALES', parentDepartmentId: 'OPS', departmentIdType: 'code' });
    expect(viaAuthing).toMatchObject({ statusCode: 409, apiCode: 40906 });
    await expectUnchanged();
    // An inactive department may go under an inactive one.
    const archive = (await h.db.knex('departments').where({ name: 'Archive' }).first('id')) as { id: string };
    const ok = await call(h.app, token, 'POST', `/v1/organizations/${ORG}/departments/${archive.id}/reparent`, { json: { parent_id: ids.LEG } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(await violations()).toEqual([]);
  });
});
