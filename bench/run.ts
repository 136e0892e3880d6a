/**
 * `npm run bench`: measures orgsync against the database floor and the naive
 * way, side by side in one run on the local MariaDB/MySQL and Redis. Not a
 * test: it prints a table and the issue-6 targets (and --json FILE writes the
 * same data). See bench/README.md.
 *
 *   npm run bench -- [--sizes 10000,100000] [--reps 3] [--json out.json] [--large]
 *                    [--only 1,2,3,...] [--naive-size 10000]
 *
 * Each measurement runs in its own child process (peak RSS is the scenario's),
 * after one warm-up run per scenario and size (runs at 1,000,000 rows are
 * measured once, without warm-up).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { Queue } from 'bullmq';
import { hrisCsv, leaves, pick, randomTree, rng, safeNewParent, treeCsv } from './generate.js';
import { runIssue15, type Target } from './issue15.js';
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
  },
});
const sizes = flags.sizes.split(',').map(Number);
if (flags.large && !sizes.includes(1_000_000)) sizes.push(1_000_000);
const reps = Number(flags.reps);
const only = flags.only ? new Set(flags.only.split(',').map(Number)) : undefined;
const wanted = (n: number) => !only || only.has(n);
const LARGE = 1_000_000;
const baseUrl = (process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, '');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const database = 'orgsync_bench';
const dbUrl = `${baseUrl}/${database}`;
// Its own queue, so the bench never takes (or leaves) jobs of another orgsync on this Redis.
const queuePrefix = '{orgsync-bench}';
const dir = mkdtempSync(join(tmpdir(), 'orgsync-bench-'));
let orgSeq = 0;

interface Sample {
  ms: number;
  rss: number;
  detail?: Record<string, unknown>;
}

/** Faults of a shared machine (another session restarting MariaDB or Redis): worth one more try. */
const RESTARTED = /ECONNREFUSED|ECONNRESET|PROTOCOL_CONNECTION_LOST|Connection lost|closed state|server has gone away|ER_SERVER_SHUTDOWN|Lost connection|Connection is closed/i;

async function servicesUp(): Promise<void> {
  for (let waited = 0; ; waited += 2) {
    try {
      const conn = await mysql.createConnection({ uri: baseUrl, connectTimeout: 2000 });
      await conn.end();
      const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      redis.on('error', () => undefined);
      await redis.connect();
      await redis.ping();
      redis.disconnect();
      return;
    } catch (err) {
      if (waited >= 180) throw err;
      await sleep(2000);
    }
  }
}

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

async function resetDatabase(): Promise<void> {
  await servicesUp();
  const conn = await mysql.createConnection({ uri: baseUrl });
  await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await conn.end();
  const migrate = spawnSync(process.execPath, ['bin/orgsync.js', 'migrate'], { env: { ...process.env, DATABASE_URL: dbUrl }, encoding: 'utf8' });
  if (migrate.status !== 0) throw new Error(migrate.stderr);
}

/** Jobs left in the bench queue by an interrupted run would be picked up by the next run's workers. */
async function clearBenchQueue(): Promise<void> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('imports', { connection, prefix: queuePrefix });
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
}

async function versions(): Promise<{ database: string; redis: string }> {
  const conn = await mysql.createConnection({ uri: baseUrl });
  const [rows] = (await conn.query('SELECT VERSION() AS v')) as unknown as [{ v: string }[]];
  await conn.end();
  const redis = new Redis(redisUrl);
  const info = await redis.info('server');
  redis.disconnect();
  return { database: rows[0]!.v, redis: /redis_version:(\S+)/.exec(info)?.[1] ?? '?' };
}

interface Row {
  scenario: string;
  rows: number;
  samples: Sample[];
  floorMs?: number;
  notes?: string;
}

