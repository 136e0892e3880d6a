/**
 * Issue 12's API scenarios (scenario 13 of `npm run bench`; alone with
 * `npm run bench -- --api`): the department API of `orgsync serve` (the
 * compiled build, as users run it, a child process) against an organization
 * already holding 100,000 departments, beside an API floor (bench/apiFloor.ts)
 * driven by the same autocannon settings. Its own database (orgsync_bench_api),
 * created at the start and dropped at the end; the organization is loaded
 * untimed through the CLI import of a generated file (bench/generate.ts
 * `apiOrg`: one department has exactly 10,000 descendants, for the reparent).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { getLatency, type LoadResult, postLoad, type Streamed, streamWithRss, timed, waitForIdle } from './apiMeasure.js';
import { type Backends, dropDatabase, resetDatabase } from './backends.js';
import { type ApiOrg, apiOrg } from './generate.js';
import { cliImport, type Sample, type Target } from './issue15.js';
import { freePort, type Service, startApiFloor, startServer } from './services.js';

export interface ApiContext {
  dir: string;
  backends: Backends;
  reps: number;
  record(scenario: string, rows: number, samples: Sample[], extra?: { notes?: string }): unknown;
}

const DATABASE = 'orgsync_bench_api';
const ORG = 'apibench';
const SIZE = 100_000;
const SUBTREE = 10_000;
const CONNECTIONS = 50;
const SECONDS = 10;
const LIST_SECONDS = 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (kib: number) => Math.round(kib / 1024);
const say = (line: string) => process.stderr.write(`  ${line}\n`);

function cli(args: string[], env: NodeJS.ProcessEnv): string {
  const res = spawnSync(process.execPath, ['bin/orgsync.js', ...args], { env, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`orgsync ${args.join(' ')} exited ${res.status}:\n${res.stderr.slice(-3000)}`);
  return res.stdout;
}

function loadNote(r: LoadResult): string {
  const failed = r.non2xx + r.errors + r.timeouts > 0 ? `, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts` : '';
  return `${r.requestsPerSecond.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms${failed}`;
}

/** The median run by throughput, and the medians of its figures across runs. */
function medians(runs: LoadResult[]): { rps: number; p50: number; p99: number } {
  return { rps: median(runs.map((r) => r.requestsPerSecond)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)) };
}

/** What every scenario runs against: the server, its organization and a token. */
interface Stage {
  ctx: ApiContext;
  org: ApiOrg;
  conn: mysql.Connection;
  server: Service;
  base: string;
  orgPath: string;
  auth: Record<string, string>;
  /** Id and path of the department with 10,000 descendants, of its parent and of the other department it moves to. */
  subtree: { id: string; path: string };
  from: { id: string; path: string };
  to: { id: string; path: string };
}

/** (d) The streamed tree, plain URL: bytes, time, the server's RSS during the request against just before it. */
async function treeScenario({ ctx, server, base, orgPath, auth }: Stage): Promise<Target[]> {
  const trees: Streamed[] = [];
  for (let r = -1; r < ctx.reps; r++) {
    await sleep(1000); // the server idle before it is sampled
    const s = await streamWithRss(`${base}${orgPath}/tree`, auth, server.pid);
    if (r >= 0) trees.push(s);
  }
  const tree = [...trees].sort((a, b) => a.ms - b.ms)[Math.floor(trees.length / 2)]!;
  const growth = Math.max(...trees.map((t) => t.peakKiB - t.idleKiB));
  const ok = trees.every((t) => t.status === 200);
  ctx.record('13d GET departments/tree (streamed)', SIZE, trees.map((t) => ({ ms: t.ms, rss: t.peakKiB, detail: { ...t } })), {
    notes:
      `HTTP ${tree.status}, ${(tree.bytes / 1e6).toFixed(1)} MB, ${tree.ids} ids; server RSS ${mb(tree.idleKiB)} MB idle, ` +
      `peak ${mb(tree.peakKiB)} MB during (max growth over runs ${mb(growth)} MB)`,
  });
  return [{ target: 'tree of 100k: server RSS within 50 MB of idle', value: `+${mb(growth)} MB${ok ? '' : ', NOT 200'}`, met: ok && growth <= 50 * 1024 }];
}

