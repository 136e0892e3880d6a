/**
 * A department's members through the API, on MariaDB and SQLite: add, list in
 * keyset pages, remove, the error codes, the history rows, and member_count
 * equal to the membership rows after a mix of imports and API calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { importText } from '../support/importHarness.js';
import { call, envelopeOf, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';

const CSV = (members: [string, string][]) =>
  ['code,name,parent,member', 'HQ,Head office,,', ...members.map(([code, m]) => `${code},${code === 'IT' ? 'IT' : 'Sales'},HQ,${m}`)].join('\n');

describe.each(dialects)('department members on %s', (dialect) => {
  let h: HttpHarness;
  let token: string;
  let ids: Record<string, string>;
  const base = '/v1/organizations/acme/departments';

  /** member_count of every department next to its membership rows' count. */
  async function counts(): Promise<{ stored: Record<string, number>; rows: Record<string, number> }> {
    const depts = (await h.db.knex('departments').select('id', 'member_count')) as { id: string; member_count: unknown }[];
    const rows = (await h.db.knex('department_members').select('department_id').count({ n: '*' }).groupBy('department_id')) as { department_id: string; n: unknown }[];
    const byDept = Object.fromEntries(depts.map((d) => [d.id, 0]));
    for (const r of rows) byDept[r.department_id] = Number(r.n);
    return { stored: Object.fromEntries(depts.map((d) => [d.id, Number(d.member_count)])), rows: byDept };
  }

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'dept_b_members');
    await importText(h.db, CSV([['IT', 'u1'], ['IT', 'u2'], ['SALES', 'u3']]), { memberColumn: 'member', parentRef: 'code' });
    token = await orgToken(h.db, 'acme');
    const rows = (await h.db.knex('departments').select('id', 'code')) as { id: string; code: string }[];
    ids = Object.fromEntries(rows.map((r) => [r.code, r.id]));
  });
  afterAll(async () => {
    await h?.close();
  });

  it('adds (201), refuses a second add (409 MEMBER_EXISTS), lists in pages, removes (204, then 404 MEMBER_NOT_FOUND)', async () => {
    const url = `${base}/${ids.IT}/members`;
    for (const u of ['u5', 'u4', 'u6']) {
      const res = await call(h.app, token, 'POST', url, { json: { user_id: u } });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ user_id: u, department_id: ids.IT });
    }
    const again = await call(h.app, token, 'POST', url, { json: { user_id: 'u1' } });
    expect(again.statusCode).toBe(409);
    expect(envelopeOf(again).code).toBe('MEMBER_EXISTS');

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(h.app, token, 'GET', `${url}?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const body = res.json() as { data: { user_id: string }[]; pagination: { next_cursor: string | null } };
      expect(body.data.length).toBeLessThanOrEqual(2);
      seen.push(...body.data.map((m) => m.user_id));
      cursor = body.pagination.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual(['u1', 'u2', 'u4', 'u5', 'u6']);

    expect((await call(h.app, token, 'DELETE', `${url}/u5`)).statusCode).toBe(204);
    const gone = await call(h.app, token, 'DELETE', `${url}/u5`);
    expect(gone.statusCode).toBe(404);
    expect(envelopeOf(gone).code).toBe('MEMBER_NOT_FOUND');
    const dept = await call(h.app, token, 'GET', `${base}/${ids.IT}`);
    expect(dept.json().member_count).toBe(4);
  });

  it('400 INVALID_FIELD for an empty, too long or invisible-character user_id; 404 for an unknown department', async () => {
    const url = `${base}/${ids.SALES}/members`;
    for (const user_id of ['', '   ', 'x'.repeat(192), 'a\u200bb', 'a\u0007b', 12]) {
      const res = await call(h.app, token, 'POST', url, { json: { user_id } });
      if (user_id === 12) {
        expect(res.statusCode).toBe(201); // a number is text, as in an imported cell
        continue;
      }
      expect(res.statusCode).toBe(400);
      expect(envelopeOf(res)).toMatchObject({ code: 'INVALID_FIELD', details: { field: 'user_id' } });
    }
    const missing = await call(h.app, token, 'POST', `${base}/dept_nope/members`, { json: { user_id: 'u1' } });
    expect(missing.statusCode).toBe(404);
    expect(envelopeOf(missing).code).toBe('DEPARTMENT_NOT_FOUND');
  });

  it('records member_added and member_removed with the token and request id', async () => {
    const add = await call(h.app, token, 'POST', `${base}/${ids.SALES}/members`, { json: { user_id: 'hist' } });
    const del = await call(h.app, token, 'DELETE', `${base}/${ids.SALES}/members/hist`);
    const requestIds = [String(add.headers['x-request-id']), String(del.headers['x-request-id'])];
    const rows = (await h.db.knex('department_history').where({ department_id: ids.SALES }).whereIn('request_id', requestIds).orderBy('id')) as {
      action: string;
      actor: string;
    }[];
    expect(rows.map((r) => r.action)).toEqual(['member_added', 'member_removed']);
    expect(rows.every((r) => r.actor.startsWith('tok_'))).toBe(true);
  });

  it('member_count equals the rows after a mix of imports and API calls', async () => {
    await call(h.app, token, 'POST', `${base}/${ids.SALES}/members`, { json: { user_id: 'api1' } });
    await importText(h.db, CSV([['IT', 'u1'], ['SALES', 'u3'], ['SALES', 'u7']]), { memberColumn: 'member', parentRef: 'code' });
    await call(h.app, token, 'POST', `${base}/${ids.IT}/members`, { json: { user_id: 'api2' } });
    await call(h.app, token, 'DELETE', `${base}/${ids.SALES}/members/u3`);
    await call(h.app, token, 'DELETE', `${base}/${ids.SALES}/members/u3`);
    await importText(h.db, CSV([['IT', 'u8'], ['SALES', 'u3']]), { memberColumn: 'member', parentRef: 'code' });
    await call(h.app, token, 'POST', `${base}/${ids.IT}/members`, { json: { user_id: 'api3' } });
    await call(h.app, token, 'POST', `${base}/${ids.IT}/members`, { json: { user_id: 'api3' } });
    await call(h.app, token, 'DELETE', `${base}/${ids.SALES}/members/u3`);
    const c = await counts();
    expect(c.stored).toEqual(c.rows);
    expect(Object.values(c.rows).some((n) => n > 0)).toBe(true);
  });
});
