/**
 * Storage cost of the department history (issues 13 and 15): one
 * 10,000-department import into a fresh MariaDB/MySQL database (every
 * department `created`: since migration 0015 one history row for the run's
 * creates, each department pointing at it through created_history_id), then a
 * second run that renames every department (`updated`, a row each holding
 * only the changed field), and the table's size from information_schema after
 * ANALYZE TABLE, per history row.
 *
 *   npx tsx bench/history.ts            # MYSQL_BENCH_URL, default mysql://root@127.0.0.1:3306
 *
 * Not part of `npm run bench` (one scenario, one number: bench/README.md).
 */
import mysql from 'mysql2/promise';
import { migrateLatest, openDatabase, repositories } from '../src/adapters/db/index.js';
import { runImport } from '../src/app/importService.js';
import { parseImportOptions } from '../src/core/importOptions.js';

const DEPARTMENTS = Number(process.env.HISTORY_BENCH_DEPARTMENTS ?? 10_000);
const SERVER = process.env.MYSQL_BENCH_URL ?? 'mysql://root@127.0.0.1:3306';
const DATABASE = `orgsync_bench_history_${process.pid}`;

function csv(suffix: string): Buffer {
  const lines = ['name,code,parentCode,description'];
  // 10 top-level departments, each with a chain of 10-wide levels: a realistic fan-out, depth 4.
  for (let i = 0; i < DEPARTMENTS; i++) {
    const parent = i < 10 ? '' : `D${Math.floor(i / 10) - 1}`;
    lines.push(`Department ${i}${suffix},D${i},${parent},Cost centre ${i % 97}`);
  }
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

async function main(): Promise<void> {
  const admin = await mysql.createConnection({ uri: SERVER });
  await admin.query(`CREATE DATABASE \`${DATABASE}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = new URL(SERVER);
  url.pathname = `/${DATABASE}`;
  const db = await openDatabase({ url: url.toString(), sqlitePath: '', lockTimeoutSeconds: 60 });
  try {
    await migrateLatest(db);
    const parsed = parseImportOptions({ createOrg: true });
    if (!parsed.ok) throw new Error(parsed.message);
    const sizes: Record<string, unknown>[] = [];
    for (const [label, suffix] of [
      ['created', ''],
      ['updated (renamed)', ' (renamed)'],
    ] as const) {
      const bytes = csv(suffix);
      const started = process.hrtime.bigint();
      const report = await runImport(repositories(db), {
        organizationCode: 'bench',
        source: { name: 'bench.csv', bytes: (async function* () { yield bytes; })() },
        options: parsed.value,
        actor: 'cli:bench',
      });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      await db.knex.raw('ANALYZE TABLE department_history');
      const [rows] = (await db.knex.raw(
        `SELECT table_rows, data_length, index_length FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'department_history'`,
      )) as unknown as [{ table_rows: number; data_length: number; index_length: number }[]];
      const count = Number(((await db.knex('department_history').count({ n: '*' })) as { n: unknown }[])[0]!.n);
      const s = rows[0]!;
      sizes.push({
        after: label,
        status: report.status,
        importMs: Math.round(ms),
        historyRows: count,
        dataBytes: Number(s.data_length),
        indexBytes: Number(s.index_length),
        bytesPerRow: Math.round((Number(s.data_length) + Number(s.index_length)) / count),
      });
    }
    console.table(sizes);
  } finally {
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
    await admin.end();
  }
}

await main();
