/**
 * The proof of the import/API locking design (issue 12, docs/operations.md
 * "Imports and API writes: locking"): an import and 200 concurrent API writes
 * (creates, updates, moves, deactivations, member adds and removes) of one
 * organization, through the real HTTP app, end in the tree a serial replay
 * gives: the successful writes and the import, replayed one at a time in
 * their commit order on a fresh organization. The order is the history's: a
 * write records its history after its last lock, so a write that waited for
 * another's lock has a later history id. Also checked on the final tree:
 * paths and depths follow the parent chain, no active department sits under
 * an inactive one, member_count equals the member rows.
 *
 * Half the writes are sent while the import holds the lock, between its read
 * of the stored departments and its plan's writes (a pause widens that
 * window), so with a broken lock they change what it plans from.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositories } from '../../src/adapters/db/index.js';
import { runImport } from '../../src/app/importService.js';
import { parseImportOptions } from '../../src/core/importOptions.js';
import { dialects, type TestDialect } from '../support/db.js';
import { call, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';

/** A small deterministic PRNG (mulberry32): the same run every time. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INITIAL = 40;
/**
 * D000..D019 are never deactivated, and only ever sit under each other: the
 * racing import creates its departments under them only (so that all of its
 * rows succeed). D020..D039 are deactivated, reactivated and moved anywhere,
 * and the API's creates go under any department, also one being deactivated
 * at the same time: the create's locking read of its parent and the
 * deactivation's row lock keep the activity rule (a create under a parent
 * that committed inactive is 409 PARENT_INACTIVE, a cascade sees a child
 * that committed before it).
 */
const STABLE = 20;
const code = (i: number) => `D${String(i).padStart(3, '0')}`;
const csv = (rows: string[][]) => ['code,name,parent,description', ...rows.map((r) => r.join(','))].join('\n');
/** The organization before the race: D000..D039, each under an earlier one (a stable one under a stable one) or at the top. */
function initialFile(): string {
  const rnd = prng(7);
  return csv(Array.from({ length: INITIAL }, (_, i) => [code(i), `Dept ${i}`, i < 4 ? '' : code(Math.floor(rnd() * Math.min(i, STABLE))), 'initial']));
}
/** The racing import: many new departments under the stable ones (so a move of one of those rewrites their paths). */
function racingFile(size: number): string {
  const rnd = prng(11);
  return csv(Array.from({ length: size }, (_, i) => [`I${String(i).padStart(4, '0')}`, `Imported ${i}`, code(Math.floor(rnd() * STABLE)), 'import']));
}

interface Op {
  kind: 'create' | 'update' | 'move' | 'deactivate' | 'reactivate' | 'member add' | 'member remove';
  method: 'POST' | 'PATCH' | 'DELETE';
  /** With `{D017}` placeholders for department ids, filled per organization. */
  url: string;
  json?: Record<string, unknown>;
}

/** `n` API writes over the initial departments, by code placeholder. */
function writes(n: number, seed: number): Op[] {
  const rnd = prng(seed);
  const d = () => `{${code(Math.floor(rnd() * INITIAL))}}`;
  const stable = () => `{${code(Math.floor(rnd() * STABLE))}}`;
  const other = () => `{${code(STABLE + Math.floor(rnd() * (INITIAL - STABLE)))}}`;
  const base = '/v1/organizations/{org}/departments';
  const ops: Op[] = [];
  const added: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.2) ops.push({ kind: 'create', method: 'POST', url: base, json: { name: `Created ${seed}-${i}`, code: `C${seed}-${i}`, parent_id: d() } });
    else if (r < 0.38) ops.push({ kind: 'update', method: 'PATCH', url: `${base}/${d()}`, json: rnd() < 0.5 ? { name: `Renamed ${seed}-${i}` } : { description: `patched ${i}` } });
    else if (r < 0.48) ops.push({ kind: 'move', method: 'POST', url: `${base}/${other()}/reparent`, json: { parent_id: rnd() < 0.15 ? 'root' : d() } });
    else if (r < 0.58) ops.push({ kind: 'move', method: 'POST', url: `${base}/${stable()}/reparent`, json: { parent_id: rnd() < 0.15 ? 'root' : stable() } });
    else if (r < 0.68) ops.push({ kind: 'deactivate', method: 'DELETE', url: `${base}/${other()}${rnd() < 0.5 ? '?cascade=true' : ''}` });
    else if (r < 0.72) ops.push({ kind: 'reactivate', method: 'PATCH', url: `${base}/${other()}`, json: { is_active: true } });
    else if (r < 0.88) {
      const pair = `${d()}/members/u${Math.floor(rnd() * 3)}`;
      added.push(pair);
      ops.push({ kind: 'member add', method: 'POST', url: `${base}/${pair.split('/members/')[0]}/members`, json: { user_id: pair.split('/members/')[1] } });
    } else {
      // Mostly a member an earlier write adds (it may or may not have run yet).
      const pair = added.length > 0 && rnd() < 0.7 ? added[Math.floor(rnd() * added.length)]! : `${d()}/members/u${Math.floor(rnd() * 3)}`;
      ops.push({ kind: 'member remove', method: 'DELETE', url: `${base}/${pair}` });
    }
  }
  return ops;
}

