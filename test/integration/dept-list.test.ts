/**
 * The department list (GET /v1/organizations/{org}/departments): keyset
 * pages, filters, strict query parameters, and a page's cost that does not
 * depend on the organization's size: the same statements for a small and a
 * large organization, and (MariaDB) ANALYZE showing each reads about a page of
 * rows, never the organization; (SQLite) the query plan an index range without
 * a sort.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositories } from '../../src/adapters/db/index.js';
import type { Organization, StoredDepartment } from '../../src/core/model.js';
import { dialects } from '../support/db.js';
import { department, plan } from '../support/dbFixtures.js';
import { call, createOrg, envelopeOf, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';

interface Dept {
  id: string;
  name: string;
  parent_id: string | null;
  is_active: boolean;
  code: string | null;
}

/** `parents` top-level departments with `perParent` children each; every 7th child inactive. */
function orgTree(org: Organization, parents: number, perParent: number): StoredDepartment[] {
  const rows: StoredDepartment[] = [];
  for (let p = 0; p < parents; p++) {
    const top = department(org, `Unit ${String(p).padStart(4, '0')}`, undefined, { code: `U${p}`, openDepartmentId: `ou_${p}` });
    rows.push(top);
    for (let c = 0; c < perParent; c++) {
      rows.push(department(org, `Team ${String(p).padStart(4, '0')}-${String(c).padStart(4, '0')}`, top, { isActive: c % 7 !== 3, code: `T${p}-${c}` }));
    }
  }
  return rows;
}

