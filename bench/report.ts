/**
 * The end of `npm run bench` (bench/run.ts): the table of every recorded
 * scenario, the targets of issues 6 and 14 computed from it, the tables of
 * issue 15's and issue 12's targets, and the JSON of --json FILE.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import type { Target } from './issue15.js';
import type { StartupResult } from './startup.js';

export interface Sample {
  ms: number;
  rss: number;
  detail?: Record<string, unknown>;
}

export interface Row {
  scenario: string;
  rows: number;
  samples: Sample[];
  floorMs?: number;
  notes?: string;
}

export interface RunInfo {
  startedAt: Date;
  env: { database: string; redis: string };
  loadBefore: number[];
  retries: number;
  options: Record<string, unknown>;
  json?: string;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const secs = (ms: number) => (ms / 1000).toFixed(2);
const LARGE = 1_000_000;

function fmtTable(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [fmt(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(fmt)].join('\n');
}

function printTargets(title: string, targets: Target[]): void {
  if (targets.length === 0) return;
  console.log('');
  console.log(fmtTable([title, 'this run', 'met'], targets.map((t) => [t.target, t.value, t.met ? 'yes' : 'NO'])));
}

/** The targets of issues 6 and 14, from this run's figures. */
function issue6Targets(results: Row[], startup: StartupResult[]): Target[] {
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
  return targets;
}

/** Prints the tables (stdout) and writes the JSON. */
export function report(run: RunInfo, results: Row[], startup: StartupResult[], issue15: Target[], issue12: Target[]): void {
  const { startedAt, env, loadBefore, retries } = run;
  const loadAfter = loadavg();
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
  console.log(
    `orgsync bench ${startedAt.toISOString()}: node ${process.version}, ${env.database}, Redis ${env.redis}, ` +
      `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after` +
      (retries > 0 ? `; ${retries} measurement(s) retried after MariaDB/Redis went away` : ''),
  );
  console.log(fmtTable(header, lines));

  const targets = issue6Targets(results, startup);
  printTargets('target (issues 6, 14)', targets);
  printTargets('target (issue 15)', issue15);
  printTargets('target (issue 12, API)', issue12);

  if (run.json) {
    const out = {
      date: startedAt.toISOString(),
      node: process.version,
      database: env.database,
      redis: env.redis,
      cores: cpus().length,
      loadAverage: { before: loadBefore, after: loadAfter },
      options: run.options,
      retries,
      results,
      targets,
      issue15,
      issue12,
    };
    writeFileSync(run.json, `${JSON.stringify(out, null, 2)}\n`);
  }
}
