/**
 * The streamed department tree (GET .../departments/tree): rows read in path
 * order in chunks and nested as they come. The streamed text equals the tree
 * built in memory from the same rows (siblings by id), across chunk
 * boundaries, with root (id, code:, open:), depth limits (hasChildren still
 * the store's) and is_active; paths longer than MariaDB's default sort prefix
 * (1,024 bytes) still nest correctly; and the memory it holds does not grow
 * with the tree (live heap after collections, as export-memory.test.ts).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { departmentViews, repositories } from '../../src/adapters/db/index.js';
import { departmentTreeJson } from '../../src/app/departmentTree.js';
import type { Organization, StoredDepartment } from '../../src/core/model.js';
import { buildTree, treeJson } from '../../src/core/tree.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { department, plan } from '../support/dbFixtures.js';
import { seedTree } from '../support/exportHarness.js';
import { call, createOrg, envelopeOf, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Node {
  id: string;
  hasChildren: boolean;
  is_active: boolean;
  code: string | null;
  children: Node[];
}

const byId = (a: { id: string }, b: { id: string }) => Buffer.compare(Buffer.from(a.id), Buffer.from(b.id));

/** Depth-first `level:id:hasChildren` lines of a nested answer (explicit stack, no recursion). */
function flatten(roots: Node[]): string[] {
  const out: string[] = [];
  const stack: { node: Node; level: number }[] = [...roots].reverse().map((node) => ({ node, level: 0 }));
  while (stack.length > 0) {
    const { node, level } = stack.pop()!;
    out.push(`${level}:${node.id}:${node.hasChildren}`);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push({ node: node.children[i]!, level: level + 1 });
  }
  return out;
}

/** The expected lines, built independently: children lists sorted by id, walked from `tops` down `depth` levels. */
function expected(all: StoredDepartment[], tops: StoredDepartment[], opts: { depth?: number; activeOnly?: boolean } = {}): string[] {
  const children = new Map<string, StoredDepartment[]>();
  for (const d of all) if (d.parentId) children.set(d.parentId, [...(children.get(d.parentId) ?? []), d]);
  for (const list of children.values()) list.sort(byId);
  const keep = (d: StoredDepartment) => !opts.activeOnly || d.isActive;
  const out: string[] = [];
  const stack = [...tops].filter(keep).sort(byId).reverse().map((d) => ({ d, level: 0 }));
  while (stack.length > 0) {
    const { d, level } = stack.pop()!;
    const kids = children.get(d.id) ?? [];
    out.push(`${level}:${d.id}:${kids.length > 0}`);
    if (opts.depth !== undefined && level >= opts.depth) continue;
    for (const k of kids.filter(keep).reverse()) stack.push({ d: k, level: level + 1 });
  }
  return out;
}

/** A seeded random tree of `n` departments: each under a random earlier one (or top level), some inactive subtrees. */
function randomTree(org: Organization, n: number, seed: number): StoredDepartment[] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const rows: StoredDepartment[] = [];
  for (let i = 0; i < n; i++) {
    const parent = i < 5 || rand() < 0.05 ? undefined : rows[Math.floor(rand() * rows.length)];
    const inactive = (parent && !parent.isActive) || rand() < 0.03;
    rows.push(department(org, `Dept ${i}`, parent, { isActive: !inactive, code: `C${i}`, openDepartmentId: `ou_${i}` }));
  }
  return rows;
}

/**
 * A chain 45 levels deep (paths ~1,450 bytes), then two branches of three at
 * every level from 34 down, created after the whole chain: so id (creation)
 * order is not depth-first order, and a sort that compared only the first
 * 1,024 bytes of the paths (ties left in id order) would break the nesting.
 */
function deepTree(org: Organization): StoredDepartment[] {
  const chain: StoredDepartment[] = [];
  for (let level = 0; level < 45; level++) chain.push(department(org, `Level ${level}`, chain[level - 1], { code: `L${level}` }));
  const rows = [...chain];
  for (let level = 34; level < 45; level++) {
    for (const b of ['a', 'b']) {
      let under = chain[level]!;
      for (let k = 0; k < 3; k++) {
        under = department(org, `Branch ${level}${b}${k}`, under);
        rows.push(under);
      }
    }
  }
  return rows;
}