/** The local MariaDB/MySQL server's pids (none when it runs elsewhere): idle before a latency scenario too. */
function databasePids(): number[] {
  try {
    return execFileSync('pidof', ['mariadbd', 'mysqld'], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return []; // pidof exits 1 when it finds none
  }
}

/** (b) List pages (first pages: the URL names only `limit` and a filter), one request at a time for LIST_SECONDS each. */
async function listScenarios({ ctx, server, base, orgPath, auth, from }: Stage): Promise<Target[]> {
  const lists: [string, string][] = [
    ['?limit=50', `${orgPath}?limit=50`],
    ['?limit=50&parent_id', `${orgPath}?limit=50&parent_id=${from.id}`],
    ['?limit=50&is_active=true', `${orgPath}?limit=50&is_active=true`],
  ];
  const targets: Target[] = [];
  for (const [label, path] of lists) {
    const waited = await waitForIdle([server.pid, ...databasePids()]);
    const first = await timed(`${base}${path}`, { headers: auth });
    const items = first.status === 200 ? ((JSON.parse(first.body) as { data?: unknown[] }).data?.length ?? 0) : 0;
    const r = await getLatency(base, path, auth, LIST_SECONDS);
    ctx.record(`13b GET departments${label}`, r.ok, [{ ms: r.seconds * 1000, rss: server.rssKiB(), detail: { ...r, status: first.status, items } }], {
      notes: `HTTP ${first.status}, ${items} items; ${loadNote(r)}; waited ${waited} ms for the server and the database to be idle`,
    });
    const ok = first.status === 200 && r.ok > 0 && r.non2xx === 0;
    targets.push({ target: `list page ${label}: p99 <= 10 ms`, value: `${r.p99} ms (p50 ${r.p50} ms)${ok ? '' : `, HTTP ${first.status}`}`, met: ok && r.p99 <= 10 });
  }
  return targets;
}

/** (c) Reparent of the department with 10,000 descendants, back and forth between two departments of depth 1. */
async function reparentScenario({ ctx, conn, server, base, orgPath, auth, subtree, from, to }: Stage): Promise<Target[]> {
  const moves: Sample[] = [];
  let moved = true;
  for (let r = -1; r < ctx.reps; r++) {
    const target = (r + 1) % 2 === 0 ? to : from;
    const res = await timed(`${base}${orgPath}/${subtree.id}/reparent`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ parent_id: target.id }),
    });
    // Checked in the database (untimed): every descendant's path now runs through the new parent.
    const [under] = await conn.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM departments WHERE path LIKE ?', [`${target.path}/${subtree.id}/%`]);
    const n = Number(under[0]!.n);
    const ok = res.status === 200 && n === SUBTREE;
    moved &&= ok;
    if (!ok) say(`reparent: HTTP ${res.status}, ${n} descendants under the new parent: ${res.body.slice(0, 300)}`);
    if (r >= 0) moves.push({ ms: res.ms, rss: server.rssKiB(), detail: { status: res.status, descendantsMoved: n } });
  }
  const ms = median(moves.map((m) => m.ms));
  ctx.record('13c POST reparent (10,000 descendants)', SUBTREE, moves, { notes: moved ? 'every descendant path checked in the database' : 'FAILED: see the log' });
  return [{ target: 'reparent of a 10,000-descendant subtree <= 1 s', value: `${(ms / 1000).toFixed(2)} s${moved ? '' : ', FAILED'}`, met: moved && ms <= 1000 }];
}

/** POSTs to `base` for ctx.reps runs, each new department under a random one, by code; one row per run. */
async function postRuns({ ctx, org, orgPath }: Stage, svc: Service, base: string, headers: Record<string, string>, who: 'API floor' | 'orgsync'): Promise<LoadResult[]> {
  const prefix = who === 'orgsync' ? 'API' : 'Floor';
  const runs: LoadResult[] = [];
  for (let r = 0; r < ctx.reps; r++) {
    const body = (n: number) => ({
      name: `${prefix} department ${r}-${n}`,
      code: `${prefix}-${r}-${n}`,
      parentDepartmentId: org.postParents[(n * 7919) % org.postParents.length]!,
      departmentIdType: 'code',
    });
    const res = await postLoad({ base, path: orgPath, headers, body, connections: CONNECTIONS, seconds: SECONDS });
    runs.push(res);
    ctx.record(`13a POST departments, ${who} (${CONNECTIONS} conns)`, res.ok, [{ ms: res.seconds * 1000, rss: svc.rssKiB(), detail: { ...res } }], { notes: loadNote(res) });
  }
  return runs;
}

