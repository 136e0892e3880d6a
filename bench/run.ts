/**
 * `npm run bench`: measures orgsync against the database floor and the naive
 * way, side by side in one run on the local MariaDB/MySQL and Redis. Not a
 * test: it prints a table and the issue-6 targets (and --json FILE writes the
 * same data). See bench/README.md.
 *
 *   npm run bench -- [--sizes 10000,100000] [--reps 3] [--json out.json] [--large]
 *                    [--only 1,2,3,...] [--naive-size 10000] [--api]
 *
 * Each measurement runs in its own child process (peak RSS is the scenario's),
 * after one warm-up run per scenario and size (runs at 1,000,000 rows are
 * measured once, without warm-up). --api runs only issue 12's API scenarios
 * (13, bench/api.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { clearBenchQueue, dropDatabase as dropDb, resetDatabase as resetDb, servicesUp as upOrThrow, versions } from './backends.js';
import { hrisCsv, leaves, pick, randomTree, rng, safeNewParent, treeCsv } from './generate.js';
import { runApi } from './api.js';
import { runIssue15, type Target } from './issue15.js';
import { median, report, type Row, type Sample, secs } from './report.js';
import type { ScenarioArgs } from './scenario.js';
import { measureStartup } from './startup.js';

const { values: flags } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    reps: { type: 'string', default: '3' },
    json: { type: 'string' },
    large: { type: 'boolean', default: false },
    only: { type: 'string' },
    'naive-size': { type: 'string', default: '10000' },
    api: { type: 'boolean', default: false },
  },
});
const sizes = flags.sizes.split(',').map(Number);
if (flags.large && !sizes.includes(1_000_000)) sizes.push(1_000_000);
const reps = Number(flags.reps);
const only = flags.api ? new Set([13]) : flags.only ? new Set(flags.only.split(',').map(Number)) : undefined;
const wanted = (n: number) => !only || only.has(n);
const LARGE = 1_000_000;
const baseUrl = (process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, '');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const database = 'orgsync_bench';
const dbUrl = `${baseUrl}/${database}`;
// Its own queue, so the bench never takes (or leaves) jobs of another orgsync on this Redis.
const queuePrefix = '{orgsync-bench}';
const backends = { baseUrl, redisUrl, queuePrefix };
const servicesUp = () => upOrThrow(backends);
const resetDatabase = () => resetDb(backends, database);
const dir = mkdtempSync(join(tmpdir(), 'orgsync-bench-'));
let orgSeq = 0;

/** Faults of a shared machine (another session restarting MariaDB or Redis): worth one more try. */
const RESTARTED = /ECONNREFUSED|ECONNRESET|PROTOCOL_CONNECTION_LOST|Connection lost|closed state|server has gone away|ER_SERVER_SHUTDOWN|Lost connection|Connection is closed/i;

/** Runs one measurement in a child process; retried (up to twice) if MariaDB or Redis went away meanwhile. */
async function measure(scenario: string, args: ScenarioArgs, opts: { freshOrg?: boolean } = {}): Promise<Sample> {
  for (let attempt = 1; ; attempt++) {
    // A retry of a scenario that creates its organization outside the import's transaction needs a new one.
    const org = attempt > 1 && opts.freshOrg ? `${args.org}r${attempt}` : args.org;
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'bench/scenario.ts', scenario, JSON.stringify({ ...args, org })], {
      env: { ...process.env, DATABASE_URL: dbUrl, REDIS_URL: redisUrl, LOG_LEVEL: 'silent', ORGSYNC_QUEUE_PREFIX: queuePrefix },
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (res.status === 0) return JSON.parse(res.stdout.trim().split('\n').at(-1)!) as Sample;
    const output = `${res.stderr}\n${res.stdout}`;
    if (attempt >= 3 || !RESTARTED.test(output)) throw new Error(`${scenario} failed:\n${output.slice(-4000)}`);
    process.stderr.write(`  (${scenario}: the database or Redis went away; retrying once both answer)\n`);
    await servicesUp();
    retries++;
  }
}
let retries = 0;

