/**
 * The Authing face's update-department with a parentDepartmentId and other
 * fields: the move and the field changes are one transaction, on MariaDB and
 * SQLite. A refusal of the field changes (found after the move, in the new
 * parent's scope) leaves the department where it was, as it was, with no
 * history of a move; a refused move leaves the fields unchanged; a request
 * that passes both does both, recorded as a move and an update (a rename
 * away from a name taken among the new siblings goes first).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { createOrg, type HttpHarness, openHttpHarness } from '../support/httpHarness.js';
import { type AuthingAnswer, baseUrl, cliAccessKey, type SdkClient, sdkClient, TEST_SECRET_KEY } from '../support/authingHarness.js';

function failure(answer: AuthingAnswer, statusCode: number, apiCode: number): void {
  expect(answer).toMatchObject({ statusCode, apiCode, data: null });
}

describe.each(dialects)('the Authing face moves and changes fields in one transaction on %s', (dialect) => {
  let h: HttpHarness;
  let sdk: SdkClient;
  const org = 'atomic';
  const ids: Record<string, string> = {};

  const create = async (name: string, parent: string, extra: Record<string, unknown> = {}) => {
    const answer = await sdk.createDepartment({ organizationCode: org, parentDepartmentId: parent, name, ...extra });
    expect(answer.statusCode).toBe(200);
    return answer.data.departmentId as string;
  };
  const row = async (id: string) => (await h.db.knex('departments').where({ id }).first()) as { name: string; code: string | null; parent_id: string | null; path: string; is_active: unknown };
  const actions = async (id: string) => ((await h.db.knex('department_history').where({ department_id: id }).orderBy('id')) as { action: string }[]).map((r) => r.action);

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'face_authing_atomic', { ORGSYNC_SECRET_KEY: TEST_SECRET_KEY });
    // Names unique among siblings: a name can be free under the old parent and taken under the new one.
    await createOrg(h.db, org, 'siblings');
    const key = await cliAccessKey(h.db, org);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    sdk = sdkClient(key, baseUrl(h.app.server));
    ids.a = await create('A', 'root', { code: 'a' });
    ids.b = await create('B', 'root', { code: 'b' });
    ids.sre = await create('SRE', ids.a, { code: 'sre' });
    ids.sreChild = await create('On call', ids.sre);
    ids.taken = await create('Taken', ids.b, { code: 'taken' });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** SRE as it was created: under A, named SRE, code sre, active, only its creation in history. */
  async function untouched() {
    expect(await row(ids.sre!)).toMatchObject({ name: 'SRE', code: 'sre', parent_id: ids.a, path: `/${ids.a}/${ids.sre}` });
    expect(Boolean(Number((await row(ids.sre!)).is_active))).toBe(true);
    expect(await row(ids.sreChild!)).toMatchObject({ parent_id: ids.sre, path: `/${ids.a}/${ids.sre}/${ids.sreChild}` });
    expect(await actions(ids.sre!)).toEqual(['created']);
  }

  it('a rename that clashes in the new parent\'s scope: 40901, and the department is neither moved nor renamed', async () => {
    const answer = await sdk.updateDepartment({ organizationCode: org, departmentId: ids.sre, parentDepartmentId: ids.b, name: 'Taken' });
    failure(answer, 409, 40901);
    await untouched();
  });

  it('a duplicate code, or deactivating with active children, with a move: refused, nothing written', async () => {
    failure(await sdk.updateDepartment({ organizationCode: org, departmentId: ids.sre, parentDepartmentId: ids.b, code: 'taken' }), 409, 40902);
    await untouched();
    failure(await sdk.updateDepartment({ organizationCode: org, departmentId: 'sre', departmentIdType: 'code', parentDepartmentId: 'b', status: false }), 409, 40904);
    await untouched();
  });

  it('a reactivation under an inactive new parent: PARENT_INACTIVE after the move, which is rolled back', async () => {
    const closed = await create('Closed', 'root');
    const dormant = await create('Dormant', ids.a!);
    expect((await sdk.deleteDepartment({ organizationCode: org, departmentId: closed })).statusCode).toBe(200);
    expect((await sdk.deleteDepartment({ organizationCode: org, departmentId: dormant })).statusCode).toBe(200);
    const answer = await sdk.updateDepartment({ organizationCode: org, departmentId: dormant, parentDepartmentId: closed, status: true, name: 'Awake' });
    // The update's refusal (the new parent is inactive), not the move's: an inactive department may go under an inactive parent.
    failure(answer, 409, 40906);
    expect(answer.message).toContain('reactivate the parent first');
    expect(await row(dormant)).toMatchObject({ name: 'Dormant', parent_id: ids.a });
    expect(Boolean(Number((await row(dormant)).is_active))).toBe(false);
    expect(await actions(dormant)).toEqual(['created', 'deactivated']);
  });

  it('a refused move (under its own descendant, or an unknown parent) leaves the fields unchanged', async () => {
    failure(await sdk.updateDepartment({ organizationCode: org, departmentId: ids.sre, parentDepartmentId: ids.sreChild, name: 'Renamed', code: 'renamed' }), 409, 40905);
    await untouched();
    failure(await sdk.updateDepartment({ organizationCode: org, departmentId: ids.sre, parentDepartmentId: 'dept_nope', name: 'Renamed' }), 404, 40403);
    await untouched();
  });

  it('the old name taken among the new siblings: refused unless the request renames it to a free name, then renamed and moved', async () => {
    const twin = await create('Twin', ids.a!);
    await create('Twin', ids.b!);
    failure(await sdk.updateDepartment({ organizationCode: org, departmentId: twin, parentDepartmentId: ids.b }), 409, 40901);
    // Renamed to a name taken there too: refused, and the rename (done first) is rolled back.
    failure(await sdk.updateDepartment({ organizationCode: org, departmentId: twin, parentDepartmentId: ids.b, name: 'Taken' }), 409, 40901);
    expect(await row(twin)).toMatchObject({ name: 'Twin', parent_id: ids.a });
    expect(await actions(twin)).toEqual(['created']);
    const answer = await sdk.updateDepartment({ organizationCode: org, departmentId: twin, parentDepartmentId: ids.b, name: 'Twin 2' });
    expect(answer).toMatchObject({ statusCode: 200, data: { name: 'Twin 2', parentDepartmentId: ids.b } });
    expect(await row(twin)).toMatchObject({ name: 'Twin 2', parent_id: ids.b, path: `/${ids.b}/${twin}` });
    expect(await actions(twin)).toEqual(['created', 'updated', 'moved']);
  });

  it('a move and a rename that both pass: both done, recorded as a move and an update', async () => {
    const answer = await sdk.updateDepartment({ organizationCode: org, departmentId: ids.sre, parentDepartmentId: ids.b, name: 'Site Reliability', code: 'site' });
    expect(answer).toMatchObject({ statusCode: 200, data: { departmentId: ids.sre, name: 'Site Reliability', code: 'site', parentDepartmentId: ids.b, parentDepartmentCode: 'b' } });
    expect(await row(ids.sre!)).toMatchObject({ name: 'Site Reliability', code: 'site', parent_id: ids.b, path: `/${ids.b}/${ids.sre}` });
    expect(await row(ids.sreChild!)).toMatchObject({ path: `/${ids.b}/${ids.sre}/${ids.sreChild}` });
    expect(await actions(ids.sre!)).toEqual(['created', 'moved', 'updated']);
  });
});