describe.each(dialects)('department list on %s', (dialect) => {
  let h: HttpHarness;
  let token: string;
  let bigToken: string;
  let small: StoredDepartment[];
  const base = '/v1/organizations/acme/departments';
  const bigBase = '/v1/organizations/big/departments';
  const get = async (url: string, t = token) => {
    const res = await call(h.app, t, 'GET', url);
    return { res, body: res.json() as { data: Dept[]; pagination: { limit: number; next_cursor: string | null; has_more: boolean } } };
  };
  /** Every page of a list, following next_cursor. */
  const allPages = async (url: string, t = token) => {
    const out: Dept[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { body } = await get(`${url}${url.includes('?') ? '&' : '?'}limit=7${cursor ? `&cursor=${cursor}` : ''}`, t);
      out.push(...body.data);
      expect(body.pagination.has_more).toBe(body.pagination.next_cursor !== null);
      cursor = body.pagination.next_cursor;
      pages++;
    } while (cursor !== null && pages < 1000);
    return out;
  };

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'dept_list');
    const acme = await createOrg(h.db, 'acme');
    const big = await createOrg(h.db, 'big');
    token = await orgToken(h.db, 'acme');
    bigToken = await orgToken(h.db, 'big');
    small = orgTree(acme, 4, 6);
    // Names that sort differently by UTF-16 units and by code points (the databases' order).
    small.push(department(acme, '\u{1F600} Emoji', undefined, { code: 'EMOJI' }), department(acme, '\uFF21 Fullwidth', undefined, { code: 'FW' }));
    const repos = repositories(h.db);
    await h.db.knex.transaction((trx) => repos.departments.applyPlan(trx, acme, plan({ creates: small }), { runId: null, now: new Date() }));
    const bigRows = orgTree(big, 40, 100);
    await h.db.knex.transaction((trx) => repos.departments.applyPlan(trx, big, plan({ creates: bigRows }), { runId: null, now: new Date() }));
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  const byKey = (a: { name: string; id: string }, b: { name: string; id: string }) =>
    Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)) || Buffer.compare(Buffer.from(a.id), Buffer.from(b.id));

  it('pages through every department once, in (name, id) order, with has_more and next_cursor', async () => {
    const listed = await allPages(base);
    const expected = [...small].sort(byKey).map((d) => d.id);
    expect(listed.map((d) => d.id)).toEqual(expected);
    const { body } = await get(base);
    expect(body.pagination).toEqual({ limit: 50, next_cursor: null, has_more: false });
    expect(Object.keys(body.pagination).sort()).toEqual(['has_more', 'limit', 'next_cursor']);
  });

  it('filters: parent_id (and root), is_active, code, openDepartmentId, name, combined, across pages', async () => {
    const unit1 = small.find((d) => d.code === 'U1')!;
    const sorted = [...small].sort(byKey);
    const expectIds = (got: Dept[], want: StoredDepartment[]) => expect(got.map((d) => d.id)).toEqual(want.map((d) => d.id));
    expectIds(await allPages(`${base}?parent_id=${unit1.id}`), sorted.filter((d) => d.parentId === unit1.id));
    expectIds(await allPages(`${base}?parent_id=root`), sorted.filter((d) => d.parentId === null));
    expectIds(await allPages(`${base}?is_active=false`), sorted.filter((d) => !d.isActive));
    expectIds(await allPages(`${base}?is_active=true`), sorted.filter((d) => d.isActive));
    expectIds(await allPages(`${base}?parent_id=${unit1.id}&is_active=true`), sorted.filter((d) => d.parentId === unit1.id && d.isActive));
    expectIds((await get(`${base}?code=U2`)).body.data, sorted.filter((d) => d.code === 'U2'));
    expectIds((await get(`${base}?openDepartmentId=ou_3`)).body.data, sorted.filter((d) => d.openDepartmentId === 'ou_3'));
    expectIds((await get(`${base}?code=U2&parent_id=root&is_active=true`)).body.data, sorted.filter((d) => d.code === 'U2'));
    expectIds((await get(`${base}?code=U2&is_active=false`)).body.data, []);
    // Names compare as the importer compares them (trimmed, whitespace collapsed).
    expectIds((await get(`${base}?name=${encodeURIComponent('  Unit   0001 ')}`)).body.data, [unit1]);
    expectIds((await get(`${base}?name=Nobody`)).body.data, []);
    const children = (await get(`${base}?parent_id=${unit1.id}`)).body.data;
    expect(children.every((d) => d.parent_id === unit1.id)).toBe(true);
  });

  it('400 UNKNOWN_PARAMETER names an unknown query parameter, on the list, the tree, one department and the export', async () => {
    for (const url of [`${base}?limit=5&offset=10`, `${base}/tree?deep=1`, `${base}/${small[0]!.id}?expand=children`, `${base}/export?format=csv&sheet=1`]) {
      const res = await call(h.app, token, 'GET', url);
      expect(res.statusCode).toBe(400);
      const err = envelopeOf(res);
      expect(err.code).toBe('UNKNOWN_PARAMETER');
      expect(err.details).toMatchObject({ location: 'querystring' });
      expect(err.message).toMatch(/offset|deep|expand|sheet/);
    }
    expect(envelopeOf(await call(h.app, token, 'GET', `${base}?parentId=x`)).details).toMatchObject({ parameter: 'parentId' });
  });

  it('400 INVALID_CURSOR for a cursor this API did not give, 400 VALIDATION_ERROR for a limit out of range', async () => {
    for (const cursor of ['abc', 'not*base64', Buffer.from('[2,"a","b"]').toString('base64url'), Buffer.from('{"n":1}').toString('base64url')]) {
      const res = await call(h.app, token, 'GET', `${base}?cursor=${encodeURIComponent(cursor)}`);
      expect(res.statusCode).toBe(400);
      expect(envelopeOf(res).code).toBe('INVALID_CURSOR');
    }
    expect(envelopeOf(await call(h.app, token, 'GET', `${base}?limit=201`))).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'limit' } });
  });

  it('a page costs the same statements for a small and a large organization, each reading about a page of rows', async () => {
    const statements = async (url: string, t: string) => {
      const seen: { sql: string; bindings: unknown[] }[] = [];
      const listener = (q: { sql: string; bindings?: unknown[] }) => seen.push({ sql: q.sql, bindings: q.bindings ?? [] });
      h.db.knex.on('query', listener);
      try {
        const res = await call(h.app, t, 'GET', url);
        expect(res.statusCode).toBe(200);
      } finally {
        h.db.knex.off('query', listener);
      }
      return seen.filter((s) => /from [`"]?departments/i.test(s.sql));
    };
    const bigOrg = (await get(`${bigBase}?parent_id=root&limit=3`, bigToken)).body.data[5 - 5]!;
    const urls = (b: string, parent: string) => [
      `${b}?limit=20`,
      `${b}?limit=20&is_active=false`,
      `${b}?limit=20&parent_id=${parent}`,
      `${b}?limit=20&parent_id=${parent}&is_active=true`,
      `${b}?limit=20&name=Unit%200001`,
      `${b}?limit=20&code=U1`,
    ];
    const smallParent = small.find((d) => d.code === 'U1')!.id;
    const smallUrls = urls(base, smallParent);
    const bigUrls = urls(bigBase, bigOrg.id);
    for (let i = 0; i < smallUrls.length; i++) {
      const a = await statements(smallUrls[i]!, token);
      const b = await statements(bigUrls[i]!, bigToken);
      // The same statements (an IN list's length is the page's, not the organization's).
      const shape = (list: { sql: string }[]) => list.map((s) => s.sql.replace(/\((\?, )*\?\)/g, '(?…)'));
      expect(shape(b)).toEqual(shape(a));
      // One statement per is_active range, hasChildren included (a probe per returned row inside it, not a statement per row).
      expect(b.length, smallUrls[i]).toBe(smallUrls[i]!.includes('is_active') ? 1 : 2);
      for (const s of b) await expectIndexRange(s.sql, s.bindings, 20 + 1);
    }
    // A cursor deep into the large organization costs no more than the first page.
    const far = (await get(`${bigBase}?limit=200`, bigToken)).body.pagination.next_cursor!;
    for (const s of await statements(`${bigBase}?limit=20&cursor=${far}`, bigToken)) await expectIndexRange(s.sql, s.bindings, 20 + 1);
  });

  /** MariaDB: ANALYZE (the statement really runs) reads at most `limit` rows per table access and never sorts. SQLite: an index range, no sort. */
  async function expectIndexRange(sql: string, bindings: unknown[], limit: number): Promise<void> {
    if (dialect === 'mysql') {
      const [rows] = (await h.db.knex.raw(`ANALYZE FORMAT=JSON ${sql}`, bindings as never[])) as unknown as [[{ ANALYZE: string }]];
      const text = rows[0]!.ANALYZE;
      expect(text, sql).not.toMatch(/filesort/);
      const tables = [...text.matchAll(/"table_name": "(\w+)"[\s\S]*?"r_rows": (null|[\d.]+)/g)];
      // A unique key with no such row: the server reads nothing at all.
      if (/Impossible WHERE/.test(text)) return;
      expect(tables.length, text).toBeGreaterThan(0);
      for (const [, table, rRows] of tables) expect(rRows === "null" ? 0 : Number(rRows), `${table} in ${sql}\n${text}`).toBeLessThanOrEqual(limit);
    } else {
      const rows = (await h.db.knex.raw(`EXPLAIN QUERY PLAN ${sql}`, bindings as never[])) as { detail: string }[];
      const plan = rows.map((r) => r.detail).join('\n');
      expect(plan, sql).not.toMatch(/TEMP B-TREE|SCAN departments(?! USING)/);
      expect(plan, sql).toMatch(/USING (COVERING )?INDEX|PRIMARY KEY/);
    }
  }
});