const results: Row[] = [];
const medianSample = (samples: Sample[]) => [...samples].sort((a, b) => a.ms - b.ms)[Math.floor(samples.length / 2)]!;

function phasesNote(s: Sample): string {
  const p = s.detail?.phases as { read: number; plan: number; write: number } | undefined;
  return p ? `read ${p.read.toFixed(2)} + plan ${p.plan.toFixed(2)} + write ${p.write.toFixed(2)} s` : '';
}

function record(scenario: string, rows: number, samples: Sample[], extra: { floorMs?: number; notes?: string } = {}): Row {
  const row: Row = { scenario, rows, samples, ...extra };
  results.push(row);
  process.stderr.write(`  ${scenario.padEnd(38)} ${rows} rows: median ${secs(median(samples.map((s) => s.ms)))} s\n`);
  return row;
}

/** Runs `fn` reps times after one warm-up (measured, not kept); once, without warm-up, at 1,000,000 rows. */
async function repeat<T>(size: number, fn: (rep: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  const [from, to] = size >= LARGE ? [0, 1] : [-1, reps];
  for (let r = from; r < to; r++) {
    const v = await fn(r);
    if (r >= 0) out.push(v);
  }
  return out;
}

const startedAt = new Date();
const loadBefore = loadavg();
await servicesUp();
const env = await versions(backends);
await clearBenchQueue(backends);
process.stderr.write(`orgsync bench: node ${process.version}, ${env.database}, Redis ${env.redis}, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}\n`);

const freshByMs = new Map<number, number>(); // size -> median ms of the fresh in-process import

for (const size of sizes) {
  if (![1, 2, 3, 4, 5, 7].some(wanted)) break;
  process.stderr.write(`size ${size}\n`);
  await resetDatabase();
  const tree = randomTree(size);
  const base = join(dir, `tree-${size}.csv`);
  writeFileSync(base, treeCsv(tree));
  const rand = rng(7);
  const changed = join(dir, `changed-${size}.csv`);
  const movedIdx = pick(size, 0.01, 11);
  writeFileSync(changed, treeCsv(tree, { changed: new Set(pick(size, 0.01, 13)), moved: new Map(movedIdx.map((i) => [i, safeNewParent(tree, i, rand)])) }));
  const sync = join(dir, `sync-${size}.csv`);
  const leafList = leaves(tree);
  writeFileSync(sync, treeCsv(tree, { omit: new Set(leafList.slice(0, Math.round(size * 0.05))) }));

  const runs = await repeat(size, async () => {
    const f = wanted(1) ? await measure('floor', { file: base, org: `floor${++orgSeq}` }, { freshOrg: true }) : undefined;
    const org = `bench${++orgSeq}`;
    const chain = [2, 3, 4, 5].some(wanted);
    const a = chain ? await measure('import', { file: base, org }) : undefined;
    const b = chain && [3, 4, 5].some(wanted) ? await measure('import', { file: base, org }) : undefined;
    const c = chain && [4, 5].some(wanted) ? await measure('import', { file: changed, org }) : undefined;
    const d = chain && wanted(5) ? await measure('import', { file: sync, org, options: { mode: 'sync', maxDeactivate: '10%' } }) : undefined;
    const q = wanted(7) && size < LARGE ? await measure('queued', { file: base, org: `queued${++orgSeq}` }) : undefined;
    return { f, a, b, c, d, q };
  });
  const pickAll = (k: 'f' | 'a' | 'b' | 'c' | 'd' | 'q') => runs.map((r) => r[k]).filter((s): s is Sample => s !== undefined);
  const floor = pickAll('f');
  const floorMs = floor.length > 0 ? median(floor.map((s) => s.ms)) : undefined;
  if (floor.length > 0) record('1 floor (csv-parse + raw upserts)', size, floor, { floorMs });
  const fresh = pickAll('a');
  if (fresh.length > 0) {
    freshByMs.set(size, median(fresh.map((s) => s.ms)));
    if (wanted(2)) record('2 import, fresh organization', size, fresh, { floorMs, notes: phasesNote(medianSample(fresh)) });
  }
  const again = pickAll('b');
  if (again.length > 0 && wanted(3)) {
    const s = medianSample(again);
    const w = s.detail?.departmentWrites as { statements: number; rowsAffected: number };
    const unchanged = again.every((x) => x.detail?.updatedAtUnchanged === true);
    const written = Math.max(...again.map((x) => Number(x.detail?.rowsWritten ?? -1)));
    record('3 same file again (unchanged)', size, again, {
      floorMs,
      notes: `${phasesNote(s)}; rows written ${written}, department statements ${w.statements} (rows affected ${w.rowsAffected}), updated_at ${unchanged ? 'unchanged' : 'CHANGED'}`,
    });
  }
  const delta = pickAll('c');
  if (delta.length > 0 && wanted(4)) {
    const counts = delta[0]!.detail?.counts as Record<string, number>;
    record('4 1% changed + 1% moved', size, delta, { floorMs, notes: `${phasesNote(medianSample(delta))}; ${counts.updated} updated, ${counts.moved} moved` });
  }
  const synced = pickAll('d');
  if (synced.length > 0 && wanted(5)) {
    const counts = synced[0]!.detail?.counts as Record<string, number>;
    record('5 sync, 5% disappeared', size, synced, { floorMs, notes: `${phasesNote(medianSample(synced))}; ${counts.deactivated} deactivated` });
  }
  const queued = pickAll('q');
  if (queued.length > 0) {
    const inProcess = freshByMs.get(size);
    const ratio = inProcess ? ` ${(median(queued.map((s) => s.ms)) / inProcess).toFixed(2)}x the in-process import;` : '';
    record('7 queued (enqueue --wait, 1 worker)', size, queued, { floorMs, notes: `${ratio} peak RSS is the worker's` });
  }
}

if (wanted(6)) {
  process.stderr.write('naive\n');
  await resetDatabase();
  const naiveSize = Number(flags['naive-size']);
  const naiveFile = join(dir, 'naive.csv');
  writeFileSync(naiveFile, treeCsv(randomTree(naiveSize)));
  const naive: Sample[] = [];
  for (let r = 0; r < reps; r++) naive.push(await measure('naive', { file: naiveFile, org: `naive${++orgSeq}` }, { freshOrg: true }));
  record('6 naive (INSERT + SELECT per row)', naiveSize, naive, { notes: 'autocommit, one round trip per SELECT and per INSERT' });
}

if (wanted(8)) {
  const shapes: [number, number][] = [[100_000, 2_000]];
  if (flags.large) shapes.push([1_000_000, 20_000]);
  for (const [employees, departments] of shapes) {
    process.stderr.write(`HRIS ${employees} employees\n`);
    await resetDatabase();
    const file = join(dir, `hris-${employees}.csv`);
    const hris = hrisCsv(employees, departments);
    writeFileSync(file, hris.csv);
    const options = { pathColumn: 'DEPARTMENT', memberColumn: 'EMPLOYEE_ID', nameScope: 'siblings' };
    const samples = await repeat(employees, () => measure('import', { file, org: `hris${++orgSeq}`, options }));
    const counts = samples[0]!.detail?.counts as Record<string, number>;
    record(`8 HRIS export (path + member columns)`, employees, samples, {
      notes: `${counts.created} departments, ${counts.membersAdded} members, ${counts.merged} rows merged; ${phasesNote(medianSample(samples))}`,
    });
  }
}

if (wanted(9)) {
  process.stderr.write('HTTP\n');
  await resetDatabase();
  const seed = join(dir, 'seed-1000.csv');
  writeFileSync(seed, treeCsv(randomTree(1000, 5)));
  const api = await measure('http-departments', { file: seed, org: `api${++orgSeq}`, seconds: 10, connections: 50 });
  const d = api.detail as { ok: number; requestsPerSecond: number; latencyMs: { p50: number; p99: number }; non2xx: number; errors: number };
  record('9a HTTP POST departments (50 conns)', d.ok, [api], {
    notes: `${d.requestsPerSecond.toFixed(0)} requests/s, p50 ${d.latencyMs.p50} ms, p99 ${d.latencyMs.p99} ms, ${d.non2xx} non-2xx, ${d.errors} errors; 1,000 departments seeded`,
  });
  const size = 100_000;
  const file = join(dir, `tree-${size}.csv`);
  writeFileSync(file, treeCsv(randomTree(size)));
  const uploads = await repeat(size, () => measure('http-import', { file, org: `upload${++orgSeq}` }));
  const inProcess = freshByMs.get(size);
  record('9b HTTP POST imports?wait=true', size, uploads, {
    notes: `${inProcess ? `${(median(uploads.map((s) => s.ms)) / inProcess).toFixed(2)}x the in-process import; ` : ''}peak RSS is the server's`,
  });
}

// 10: the CLI's start-up (bench/startup.ts), at least 10 runs of each.
if (wanted(10)) process.stderr.write('CLI start-up\n');
const startup = wanted(10) ? measureStartup(dir, Math.max(reps, 10)) : [];
for (const r of startup) record(`10 ${r.name}`, r.rows, r.samples, { notes: r.targetMs ? `target ${secs(r.targetMs)} s` : 'no CLI starts faster' });

if (wanted(12)) for (const r of (await import('./xlsx.js')).measureXlsx(dir)) record(`12 ${r.name}`, r.rows, [{ ms: r.ms, rss: r.rss }], { notes: 'target: xlsx peak RSS <= 1.5x CSV' });

// 11: issue 15, through the CLI (bench/issue15.ts); the 1,000,000-row and many-organization parts with --large.
let issue15: Target[] = [];
if (wanted(11)) {
  process.stderr.write('issue 15 (CLI)\n');
  const sampleOf = (prefix: string, rows: number) => results.find((r) => r.scenario.startsWith(prefix) && r.rows === rows);
  issue15 = await runIssue15({
    dir,
    dbUrl,
    reps,
    large: flags.large,
    // The 100,000-row comparisons need a size below 1,000,000 (`--sizes 1000000` alone used to crash here).
    size: sizes.some((x) => x < LARGE) ? Math.max(...sizes.filter((x) => x < LARGE)) : 100_000,
    resetDatabase,
    resetOtherDatabase: async (name: string) => {
      await resetDb(backends, name);
      return `${baseUrl}/${name}`;
    },
    dropOtherDatabase: (name: string) => dropDb(backends, name),
    measure,
    record,
    hrisLargeRss: () => {
      const r = sampleOf('8 ', LARGE);
      return r ? Math.max(...r.samples.map((x) => x.rss)) : undefined;
    },
    unchangedStatements: () => {
      const r = sampleOf('3 ', Math.max(...sizes.filter((x) => x < LARGE)));
      return r ? Math.max(...r.samples.map((x) => (x.detail?.departmentWrites as { statements: number }).statements)) : undefined;
    },
  });
}

// 13: issue 12, the department API against an organization of 100,000 departments, beside its floor (bench/api.ts).
let issue12: Target[] = [];
if (wanted(13)) {
  process.stderr.write('API (issue 12)\n');
  await servicesUp();
  issue12 = await runApi({ dir, backends, reps, record });
}

report(
  { startedAt, env, loadBefore, retries, json: flags.json, options: { sizes, reps, large: flags.large, only: flags.api ? '13' : (flags.only ?? null) } },
  results,
  startup,
  issue15,
  issue12,
);
rmSync(dir, { recursive: true, force: true });