describe.each(dialects)('streamed department tree on %s', (dialect) => {
  let h: HttpHarness;
  let token: string;
  let chainToken: string;
  let rows: StoredDepartment[];
  let deep: StoredDepartment[];
  const base = '/v1/organizations/acme/departments/tree';
  const tree = async (query = '', org = 'acme') => {
    const res = await call(h.app, org === 'acme' ? token : chainToken, 'GET', `/v1/organizations/${org}/departments/tree${query}`);
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    return (res.json() as { data: Node[] }).data;
  };

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'dept_tree_stream');
    const acme = await createOrg(h.db, 'acme');
    const chain = await createOrg(h.db, 'chain');
    token = await orgToken(h.db, 'acme');
    // 1,300 departments: the tree is read in chunks of 500, so subtrees straddle chunks.
    rows = randomTree(acme, 1300, 7);
    deep = deepTree(chain);
    const repos = repositories(h.db);
    await h.db.knex.transaction((trx) => repos.departments.applyPlan(trx, acme, plan({ creates: rows }), { runId: null, now: new Date() }));
    await h.db.knex.transaction((trx) => repos.departments.applyPlan(trx, chain, plan({ creates: deep }), { runId: null, now: new Date() }));
    chainToken = await orgToken(h.db, 'chain');
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  const tops = (all: StoredDepartment[]) => all.filter((d) => d.parentId === null);

  it('equals the tree built in memory: every department once, nested under its parent, siblings by id', async () => {
    const got = await tree();
    expect(flatten(got)).toEqual(expected(rows, tops(rows)));
    // Each node is the whole department object, as GET .../departments/{id} gives it.
    const sample = got[0]!.children[0] ?? got[0]!;
    const one = (await call(h.app, token, 'GET', `/v1/organizations/acme/departments/${sample.id}`)).json();
    expect({ ...sample, children: undefined }).toEqual({ ...one, children: undefined });
  });

  it('root (by id, code: and open:) and depth; hasChildren stays the store\'s at the depth limit', async () => {
    const root = rows.find((d) => rows.filter((c) => c.parentId === d.id).length >= 2 && rows.some((c) => c.parentId !== null && rows.find((p) => p.id === c.parentId)?.parentId === d.id))!;
    for (const ref of [root.id, `code:${root.code}`, `open:${root.openDepartmentId}`]) {
      expect(flatten(await tree(`?root=${encodeURIComponent(ref)}`))).toEqual(expected(rows, [root]));
    }
    for (const depth of [0, 1, 2]) {
      expect(flatten(await tree(`?root=${root.id}&depth=${depth}`))).toEqual(expected(rows, [root], { depth }));
      expect(flatten(await tree(`?depth=${depth}`))).toEqual(expected(rows, tops(rows), { depth }));
    }
    const zero = await tree(`?root=${root.id}&depth=0`);
    expect(zero).toHaveLength(1);
    expect(zero[0]).toMatchObject({ id: root.id, hasChildren: true, children: [] });
    expect(envelopeOf(await call(h.app, token, 'GET', `${base}?root=code:NOPE`))).toMatchObject({ code: 'DEPARTMENT_NOT_FOUND', status: 404 });
    expect(envelopeOf(await call(h.app, token, 'GET', `${base}?depth=-1`))).toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('a subtree reads its own rows, not the organization (an index range of the path)', async () => {
    const sizeOf = (d: StoredDepartment) => rows.filter((x) => x.path.startsWith(`${d.path}/`)).length;
    const small = rows.filter((d) => sizeOf(d) >= 3).sort((a, b) => sizeOf(a) - sizeOf(b))[0]!;
    const seen: { sql: string; bindings: unknown[] }[] = [];
    const listener = (q: { sql: string; bindings?: unknown[] }) => seen.push({ sql: q.sql, bindings: q.bindings ?? [] });
    h.db.knex.on('query', listener);
    try {
      await tree(`?root=${small.id}`);
    } finally {
      h.db.knex.off('query', listener);
    }
    const query = seen.find((q) => /order by/i.test(q.sql) && /path/.test(q.sql))!;
    const subtree = sizeOf(small) + 1;
    if (dialect === 'mysql') {
      const sql = query.sql.replace(/ for update$/i, '');
      const [out] = (await h.db.knex.raw(`ANALYZE FORMAT=JSON ${sql}`, query.bindings as never[])) as unknown as [[{ ANALYZE: string }]];
      const text = out[0]!.ANALYZE;
      expect(text).toContain('departments_org_path_prefix_idx');
      const read = Number(/"r_rows": ([\d.]+)/.exec(text)![1]);
      expect(read).toBeLessThanOrEqual(subtree);
      expect(read).toBeLessThan(rows.length / 10);
    } else {
      const plan = ((await h.db.knex.raw(`EXPLAIN QUERY PLAN ${query.sql}`, query.bindings as never[])) as { detail: string }[]).map((r) => r.detail).join('\n');
      expect(plan).toMatch(/USING INDEX departments_org_path_idx \(organization_id=\? AND path>\? AND path<\?\)|path>=/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('is_active=true leaves out each inactive department with its subtree', async () => {
    const got = await tree('?is_active=true');
    expect(flatten(got)).toEqual(expected(rows, tops(rows), { activeOnly: true }));
    expect(JSON.stringify(got)).not.toContain('"is_active":false');
    expect(rows.some((d) => !d.isActive)).toBe(true);
  });

  it('nests correctly below 1,024 bytes of path (MariaDB sorts TEXT by its first 1,024 bytes by default)', async () => {
    expect(Math.max(...deep.map((d) => d.path.length))).toBeGreaterThan(1400);
    expect(flatten(await tree('', 'chain'))).toEqual(expected(deep, tops(deep)));
  });

  it('the same text as the tree built whole (core/tree.ts treeJson) for the same rows', async () => {
    const res = await call(h.app, token, 'GET', base);
    // Each department's object as the list gives it (the same presenter and schema as GET .../{id}).
    const byIdText = new Map<string, string>();
    let cursor: string | null = null;
    do {
      const page: { data: { id: string }[]; pagination: { next_cursor: string | null } } = (await call(h.app, token, 'GET', `/v1/organizations/acme/departments?limit=200${cursor ? `&cursor=${cursor}` : ''}`)).json();
      for (const d of page.data as { id: string }[]) byIdText.set(d.id, JSON.stringify(d));
      cursor = page.pagination.next_cursor;
    } while (cursor);
    expect(byIdText.size).toBe(rows.length);
    const built = buildTree(rows);
    // buildTree sorts siblings by name; the stream gives them by id.
    const stack = [...built];
    while (stack.length > 0) {
      const n = stack.pop()!;
      n.children.sort((a, b) => byId(a.department, b.department));
      stack.push(...n.children);
    }
    built.sort((a, b) => byId(a.department, b.department));
    expect(res.body).toBe(`{"data":${treeJson(built, (n) => byIdText.get(n.department.id)!.slice(0, -1))}}`);
  }, 60_000);
});

describe.each(dialects)('tree stream memory on %s (40,000 departments)', (dialect) => {
  const COUNT = 40_000;
  let db: TestDb;
  let org: Organization;
  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'dept_tree_memory');
    org = await seedTree(db, 'big', COUNT);
  }, 180_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('holds about a chunk of rows, not the tree', async () => {
    const views = departmentViews(db);
    const repos = { departmentReads: views };
    gc();
    const start = process.memoryUsage().heapUsed;
    let peak = start;
    let chars = 0;
    let n = 0;
    for await (const piece of departmentTreeJson(repos, org.id, { activeOnly: false }, (d) => JSON.stringify(d).slice(0, -1))) {
      chars += piece.length;
      if (++n % 10 === 1) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
    }
    expect(chars).toBeGreaterThan(COUNT * 300);
    // The measure can see a whole tree: the same rows held at once.
    gc();
    const before = process.memoryUsage().heapUsed;
    const all: unknown[] = [];
    for await (const chunk of views.treeChunks(org.id, {})) all.push(...chunk);
    gc();
    const whole = process.memoryUsage().heapUsed - before;
    expect(all).toHaveLength(COUNT);
    expect(whole).toBeGreaterThan(20 * 1024 * 1024);
    expect(peak - start).toBeLessThan(8 * 1024 * 1024);
  }, 180_000);
});