interface Row {
  id: string;
  code: string;
  name: string;
  description: string | null;
  parent_id: string | null;
  path: string;
  depth: number;
  is_active: unknown;
  member_count: unknown;
}

/**
 * Runs an import of `text` into `org` (createOrg). With `onPlanning`: called
 * once the import has read the stored departments it plans from (under its
 * lock, its snapshot taken), after which the import pauses before planning:
 * the window in which a write that ignored the lock would make its plan stale.
 */
async function importInto(h: HttpHarness, org: string, text: string, onPlanning?: () => void) {
  const parsed = parseImportOptions({ createOrg: true, parentRef: 'code' });
  if (!parsed.ok) throw new Error(parsed.message);
  const bytes = Buffer.from(text, 'utf8');
  const repos = repositories(h.db);
  const departments = repos.departments;
  const watched: typeof departments = {
    ...departments,
    async loadForImport(...args: Parameters<typeof departments.loadForImport>) {
      const stored = await departments.loadForImport(...args);
      if (onPlanning) {
        onPlanning();
        await sleep(500);
      }
      return stored;
    },
  };
  const report = await runImport({ ...repos, departments: watched }, {
    organizationCode: org,
    source: { name: 'race.csv', bytes: (async function* () { yield bytes; })() },
    options: parsed.value,
  });
  expect(report.status).toBe('completed');
  return report;
}

async function orgRows(h: HttpHarness, org: string): Promise<Row[]> {
  const o = (await h.db.knex('organizations').where({ code: org }).first()) as { id: string };
  return (await h.db.knex('departments').where({ organization_id: o.id })) as Row[];
}