/** (a) POST from 50 connections: the floor's runs first (its own process, stopped after), then orgsync's. */
async function postScenarios(stage: Stage, dbUrl: string, services: Service[]): Promise<Target[]> {
  const floorPort = await freePort();
  const floorSvc = await startApiFloor(floorPort, { DATABASE_URL: dbUrl, BENCH_ORG: ORG });
  services.push(floorSvc);
  const floor = medians(await postRuns(stage, floorSvc, `http://127.0.0.1:${floorPort}`, {}, 'API floor'));
  await floorSvc.stop();
  say('POST: orgsync');
  const api = medians(await postRuns(stage, stage.server, stage.base, stage.auth, 'orgsync'));
  return [
    {
      target: 'POST (50 conns) throughput >= 0.6x the floor',
      value: `${(api.rps / floor.rps).toFixed(2)}x (${api.rps.toFixed(0)} vs ${floor.rps.toFixed(0)} req/s)`,
      met: api.rps >= 0.6 * floor.rps,
    },
    {
      target: 'POST (50 conns) p99 <= 2x the floor',
      value: `${(api.p99 / floor.p99).toFixed(2)}x (${api.p99} vs ${floor.p99} ms; p50 ${api.p50} vs ${floor.p50} ms)`,
      met: api.rps > 0 && api.p99 <= 2 * floor.p99,
    },
  ];
}

/**
 * Runs one scenario; if it throws (the API it measures is being changed: a
 * route that answers 500 or drops the connection), the others still run and
 * the failure is a target not met, with the error.
 */
async function guarded(name: string, scenario: () => Promise<Target[]>): Promise<Target[]> {
  say(name);
  try {
    return await scenario();
  } catch (err) {
    const e = err as Error & { cause?: Error };
    const message = `${e.message}${e.cause ? ` (${e.cause.message})` : ''}`.split('\n')[0]!;
    say(`${name} FAILED: ${message}`);
    return [{ target: name, value: `FAILED: ${message.slice(0, 120)}`, met: false }];
  }
}

/** Sets up (untimed), runs the scenarios in this order (the tree on exactly 100,000 departments; POSTs add rows), drops the database. */
export async function runApi(ctx: ApiContext): Promise<Target[]> {
  const started = performance.now();
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--quiet'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`the CLI did not compile:\n${build.stderr}`);
  await resetDatabase(ctx.backends, DATABASE);
  const dbUrl = `${ctx.backends.baseUrl}/${DATABASE}`;
  // The server's environment: this database, the bench's Redis and queue prefix.
  const serverEnv = { DATABASE_URL: dbUrl, REDIS_URL: ctx.backends.redisUrl, ORGSYNC_QUEUE_PREFIX: ctx.backends.queuePrefix };
  const env = { ...process.env, ...serverEnv };
  const services: Service[] = [];
  const conn = await mysql.createConnection({ uri: dbUrl });
  try {
    const org = apiOrg(SIZE, SUBTREE);
    const file = join(ctx.dir, 'api-org.csv');
    writeFileSync(file, org.csv);
    const load = cliImport(file, ORG, env);
    const inOrg = 'FROM departments d JOIN organizations o ON o.id = d.organization_id WHERE o.code = ?';
    const [counted] = await conn.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n ${inOrg}`, [ORG]);
    const stored = Number(counted[0]!.n);
    if (stored !== SIZE) throw new Error(`the import stored ${stored} departments, not ${SIZE}`);
    say(`organization of ${stored} departments loaded (orgsync import) in ${(load.ms / 1000).toFixed(1)} s`);
    const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT d.code, d.id, d.path ${inOrg} AND d.code IN (?)`, [ORG, [org.subtreeRoot, ...org.parents]]);
    const dept = (code: string) => {
      const row = rows.find((r) => r.code === code)!;
      return { id: row.id as string, path: row.path as string };
    };
    const token = (JSON.parse(cli(['token', 'create', '--org', ORG, '--name', 'bench', '--json'], env)) as { token: string }).token;
    const port = await freePort();
    const server = await startServer(port, serverEnv);
    services.push(server);
    const stage: Stage = {
      ctx,
      org,
      conn,
      server,
      base: `http://127.0.0.1:${port}`,
      orgPath: `/v1/organizations/${ORG}/departments`,
      auth: { authorization: `Bearer ${token}` },
      subtree: dept(org.subtreeRoot),
      from: dept(org.parents[0]),
      to: dept(org.parents[1]),
    };
    const targets: Target[] = [];
    targets.push(...(await guarded('tree of 100k (streamed)', () => treeScenario(stage))));
    targets.push(...(await guarded('list pages', () => listScenarios(stage))));
    targets.push(...(await guarded('reparent of a 10,000-descendant subtree', () => reparentScenario(stage))));
    targets.push(...(await guarded('POST (50 conns) against the floor', () => postScenarios(stage, dbUrl, services))));
    say(`API scenarios took ${((performance.now() - started) / 1000).toFixed(0)} s`);
    return targets;
  } finally {
    for (const svc of services) await svc.stop();
    await conn.end();
    await dropDatabase(ctx.backends, DATABASE);
  }
}
