/**
 * Issue 15's measurements and targets (scenario 11 of `npm run bench`; its
 * 1,000,000-department and many-organization parts with --large). Imports run
 * the CLI as users run it, `node bin/orgsync.js import FILE --org X
 * --create-org --parent-ref code` (the compiled CLI: `npm run build` first),
 * timed as process wall time, start-up included, with the peak RSS that
 * /usr/bin/time reports. The floor is scenario `floor-insert`
 * (bench/scenario.ts): raw mysql2 multi-row INSERTs of the same rows into
 * orgsync's own `departments` table, indexes and foreign keys included.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomTree, treeCsv } from './generate.js';
import type { ScenarioArgs } from './scenario.js';

export interface Sample {
  ms: number;
  /** KiB */
  rss: number;
  detail?: Record<string, unknown>;
}

export interface Target {
  target: string;
  value: string;
  met: boolean;
}

export interface Issue15Context {
  dir: string;
  dbUrl: string;
  reps: number;
  large: boolean;
  /** The size of the fresh/unchanged/SQLite comparison (the issue's is 100,000). */
  size: number;
  resetDatabase(): Promise<void>;
  /** Drops and recreates another database of the bench (migrated), and returns its URL. */
  resetOtherDatabase(name: string): Promise<string>;
  dropOtherDatabase(name: string): Promise<void>;
  measure(scenario: string, args: ScenarioArgs, opts?: { freshOrg?: boolean }): Promise<Sample>;
  record(scenario: string, rows: number, samples: Sample[], extra?: { floorMs?: number; notes?: string }): unknown;
  /** Peak RSS (KiB) of the 1,000,000-row HRIS import of scenario 8, when it ran. */
  hrisLargeRss(): number | undefined;
  /** Department statements of scenario 3 at `size` rows (the in-process import counts them), when it ran. */
  unchangedStatements(): number | undefined;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const med = (s: Sample[]) => median(s.map((x) => x.ms));
const peakMb = (s: Sample[]) => Math.max(...s.map((x) => x.rss)) / 1024;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

/** One `orgsync import` process: wall time and peak RSS. */
export function cliImport(file: string, org: string, env: NodeJS.ProcessEnv): Sample {
  const start = performance.now();
  const res = spawnSync(
    '/usr/bin/time',
    ['-f', 'maxrss=%M', process.execPath, 'bin/orgsync.js', 'import', file, '--org', org, '--create-org', '--parent-ref', 'code'],
    { env: { ...env, LOG_LEVEL: 'silent' }, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 },
  );
  const ms = performance.now() - start;
  if (res.status !== 0) throw new Error(`orgsync import ${file} --org ${org} exited ${res.status}:\n${res.stderr.slice(-3000)}`);
  const rss = Number(/maxrss=(\d+)/.exec(res.stderr)?.[1]);
  return { ms, rss: Number.isFinite(rss) ? rss : 0 };
}

function cliMigrate(env: NodeJS.ProcessEnv): void {
  const res = spawnSync(process.execPath, ['bin/orgsync.js', 'migrate'], { env, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`orgsync migrate failed:\n${res.stderr}`);
}

function treeFile(ctx: Issue15Context, size: number, seed = 42): string {
  const file = join(ctx.dir, `i15-tree-${size}-${seed}.csv`);
  writeFileSync(file, treeCsv(randomTree(size, seed)));
  return file;
}

/** Runs the measurements, records their rows, and returns issue 15's targets as met or not. */
export async function runIssue15(ctx: Issue15Context): Promise<Target[]> {
  const targets: Target[] = [];
  const mysqlEnv = { ...process.env, DATABASE_URL: ctx.dbUrl };
  let seq = 0;
  const times = (n: number, fn: (i: number) => Sample): Sample[] => Array.from({ length: n }, (_, i) => fn(i));

  // 100,000 rows: the product-schema floor, the CLI fresh and unchanged, and the same on SQLite.
  const n = ctx.size;
  const k = n >= 1000 ? `${n / 1000}k` : String(n);
  // Every floor run and every fresh CLI import starts from an empty database,
  // alternating: until 2026-12-05 the three floor runs went into an empty
  // table and the CLI's after them, into one already holding 400,000-700,000
  // departments, whose indexes no longer fit the default 128 MB buffer pool
  // (the same cost the many-organization scenario, 11g/11h, measures), so the
  // ratio charged the CLI for the table's size. Each unchanged re-import (11c)
  // follows its fresh import, into a database holding that organization only.
  const file = treeFile(ctx, n);
  await ctx.resetDatabase();
  cliImport(file, `i15warm${++seq}`, mysqlEnv); // warm-up (disk cache, buffer pool), not kept
  const floor: Sample[] = [];
  const fresh: Sample[] = [];
  const again: Sample[] = [];
  for (let i = 0; i < ctx.reps; i++) {
    await ctx.resetDatabase();
    floor.push(await ctx.measure('floor-insert', { file, org: `i15floor${++seq}` }, { freshOrg: true }));
    await ctx.resetDatabase();
    const org = `i15cli${++seq}`;
    fresh.push(cliImport(file, org, mysqlEnv));
    again.push(cliImport(file, org, mysqlEnv));
  }
  ctx.record('11a floor: raw multi-row INSERTs, product schema', n, floor, { notes: 'each run into an empty database' });
  const floorMs = med(floor);
  ctx.record('11b CLI import, fresh organization', n, fresh, { floorMs, notes: 'each run into an empty database, alternating with 11a' });
  ctx.record('11c CLI import, same file again', n, again, { floorMs, notes: `${ratio(med(again), med(fresh))} the fresh import` });
  const sqlite = times(ctx.reps, () => {
    const env = { ...process.env, DATABASE_URL: '', ORGSYNC_SQLITE_PATH: join(ctx.dir, `i15-${++seq}.sqlite`) };
    cliMigrate(env);
    return cliImport(file, `i15lite${seq}`, env);
  });
  ctx.record('11d CLI import, fresh, SQLite', n, sqlite, { notes: `${ratio(med(sqlite), med(fresh))} the MariaDB import` });

  targets.push({ target: `fresh ${k} (CLI) <= 1.3x the product-schema floor`, value: ratio(med(fresh), floorMs), met: med(fresh) <= 1.3 * floorMs });
  const statements = ctx.unchangedStatements();
  targets.push({
    target: `unchanged ${k} (CLI) <= 0.4x fresh, zero department statements`,
    value: `${ratio(med(again), med(fresh))}, ${statements === undefined ? 'statements not counted (scenario 3 did not run)' : `${statements} statements`}`,
    met: med(again) <= 0.4 * med(fresh) && statements === 0,
  });
  targets.push({ target: `SQLite fresh ${k} (CLI) <= 1.5x MariaDB`, value: ratio(med(sqlite), med(fresh)), met: med(sqlite) <= 1.5 * med(fresh) });

  if (!ctx.large) return targets;

  // 1,000,000 departments: fresh once (~60-75 s), unchanged --reps times
  // (~20 s each): the linearity target compares medians, and one sample of
  // each size moved it between 9.2x and 11.6x on this machine.
  const big = 1_000_000;
  await ctx.resetDatabase();
  const bigFile = treeFile(ctx, big);
  const bigOrg = `i15big${++seq}`;
  const bigFresh = [cliImport(bigFile, bigOrg, mysqlEnv)];
  ctx.record('11e CLI import, fresh organization', big, bigFresh);
  const bigAgain = times(ctx.reps, () => cliImport(bigFile, bigOrg, mysqlEnv));
  ctx.record('11f CLI import, same file again', big, bigAgain, { notes: `${ratio(med(bigAgain), med(again))} the ${n} unchanged` });
  targets.push({ target: 'fresh 1M (CLI): peak RSS <= 1 GB', value: `${Math.round(peakMb(bigFresh))} MB`, met: peakMb(bigFresh) <= 1024 });
  targets.push({ target: 'unchanged 1M (CLI): peak RSS <= 1 GB', value: `${Math.round(peakMb(bigAgain))} MB`, met: peakMb(bigAgain) <= 1024 });
  targets.push({ target: `unchanged 1M <= 11x unchanged ${k} (linear)`, value: ratio(med(bigAgain), med(again)), met: med(bigAgain) <= 11 * med(again) });
  const hris = ctx.hrisLargeRss();
  targets.push({
    target: 'HRIS 1M employee rows: peak RSS <= 400 MB',
    value: hris === undefined ? 'not measured (scenario 8 did not run)' : `${Math.round(hris / 1024)} MB`,
    met: hris !== undefined && hris / 1024 <= 400,
  });

  // Many organizations: 10,000 departments into an empty database and into one
  // holding ten organizations of 100,000, alternating between the two. Until
  // 2026-12-05 all the empty-database runs came first and the others after the
  // seeding, each group after waiting for InnoDB to write back its dirty pages:
  // the waits ran out (300 s) with the pool still >5% dirty, and the two groups
  // met different background flushing (1.22x and 1.35x in two runs, where the
  // same imports alternated by hand measured 1.07x). Alternating gives both the
  // same conditions.
  await ctx.resetDatabase();
  const emptyDb = 'orgsync_bench_empty';
  const emptyEnv = { ...process.env, DATABASE_URL: await ctx.resetOtherDatabase(emptyDb) };
  const small = treeFile(ctx, 10_000, 5);
  // A 10,000-row import takes ~1.5 s: at least three of each, whatever --reps says (--large's is often 1).
  const smallReps = Math.max(ctx.reps, 3);
  for (let i = 0; i < 10; i++) cliImport(file, `i15tenant${i}`, mysqlEnv); // untimed: the ten organizations
  cliImport(small, `i15warm${++seq}`, emptyEnv); // warm-up of each database, not kept
  cliImport(small, `i15warm${++seq}`, mysqlEnv);
  const intoEmpty: Sample[] = [];
  const intoFull: Sample[] = [];
  for (let i = 0; i < smallReps; i++) {
    intoEmpty.push(cliImport(small, `i15small${++seq}`, emptyEnv));
    intoFull.push(cliImport(small, `i15small${++seq}`, mysqlEnv));
  }
  await ctx.dropOtherDatabase(emptyDb);
  ctx.record('11g CLI import 10k, database without other orgs', 10_000, intoEmpty, { notes: 'alternating with 11h' });
  ctx.record('11h CLI import 10k, ten 100k orgs stored', 10_000, intoFull, { notes: `${ratio(med(intoFull), med(intoEmpty))} into the empty database; alternating with 11g` });
  targets.push({
    target: '10k org into a database of ten 100k orgs <= 1.2x into an empty one',
    value: ratio(med(intoFull), med(intoEmpty)),
    met: med(intoFull) <= 1.2 * med(intoEmpty),
  });
  return targets;
}