/** The tree by code, ids replaced by codes: what a serial replay must reproduce. */
async function snapshot(h: HttpHarness, org: string) {
  const rows = await orgRows(h, org);
  const codeOf = new Map(rows.map((r) => [r.id, r.code]));
  const o = (await h.db.knex('organizations').where({ code: org }).first()) as { id: string };
  const members = (await h.db.knex('department_members').where({ organization_id: o.id }).select('department_id', 'member_id')) as { department_id: string; member_id: string }[];
  const memberSets = new Map<string, string[]>();
  for (const m of members) memberSets.set(codeOf.get(m.department_id)!, [...(memberSets.get(codeOf.get(m.department_id)!) ?? []), m.member_id].sort());
  return Object.fromEntries(
    rows
      .map((r) => [
        r.code,
        {
          name: r.name,
          description: r.description,
          parent: r.parent_id === null ? null : codeOf.get(r.parent_id),
          path: r.path.split('/').slice(1).map((id) => codeOf.get(id)).join('/'),
          depth: Number(r.depth),
          active: Boolean(Number(r.is_active)),
          memberCount: Number(r.member_count),
          members: memberSets.get(r.code) ?? [],
        },
      ] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

/** Paths and depths follow the parent chain; no active under inactive; member_count equals the rows. */
function invariants(snap: Awaited<ReturnType<typeof snapshot>>): string[] {
  const bad: string[] = [];
  for (const [code, d] of Object.entries(snap)) {
    const parent = d.parent === null ? undefined : snap[d.parent!];
    const expectedPath = parent ? `${parent.path}/${code}` : code;
    if (d.path !== expectedPath) bad.push(`${code}: path ${d.path}, expected ${expectedPath}`);
    if (d.depth !== (parent ? parent.depth + 1 : 0)) bad.push(`${code}: depth ${d.depth}`);
    if (d.active && parent && !parent.active) bad.push(`${code}: active under inactive ${d.parent}`);
    if (d.memberCount !== d.members.length) bad.push(`${code}: member_count ${d.memberCount}, ${d.members.length} rows`);
  }
  return bad;
}

function fill(op: Op, org: string, idOf: (code: string) => string): { url: string; json?: Record<string, unknown> } {
  const sub = (s: string) => s.replace('{org}', org).replace(/\{(D\d{3})\}/g, (_m, code: string) => idOf(code));
  const json = op.json === undefined ? undefined : JSON.parse(sub(JSON.stringify(op.json)));
  return { url: sub(op.url), ...(json === undefined ? {} : { json }) };
}

async function race(dialect: TestDialect, h: HttpHarness, n: number, importSize: number) {
  const token = await orgToken(h.db, 'race');
  const ops = writes(n, dialect === 'mysql' ? 1 : 2);
  const idsOf = async (org: string) => new Map((await orgRows(h, org)).map((r) => [r.code, r.id]));
  const raceIds = await idsOf('race');

  // The race: half the writes with the import's start, half once it holds the lock and has read what it plans from.
  const results: { op: Op; status: number; requestId: string; body?: string }[] = [];
  const send = async (op: Op, i: number) => {
    const requestId = `race-${i}`;
    const res = await call(h.app, token, op.method, fill(op, 'race', (c) => raceIds.get(c)!).url, {
      ...(op.json ? { json: fill(op, 'race', (c) => raceIds.get(c)!).json } : {}),
      headers: { 'x-request-id': requestId },
    });
    results.push({ op, status: res.statusCode, requestId, ...(res.statusCode >= 500 ? { body: res.body } : {}) });
  };
  const half = Math.floor(n / 2);
  let second: Promise<unknown> = Promise.resolve();
  const first = Promise.all(ops.slice(0, half).map((op, i) => send(op, i)));
  const imported = importInto(h, 'race', racingFile(importSize), () => {
    second = Promise.all(ops.slice(half).map((op, i) => send(op, half + i)));
  });
  await Promise.all([first, imported]);
  await second;

  // No write failed on the server's side (a 5xx would be a lock or deadlock escaping).
  expect(results.filter((r) => r.status >= 500)).toEqual([]);
  const succeeded = new Map(results.filter((r) => r.status < 300).map((r) => [r.requestId, r]));

  // Commit order: each write's (and the import's) first history id.
  const raceOrg = (await h.db.knex('organizations').where({ code: 'race' }).first()) as { id: string };
  const history = (await h.db.knex('department_history').where({ organization_id: raceOrg.id }).select('id', 'request_id', 'run_id').orderBy('id')) as {
    id: number;
    request_id: string | null;
    run_id: string | null;
  }[];
  const order: string[] = [];
  const seen = new Set<string>();
  for (const row of history) {
    const key = row.run_id ?? row.request_id ?? '';
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    order.push(key);
  }
  const raceRun = order.filter((k) => k.startsWith('run_'));
  // The initial import, then the racing one: each in one piece.
  expect(raceRun).toHaveLength(2);

  // The replay, one write at a time, in that order, on a fresh organization.
  await importInto(h, 'replay', initialFile());
  const replayToken = await orgToken(h.db, 'replay');
  for (const key of order.slice(1)) {
    if (key.startsWith('run_')) {
      await importInto(h, 'replay', racingFile(importSize));
      continue;
    }
    const r = succeeded.get(key);
    expect(r, `history names request ${key}, which did not succeed`).toBeDefined();
    const replayIds = await idsOf('replay');
    const { url, json } = fill(r!.op, 'replay', (c) => replayIds.get(c)!);
    const res = await call(h.app, replayToken, r!.op.method, url, json ? { json } : {});
    expect(res.statusCode, `${key}: ${r!.op.method} ${url} ${res.body}`).toBe(r!.status);
  }

  const raced = await snapshot(h, 'race');
  expect(invariants(raced)).toEqual([]);
  expect(raced).toEqual(await snapshot(h, 'replay'));
  return { results, raced };
}

describe.each(dialects)('an import and concurrent API writes of one organization (%s)', (dialect) => {
  let h: HttpHarness;

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'dept_concurrency', { ORGSYNC_LOCK_TIMEOUT_SECONDS: '60' });
    await importInto(h, 'race', initialFile());
  });
  afterAll(async () => {
    await h?.close();
  });

  it(`ends in the tree a serial replay of the successful writes gives (${dialect === 'mysql' ? 200 : 60} writes)`, async () => {
    const n = dialect === 'mysql' ? 200 : 60;
    const { results, raced } = await race(dialect, h, n, dialect === 'mysql' ? 2000 : 500);
    expect(results).toHaveLength(n);

    // The mix really ran: writes of each kind succeeded, and the import's departments are there.
    const kinds = new Set(results.filter((r) => r.status < 300).map((r) => r.op.kind));
    const expected = ['create', 'deactivate', 'member add', 'move', 'update', ...(dialect === 'mysql' ? ['member remove'] : [])];
    expect([...kinds]).toEqual(expect.arrayContaining(expected));
    expect(Object.keys(raced).filter((c) => c.startsWith('I'))).toHaveLength(dialect === 'mysql' ? 2000 : 500);
  }, 240_000);
});
