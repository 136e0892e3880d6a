/**
 * One measurement, run in a child process by bench/run.ts so that peak RSS is
 * the scenario's own. Prints one JSON line: { ms, rss, detail }.
 *
 *   tsx bench/scenario.ts <scenario> <file> <org> [json-args]
 */
import { readFileSync, createReadStream } from 'node:fs';
import { parse } from 'csv-parse/sync';
import mysql from 'mysql2/promise';
import { loadConfig } from '../src/config.js';
import { openDatabase, migrateLatest } from '../src/adapters/db/index.js';
import { runImport } from '../src/app/importService.js';
import { parseImportOptions } from '../src/core/importOptions.js';
import { newDepartmentId, newOrganizationId } from '../src/ids.js';

const [scenario, file, org, extra] = process.argv.slice(2) as [string, string, string, string | undefined];
const args = extra ? (JSON.parse(extra) as Record<string, unknown>) : {};
const config = loadConfig();
if (!config.database.url) throw new Error('bench needs DATABASE_URL (MySQL/MariaDB)');

async function inProcessImport(): Promise<Record<string, unknown>> {
  const db = await openDatabase(config.database);
  await migrateLatest(db);
  const options = parseImportOptions({ createOrg: true, ...args });
  if (!options.ok) throw new Error(options.message);
  const start = performance.now();
  const report = await runImport(db, { organizationCode: org, source: { name: file, bytes: createReadStream(file, { highWaterMark: 1 << 20 }) }, options: options.value });
  const ms = performance.now() - start;
  const rows = (await db.knex('departments').where('last_import_run_id', report.runId).count({ n: '*' }).first()) as { n: number | string };
  await db.close();
  if (report.fileError) throw new Error(`${report.fileError.code}: ${report.fileError.message}`);
  return { ms, detail: { counts: report.counts, rowsWritten: Number(rows.n) } };
}

interface Prepared {
  id: string;
  code: string;
  parentCode: string;
  name: string;
  description: string;
}

/** Parents before children, with ids: what the floor and the naive way start from (untimed). */
function topological(records: string[][]): Prepared[] {
  const byCode = new Map(records.map((r) => [r[1]!, r]));
  const depth = new Map<string, number>();
  const depthOf = (code: string): number => {
    let d = depth.get(code);
    if (d !== undefined) return d;
    const parent = byCode.get(code)![2]!;
    d = parent === '' ? 0 : depthOf(parent) + 1;
    depth.set(code, d);
    return d;
  };
  return records
    .map((r) => ({ id: newDepartmentId(), name: r[0]!, code: r[1]!, parentCode: r[2]!, description: r[3]!, d: depthOf(r[1]!) }))
    .sort((a, b) => a.d - b.d);
}

async function createOrg(conn: mysql.Connection): Promise<string> {
  const id = newOrganizationId();
  await conn.query('INSERT INTO organizations (id, code, name, name_scope, created_at, updated_at) VALUES (?, ?, ?, ?, NOW(3), NOW(3))', [id, org, org, 'organization']);
  return id;
}

async function floor(): Promise<Record<string, unknown>> {
  const prepared = topological((parse(readFileSync(file), { from_line: 2 }) as string[][]));
  const conn = await mysql.createConnection({ uri: config.database.url!, charset: 'utf8mb4' });
  const orgId = await createOrg(conn);
  const byCode = new Map<string, { id: string; path: string; depth: number }>();
  const values = prepared.map((p) => {
    const parent = p.parentCode === '' ? undefined : byCode.get(p.parentCode)!;
    const self = { id: p.id, path: `${parent?.path ?? ''}/${p.id}`, depth: parent ? parent.depth + 1 : 0 };
    byCode.set(p.code, self);
    return [self.id, orgId, p.name, p.description, p.code, parent?.id ?? null, self.path, self.depth, '', new Date(), new Date()];
  });
  const start = performance.now();
  parse(readFileSync(file), { from_line: 2 }); // the parse is part of the floor
  await conn.beginTransaction();
  for (let i = 0; i < values.length; i += 1000) {
    await conn.query(
      'INSERT INTO departments (id, organization_id, name, description, code, parent_id, path, depth, name_scope_key, created_at, updated_at) VALUES ? ' +
        'ON DUPLICATE KEY UPDATE name = VALUES(name), description = VALUES(description), parent_id = VALUES(parent_id), path = VALUES(path), depth = VALUES(depth), updated_at = VALUES(updated_at)',
      [values.slice(i, i + 1000)],
    );
  }
  await conn.commit();
  const ms = performance.now() - start;
  await conn.end();
  return { ms, detail: { rows: values.length } };
}

async function naive(): Promise<Record<string, unknown>> {
  const prepared = topological((parse(readFileSync(file), { from_line: 2 }) as string[][]));
  const conn = await mysql.createConnection({ uri: config.database.url!, charset: 'utf8mb4' });
  const orgId = await createOrg(conn);
  const start = performance.now();
  parse(readFileSync(file), { from_line: 2 });
  for (const p of prepared) {
    let parent: { id: string; path: string; depth: number } | undefined;
    if (p.parentCode !== '') {
      const [rows] = await conn.query('SELECT id, path, depth FROM departments WHERE organization_id = ? AND code = ?', [orgId, p.parentCode]);
      parent = (rows as { id: string; path: string; depth: number }[])[0];
    }
    await conn.query(
      'INSERT INTO departments (id, organization_id, name, description, code, parent_id, path, depth, name_scope_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NOW(3), NOW(3))',
      [p.id, orgId, p.name, p.description, p.code, parent?.id ?? null, `${parent?.path ?? ''}/${p.id}`, parent ? parent.depth + 1 : 0, ''],
    );
  }
  const ms = performance.now() - start;
  await conn.end();
  return { ms, detail: { rows: prepared.length } };
}

const run = { floor, naive, import: inProcessImport }[scenario as 'floor' | 'naive' | 'import'];
if (!run) throw new Error(`unknown scenario ${scenario}`);
const result = await run();
process.stdout.write(`${JSON.stringify({ ...result, rss: process.resourceUsage().maxRSS })}\n`);