const results: Row[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const medianSample = (samples: Sample[]) => [...samples].sort((a, b) => a.ms - b.ms)[Math.floor(samples.length / 2)]!;
const secs = (ms: number) => (ms / 1000).toFixed(2);

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
const env = await versions();
await clearBenchQueue();
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
    size: Math.max(...sizes.filter((x) => x < LARGE)),
    resetDatabase,
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

// The table.
const header = ['scenario', 'rows', 'median s', 'min-max s', 'rows/s', 'peak RSS MB', 'x floor', 'notes'];
const lines = results.map((r) => {
  const ms = r.samples.map((s) => s.ms);
  const med = median(ms);
  return [
    r.scenario,
    String(r.rows),
    secs(med),
    `${secs(Math.min(...ms))}-${secs(Math.max(...ms))}`,
    String(Math.round((r.rows / med) * 1000)),
    String(Math.round(Math.max(...r.samples.map((s) => s.rss)) / 1024)),
    r.floorMs ? (med / r.floorMs).toFixed(2) : '',
    r.notes ?? '',
  ];
});
const fmtTable = (head: string[], body: string[][]): string => {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [fmt(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(fmt)].join('\n');
};
const loadAfter = loadavg();
console.log(
  `orgsync bench ${startedAt.toISOString()}: node ${process.version}, ${env.database}, Redis ${env.redis}, ` +
    `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after` +
    (retries > 0 ? `; ${retries} measurement(s) retried after MariaDB/Redis went away` : ''),
);
console.log(fmtTable(header, lines));

// The targets of issue 6, from this run's figures.
const targets: Target[] = [];
const find = (prefix: string, rows: number) => results.find((r) => r.scenario.startsWith(prefix) && r.rows === rows);
const med = (r: Row | undefined) => (r ? median(r.samples.map((s) => s.ms)) : undefined);
{
  const n = 100_000;
  const [floorR, fresh, again, delta, queued] = [find('1 ', n), find('2 ', n), find('3 ', n), find('4 ', n), find('7 ', n)];
  const naiveR = results.find((r) => r.scenario.startsWith('6 '));
  if (floorR && fresh) targets.push({ target: 'fresh 100k <= 1.3x floor', value: `${(med(fresh)! / med(floorR)!).toFixed(2)}x`, met: med(fresh)! <= 1.3 * med(floorR)! });
  if (fresh && naiveR) {
    const speedup = n / med(fresh)! / (naiveR.rows / med(naiveR)!);
    targets.push({ target: 'fresh 100k >= 20x faster than naive (rows/s)', value: `${speedup.toFixed(1)}x`, met: speedup >= 20 });
  }
  if (fresh && again) {
    const clean = again.samples.every((s) => s.detail?.rowsWritten === 0 && s.detail?.updatedAtUnchanged === true && (s.detail?.departmentWrites as { statements: number }).statements === 0);
    targets.push({
      target: 'unchanged 100k <= 0.5x fresh, no department row written',
      value: `${(med(again)! / med(fresh)!).toFixed(2)}x, ${clean ? 'nothing written' : 'ROWS WRITTEN'}`,
      met: med(again)! <= 0.5 * med(fresh)! && clean,
    });
  }
  if (fresh && delta) targets.push({ target: '1% changed + 1% moved 100k <= 0.6x fresh', value: `${(med(delta)! / med(fresh)!).toFixed(2)}x`, met: med(delta)! <= 0.6 * med(fresh)! });
  if (fresh && queued) targets.push({ target: 'queued 100k <= 1.15x in-process', value: `${(med(queued)! / med(fresh)!).toFixed(2)}x`, met: med(queued)! <= 1.15 * med(fresh)! });
}
{
  const [floorR, fresh] = [find('1 ', LARGE), find('2 ', LARGE)];
  if (fresh) {
    const rssMb = Math.max(...fresh.samples.map((s) => s.rss)) / 1024;
    targets.push({ target: 'fresh 1M: peak RSS < 1.5 GB', value: `${Math.round(rssMb)} MB`, met: rssMb < 1536 });
    if (floorR) targets.push({ target: 'fresh 1M <= 1.3x floor', value: `${(med(fresh)! / med(floorR)!).toFixed(2)}x`, met: med(fresh)! <= 1.3 * med(floorR)! });
  }
  const hris = find('8 ', LARGE);
  if (hris) {
    const rssMb = Math.max(...hris.samples.map((s) => s.rss)) / 1024;
    targets.push({ target: 'HRIS 1M employee rows: peak RSS < 400 MB', value: `${Math.round(rssMb)} MB`, met: rssMb < 400 });
  }
}
for (const r of startup) {
  if (r.targetMs === undefined) continue;
  const ms = median(r.samples.map((s) => s.ms));
  targets.push({ target: `${r.name} <= ${secs(r.targetMs)} s`, value: `${secs(ms)} s`, met: ms <= r.targetMs });
}
if (targets.length > 0) {
  console.log('');
  console.log(fmtTable(['target (issues 6, 14)', 'this run', 'met'], targets.map((t) => [t.target, t.value, t.met ? 'yes' : 'NO'])));
}

if (issue15.length > 0) {
  console.log('');
  console.log(fmtTable(['target (issue 15)', 'this run', 'met'], issue15.map((t) => [t.target, t.value, t.met ? 'yes' : 'NO'])));
}

if (flags.json) {
  const out = {
    date: startedAt.toISOString(),
    node: process.version,
    database: env.database,
    redis: env.redis,
    cores: cpus().length,
    loadAverage: { before: loadBefore, after: loadAfter },
    options: { sizes, reps, large: flags.large, only: flags.only ?? null },
    retries,
    results,
    targets,
    issue15,
  };
  writeFileSync(flags.json, `${JSON.stringify(out, null, 2)}\n`);
}
rmSync(dir, { recursive: true, force: true });
