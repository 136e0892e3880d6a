/**
 * What a large import promotes to V8's old generation, per department and by
 * stage: `npm run bench:old-space -- [--rows 200000]`.
 *
 * This, not the live size, decides a 1,000,000-department import's peak RSS
 * (bench/README.md, "Run of 2026-12-05, 11:55 UTC"): V8 makes its last full
 * collection in the run's first seconds, so everything promoted after it,
 * live or garbage, stays to the end. Under 1 GB needs the whole run under
 * ~850 bytes a department. Each stage runs in this process, as the CLI runs
 * it, with `--initial-old-space-size` so that nothing is collected while it
 * runs and `--no-memory-reducer` so that no idle collection comes between:
 * "promoted" is the old generation's growth during the stage, "live" what a
 * forced full collection after it leaves, "garbage" the difference. A fresh
 * organization's stored view is empty (no load); the unchanged re-import
 * plans the same file against the organization the fresh import stored.
 *
 * The database is the bench's own (`orgsync_bench_old_space` on
 * BENCH_MYSQL_URL, default mysql://root@127.0.0.1:3306), dropped at the end.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics } from 'node:v8';
import knexLib from 'knex';
import { loadCheckedMysql } from '../src/adapters/db/departmentLoad.js';
import { parseImportOptions } from '../src/core/importOptions.js';
import { LoadTextSharing } from '../src/core/plan/loadTextSharing.js';
import type { StoredDepartment } from '../src/core/model.js';
import { planShapedRows, readShapedRows, type ShapedFile } from '../src/core/pipeline.js';
import { newDepartmentId } from '../src/ids.js';
import { dropDatabase, resetDatabase } from './backends.js';
import { randomTree, treeCsv } from './generate.js';

const { values: flags } = parseArgs({ options: { rows: { type: 'string', default: '200000' } } });
const rows = Number(flags.rows);
if (!Number.isInteger(rows) || rows < 1) throw new Error('--rows must be a positive whole number');
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run through `npm run bench:old-space` (it needs node --expose-gc)');

const MB = 1024 * 1024;
const oldGeneration = (): number =>
  getHeapSpaceStatistics()
    .filter((s) => s.space_name === 'old_space' || s.space_name === 'large_object_space')
    .reduce((sum, s) => sum + s.space_used_size, 0);
const collect = (): void => {
  gc();
  gc();
};

interface StageFigure {
  stage: string;
  promoted: number;
  live: number;
}

async function measure<T>(stage: string, figures: StageFigure[], run: () => Promise<T> | T): Promise<T> {
  collect();
  const before = oldGeneration();
  const result = await run();
  const grown = oldGeneration() - before;
  collect();
  figures.push({ stage, promoted: grown, live: oldGeneration() - before });
  return result;
}

const baseUrl = (process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, '');
const database = 'orgsync_bench_old_space';
const backends = { baseUrl, redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', queuePrefix: 'orgsync-bench-old-space' };
const build = spawnSync(process.execPath, ['scripts/build.mjs', '--quiet'], { encoding: 'utf8' });
if (build.status !== 0) throw new Error(`build failed:\n${build.stderr}`);
await resetDatabase(backends, database);
const dir = mkdtempSync(join(tmpdir(), 'orgsync-old-space-'));
const knex = knexLib({ client: 'mysql2', connection: `${baseUrl}/${database}` });
try {
  const file = join(dir, `tree-${rows}.csv`);
  writeFileSync(file, treeCsv(randomTree(rows, 42)));
  const imported = spawnSync(process.execPath, ['bin/orgsync.js', 'import', file, '--org', 'oldspace', '--create-org', '--parent-ref', 'code'], {
    env: { ...process.env, DATABASE_URL: `${baseUrl}/${database}`, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
  if (imported.status !== 0) throw new Error(`orgsync import failed:\n${imported.stderr}`);
  const org = (await knex('organizations').where({ code: 'oldspace' }).first()) as { id: string; code: string; name: string; name_scope: string };
  const parsed = parseImportOptions({ parentRef: 'code' });
  if (!parsed.ok) throw new Error(parsed.message);
  const options = parsed.value;
  const organization = { id: org.id, code: org.code, name: org.name, nameScope: 'organization' as const };

  const figures: StageFigure[] = [];
  const read = (): Promise<ShapedFile> => readShapedRows(createReadStream(file), options, { fileName: file });
  // Fresh: read and shape, then plan against nothing stored.
  const freshFile = await measure('read + shape', figures, read);
  const freshPlan = await measure('plan, fresh organization', figures, () => planShapedRows(freshFile, { organization, departments: [] }, options, newDepartmentId));
  // Unchanged: the stored view, then the same file planned against it. The
  // load shares the file's text as an import's does once its file is read
  // (core/plan/loadTextSharing.ts): here the file is read before, so all of it.
  const sharing = new LoadTextSharing();
  sharing.use(freshFile.rows);
  const stored = await measure<StoredDepartment[]>('load the stored view', figures, () => loadCheckedMysql(knex, org.id, sharing.share));
  sharing.release();
  const againPlan = await measure('plan, same file again', figures, () => planShapedRows(freshFile, { organization, departments: stored }, options, newDepartmentId));

  const per = (bytes: number) => Math.round(bytes / rows).toLocaleString('en-US');
  const mb = (bytes: number) => (bytes / MB).toFixed(1);
  console.log(`old-generation growth per stage, ${rows.toLocaleString('en-US')} departments (node ${process.version})`);
  console.log('| stage | promoted MB | live after MB | garbage MB | promoted bytes/dept | garbage bytes/dept |');
  console.log('|---|---|---|---|---|---|');
  for (const f of figures) {
    console.log(`| ${f.stage} | ${mb(f.promoted)} | ${mb(f.live)} | ${mb(f.promoted - f.live)} | ${per(f.promoted)} | ${per(f.promoted - f.live)} |`);
  }
  const sum = (names: string[]) => figures.filter((f) => names.includes(f.stage)).reduce((s, f) => s + f.promoted, 0);
  console.log(`\nfresh import (read + plan): ${per(sum(['read + shape', 'plan, fresh organization']))} bytes/dept promoted`);
  console.log(`unchanged re-import (read + load + plan): ${per(sum(['read + shape', 'load the stored view', 'plan, same file again']))} bytes/dept promoted`);
  console.log('(the CLI adds its write, Node and the young generation: bench/README.md, 11:55 section)');
  // Kept alive to here, so each stage's "live" is what it adds.
  void [freshFile, freshPlan, stored, againPlan];
} finally {
  await knex.destroy();
  await dropDatabase(backends, database);
  rmSync(dir, { recursive: true, force: true });
}
