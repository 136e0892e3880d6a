/**
 * `npm run bench`: measures orgsync against the database floor and the naive
 * way, side by side in one run on the local MariaDB/MySQL. Not a test: it
 * prints a table (and --json FILE writes the same data).
 *
 *   npm run bench -- [--sizes 10000,100000] [--reps 3] [--json out.json] [--large]
 *
 * Each measurement runs in its own child process (peak RSS is the scenario's),
 * after one warm-up run per scenario and size.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { leaves, pick, randomTree, rng, safeNewParent, treeCsv } from './generate.js';

const { values: flags } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    reps: { type: 'string', default: '3' },
    json: { type: 'string' },
    large: { type: 'boolean', default: false },
    'naive-size': { type: 'string', default: '10000' },
  },
});
const sizes = flags.sizes.split(',').map(Number);
if (flags.large && !sizes.includes(1_000_000)) sizes.push(1_000_000);
const reps = Number(flags.reps);
const baseUrl = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const database = 'orgsync_bench';
const dbUrl = `${baseUrl.replace(/\/$/, '')}/${database}`;
const dir = mkdtempSync(join(tmpdir(), 'orgsync-bench-'));
let orgSeq = 0;

interface Sample {
  ms: number;
  rss: number;
  detail?: Record<string, unknown>;
}

function measure(scenario: string, file: string, org: string, args: Record<string, unknown> = {}): Sample {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'bench/scenario.ts', scenario, file, org, JSON.stringify(args)], {
    env: { ...process.env, DATABASE_URL: dbUrl, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (res.status !== 0) throw new Error(`${scenario} failed:\n${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').at(-1)!) as Sample;
}

async function resetDatabase(): Promise<void> {
  const conn = await mysql.createConnection({ uri: baseUrl });
  await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await conn.end();
  const migrate = spawnSync(process.execPath, ['bin/orgsync.js', 'migrate'], { env: { ...process.env, DATABASE_URL: dbUrl }, encoding: 'utf8' });
  if (migrate.status !== 0) throw new Error(migrate.stderr);
}

interface Row {
  scenario: string;
  rows: number;
  samples: Sample[];
  floorMs?: number;
}

const results: Row[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function record(scenario: string, rows: number, samples: Sample[], floorMs?: number): void {
  results.push({ scenario, rows, samples, floorMs });
  const ms = samples.map((s) => s.ms);
  process.stderr.write(`  ${scenario.padEnd(34)} ${rows} rows: median ${(median(ms) / 1000).toFixed(2)} s\n`);
}

await resetDatabase();
for (const size of sizes) {
  process.stderr.write(`size ${size}\n`);
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

  const floor: Sample[] = [];
  const fresh: Sample[] = [];
  const again: Sample[] = [];
  const delta: Sample[] = [];
  const synced: Sample[] = [];
  for (let r = -1; r < reps; r++) {
    // r = -1 is the warm-up: measured, not recorded.
    const f = measure('floor', base, `floor${++orgSeq}`);
    const org = `bench${++orgSeq}`;
    const a = measure('import', base, org);
    const b = measure('import', base, org);
    const c = measure('import', changed, org);
    const d = measure('import', sync, org, { mode: 'sync', maxDeactivate: '10%' });
    if (r < 0) continue;
    floor.push(f);
    fresh.push(a);
    again.push(b);
    delta.push(c);
    synced.push(d);
  }
  const floorMs = median(floor.map((s) => s.ms));
  record('1 floor (csv-parse + raw upserts)', size, floor, floorMs);
  record('2 import, fresh organization', size, fresh, floorMs);
  record('3 same file again (unchanged)', size, again, floorMs);
  record('4 1% changed + 1% moved', size, delta, floorMs);
  record('5 sync, 5% disappeared', size, synced, floorMs);
}

const naiveSize = Number(flags['naive-size']);
const naiveFile = join(dir, 'naive.csv');
writeFileSync(naiveFile, treeCsv(randomTree(naiveSize)));
const naive: Sample[] = [];
for (let r = 0; r < Math.min(reps, 2); r++) naive.push(measure('naive', naiveFile, `naive${++orgSeq}`));
record('6 naive (INSERT + SELECT per row)', naiveSize, naive);

// The table.
const header = ['scenario', 'rows', 'median s', 'min-max s', 'rows/s', 'peak RSS MB', 'x floor'];
const lines = results.map((r) => {
  const ms = r.samples.map((s) => s.ms);
  const med = median(ms);
  return [
    r.scenario,
    String(r.rows),
    (med / 1000).toFixed(2),
    `${(Math.min(...ms) / 1000).toFixed(2)}-${(Math.max(...ms) / 1000).toFixed(2)}`,
    String(Math.round((r.rows / med) * 1000)),
    String(Math.round(Math.max(...r.samples.map((s) => s.rss)) / 1024)),
    r.floorMs ? (med / r.floorMs).toFixed(2) : '',
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(fmt(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const l of lines) console.log(fmt(l));
if (flags.json) {
  writeFileSync(flags.json, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2)}\n`);
}
rmSync(dir, { recursive: true, force: true });
