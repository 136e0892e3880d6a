/**
 * Scenario 10 of `npm run bench`: how long the installed CLI takes to answer, as a user
 * runs it (`node bin/orgsync.js`, the compiled JavaScript): `--help`, `--version`, and a
 * 20-row import into the embedded SQLite database (already migrated, a new organization
 * each time). `node -e 0` is measured beside them: the floor no CLI goes below.
 * Targets (issue 14): --help and --version within 0.3 s, the import within 0.6 s.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomTree, treeCsv } from './generate.js';

export interface StartupSample {
  ms: number;
  /** Peak RSS in KB (from /usr/bin/time), 0 where it is not installed. */
  rss: number;
}

export interface StartupResult {
  name: string;
  rows: number;
  samples: StartupSample[];
  /** The target in ms, if the issue set one. */
  targetMs?: number;
}

const TIME = '/usr/bin/time';

function once(args: string[], env: NodeJS.ProcessEnv): StartupSample {
  const timed = existsSync(TIME);
  const [cmd, argv] = timed ? [TIME, ['-f', 'maxrss=%M', process.execPath, ...args]] : [process.execPath, args];
  const started = process.hrtime.bigint();
  const res = spawnSync(cmd, argv, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (res.status !== 0) throw new Error(`orgsync ${args.join(' ')} exited ${res.status}:\n${res.stderr}`);
  return { ms, rss: Number(/maxrss=(\d+)/.exec(res.stderr)?.[1] ?? 0) };
}

/** `runs` measured runs of each, after one warm-up (the file system cache). */
export function measureStartup(dir: string, runs: number): StartupResult[] {
  // The CLI runs dist/: compile what changed first (a no-op when nothing did).
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--quiet'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`the CLI did not compile:\n${build.stderr}`);

  const sqlite = join(dir, 'startup.sqlite');
  const file = join(dir, 'startup-20.csv');
  writeFileSync(file, treeCsv(randomTree(20)));
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ORGSYNC_SQLITE_PATH: sqlite };
  once(['bin/orgsync.js', 'migrate'], env);

  let org = 0;
  const cases: { name: string; rows: number; targetMs?: number; args: () => string[] }[] = [
    { name: 'node -e 0 (the floor)', rows: 0, args: () => ['-e', '0'] },
    { name: 'orgsync --help', rows: 0, targetMs: 300, args: () => ['bin/orgsync.js', '--help'] },
    { name: 'orgsync --version', rows: 0, targetMs: 300, args: () => ['bin/orgsync.js', '--version'] },
    { name: 'orgsync import (SQLite)', rows: 20, targetMs: 600, args: () => ['bin/orgsync.js', 'import', file, '--org', `start${++org}`, '--create-org'] },
  ];
  return cases.map(({ name, rows, targetMs, args }) => {
    once(args(), env);
    const samples = Array.from({ length: runs }, () => once(args(), env));
    return { name, rows, samples, ...(targetMs === undefined ? {} : { targetMs }) };
  });
}
