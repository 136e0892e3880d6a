/**
 * One measurement, run in a child process by bench/run.ts so that peak RSS is
 * the scenario's own. Prints one JSON line: { ms, rss, detail }.
 *
 *   tsx bench/scenario.ts <scenario> '<json args>'
 *
 * Everything before the clock starts (connecting, migrating, starting a worker
 * or a server, seeding) is untimed; `ms` is the wall time of the thing measured.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Knex } from 'knex';
import mysql from 'mysql2/promise';
import { loadConfig } from '../src/config.js';
import { type Db, migrateLatest, openDatabase } from '../src/adapters/db/index.js';
import { repositories } from '../src/adapters/db/repositories.js';
import { fileSource } from '../src/adapters/sources/file.js';
import { runImport } from '../src/app/importService.js';
import { parseImportOptions } from '../src/core/importOptions.js';
import { newDepartmentId, newOrganizationId } from '../src/ids.js';
// The queue and HTTP scenarios import what they need themselves: an in-process
// import loads only what `orgsync import` loads, so its peak RSS is comparable.

export interface ScenarioArgs {
  file: string;
  org: string;
  /** Import options (as the CLI would parse them); createOrg is always on. */
  options?: Record<string, unknown>;
  /** http-departments: seconds and connections. */
  seconds?: number;
  connections?: number;
}

const [scenario, argsJson] = process.argv.slice(2) as [string, string];
const args = JSON.parse(argsJson) as ScenarioArgs;
const config = loadConfig();
if (!config.database.url) throw new Error('bench needs DATABASE_URL (MySQL/MariaDB)');
const { file, org } = args;

interface Result {
  ms: number;
  /** Peak RSS in KiB of the process that did the work (the worker's for queued runs). */
  rss?: number;
  detail?: Record<string, unknown>;
}

function importOptions(extra: Record<string, unknown> = {}) {
  const options = parseImportOptions({ createOrg: true, ...args.options, ...extra });
  if (!options.ok) throw new Error(options.message);
  return options.value;
}

async function organizationId(db: Db, organizationCode: string): Promise<string | undefined> {
  const row = (await db.knex('organizations').select('id').where('code', organizationCode).first()) as { id: string } | undefined;
  return row?.id;
}

/**
 * The organization's department rows in summary: how many, how many a run
 * wrote (last_import_run_id), and a hash that any change of any updated_at changes.
 */
async function departmentsState(db: Db, organizationCode: string, runId = ''): Promise<{ rows: number; written: number; updatedAtHash: string }> {
  const id = await organizationId(db, organizationCode);
  if (id === undefined) return { rows: 0, written: 0, updatedAtHash: '' };
  const [rows] = (await db.knex.raw(
    'SELECT COUNT(*) AS n, COALESCE(SUM(last_import_run_id = ?), 0) AS w, COALESCE(SUM(CRC32(CONCAT(id, updated_at))), 0) AS h ' +
      'FROM departments FORCE INDEX (departments_org_parent_idx) WHERE organization_id = ?',
    [runId, id],
  )) as [{ n: number | string; w: number | string; h: number | string }[]];
  return { rows: Number(rows[0]!.n), written: Number(rows[0]!.w), updatedAtHash: String(rows[0]!.h) };
}

/** Counts the statements (and rows they affected) that write `departments`, from knex's query events. */
function countDepartmentWrites(knex: Knex): { statements: number; rowsAffected: number } {
  const counts = { statements: 0, rowsAffected: 0 };
  knex.on('query-response', (_processed: unknown, query: { sql?: string; response?: unknown[] }) => {
    if (!/^\s*(insert into|update|delete from)\s+`departments`/i.test(query.sql ?? '')) return;
    counts.statements++;
    // mysql2's own answer (knex keeps it as [result, fields]): the server's count of rows affected.
    counts.rowsAffected += (query.response?.[0] as { affectedRows?: number } | undefined)?.affectedRows ?? 0;
  });
  return counts;
}

async function inProcessImport(): Promise<Result> {
  const db = await openDatabase(config.database);
  await migrateLatest(db);
  const options = importOptions();
  const before = await departmentsState(db, org);
  const writes = countDepartmentWrites(db.knex);
  const source = await fileSource(file);
  const phases: Record<string, number> = {};
  const start = performance.now();
  const report = await runImport(repositories(db), {
    organizationCode: org,
    source,
    options,
    onProgress: (p) => {
      phases[p.phase] ??= performance.now() - start;
    },
  });
  const ms = performance.now() - start;
  if (report.fileError) throw new Error(`${report.fileError.code}: ${report.fileError.message}`);
  const after = await departmentsState(db, org, report.runId);
  await db.close();
  const read = phases.planning ?? ms;
  const planned = phases.writing ?? ms;
  return {
    ms,
    detail: {
      counts: report.counts,
      rowsWritten: after.written,
      departmentWrites: writes,
      updatedAtUnchanged: before.rows > 0 && before.rows === after.rows && before.updatedAtHash === after.updatedAtHash,
      // read: bytes to shaped rows; plan: lock, load of the stored departments, planning; write: statements and commit.
      phases: { read: read / 1000, plan: (planned - read) / 1000, write: (ms - planned) / 1000 },
    },
  };
}

/** `orgsync enqueue --wait` (fileSource, submitImport, waitForRun) against one `orgsync worker` started before the clock. */
async function queuedImport(): Promise<Result> {
  const { openQueue, openQueueEvents, openRedis } = await import('../src/adapters/queue/index.js');
  const { submitImport } = await import('../src/app/submitImport.js');
  const { waitForRun } = await import('../src/app/waitForRun.js');
  const { startWorker } = await import('./services.js');
  const worker = await startWorker();
  const db = await openDatabase(config.database);
  const redis = await openRedis(config.redisUrl, 'client');
  const queue = openQueue(redis, config.queue);
  const eventsRedis = await openRedis(config.redisUrl, 'worker');
  const events = await openQueueEvents(eventsRedis, config.queue);
  try {
    const options = importOptions();
    const start = performance.now();
    const source = await fileSource(file);
    const submitted = await submitImport({ repos: repositories(db), queue }, { organizationCode: org, source, options });
    if (submitted.kind !== 'submitted' || !submitted.enqueued) throw new Error(`not enqueued: ${JSON.stringify(submitted)}`);
    const report = await waitForRun(repositories(db), submitted.runId, { events });
    const ms = performance.now() - start;
    if (report.fileError) throw new Error(`${report.fileError.code}: ${report.fileError.message}`);
    return { ms, rss: worker.peakRssKiB(), detail: { counts: report.counts, status: report.status, submitterRssKiB: process.resourceUsage().maxRSS } };
  } finally {
    await events.close();
    await eventsRedis.quit();
    await queue.close();
    await redis.quit();
    await db.close();
    await worker.stop();
  }
}

/** A server (and its seeded organization) plus an admin token, for the HTTP scenarios. */
async function serverWithToken(withWorker: boolean) {
  const { createToken } = await import('../src/app/tokens.js');
  const { freePort, startServer, startWorker } = await import('./services.js');
  const db = await openDatabase(config.database);
  await migrateLatest(db);
  const { token } = await createToken(repositories(db), { isAdmin: true, name: 'bench' });
  await db.close();
  const worker = withWorker ? await startWorker() : undefined;
  const port = await freePort();
  const server = await startServer(port);
  return {
    base: `http://127.0.0.1:${port}`,
    token,
    server,
    async stop() {
      await server.stop();
      await worker?.stop();
    },
  };
}

/** POST .../departments from `connections` concurrent connections for `seconds`: autocannon. */
async function httpDepartments(): Promise<Result> {
  const { default: autocannon } = await import('autocannon');
  // The organization, seeded with the tree in `file` (untimed).
  const db = await openDatabase(config.database);
  await migrateLatest(db);
  const seeded = await runImport(repositories(db), { organizationCode: org, source: await fileSource(file), options: importOptions() });
  await db.close();
  const seedSize = seeded.counts.created;
  const http = await serverWithToken(false);
  let n = 0;
  const request = {
    method: 'POST' as const,
    path: `/v1/organizations/${encodeURIComponent(org)}/departments`,
    headers: { authorization: `Bearer ${http.token}`, 'content-type': 'application/json' },
    // Each request a new department, under a random seeded one, identified by code.
    setupRequest: (req: Record<string, unknown>) => {
      n++;
      const body = { name: `API department ${n}`, code: `API-${n}`, parentDepartmentId: `D${(n * 7919) % seedSize}`, departmentIdType: 'code' };
      return { ...req, body: JSON.stringify(body) };
    },
  };
  try {
    const run = (connections: number, duration: number) => autocannon({ url: http.base, connections, duration, requests: [request] });
    await run(10, 2); // warm-up
    const seconds = args.seconds ?? 10;
    const r = await run(args.connections ?? 50, seconds);
    return {
      ms: seconds * 1000,
      rss: http.server.peakRssKiB(),
      detail: {
        requests: r.requests.total,
        ok: r['2xx'],
        non2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
        requestsPerSecond: r['2xx'] / seconds,
        latencyMs: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
        connections: args.connections ?? 50,
        seededDepartments: seedSize,
      },
    };
  } finally {
    await http.stop();
  }
}

/** POST .../imports of the file as a raw text/csv body with wait=true: staging, the queue, a worker, the report. */
async function httpImport(): Promise<Result> {
  const http = await serverWithToken(true);
  try {
    const body = readFileSync(file);
    const url = `${http.base}/v1/organizations/${encodeURIComponent(org)}/imports?create-org=true&wait=true&timeout=600&filename=bench.csv`;
    const start = performance.now();
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${http.token}`, 'content-type': 'text/csv' }, body });
    const report = (await res.json()) as { status?: string; counts?: unknown };
    const ms = performance.now() - start;
    if (res.status !== 200 || report.status !== 'completed') throw new Error(`HTTP ${res.status}: ${JSON.stringify(report).slice(0, 500)}`);
    return { ms, rss: http.server.peakRssKiB(), detail: { counts: report.counts, status: report.status } };
  } finally {
    await http.stop();
  }
}

interface Prepared {
  id: string;
  code: string;
  parentCode: string;
  name: string;
  description: string;
}

/**
 * Parents before children, with ids: what the floor and the naive way start
 * from (untimed). Ids are made in insertion order, as orgsync makes them, so
 * the primary key grows at its end: made in file order instead, the 1,000,000
 * row floor took 6 minutes of page splits.
 */
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
    .map((r) => ({ name: r[0]!, code: r[1]!, parentCode: r[2]!, description: r[3]!, d: depthOf(r[1]!) }))
    .sort((a, b) => a.d - b.d)
    .map((r) => ({ ...r, id: newDepartmentId() }));
}

async function createOrg(conn: mysql.Connection): Promise<string> {
  const id = newOrganizationId();
  await conn.query('INSERT INTO organizations (id, code, name, name_scope, created_at, updated_at) VALUES (?, ?, ?, ?, NOW(3), NOW(3))', [id, org, org, 'organization']);
  return id;
}

async function floor(): Promise<Result> {
  const prepared = topological(parse(readFileSync(file), { from_line: 2 }) as string[][]);
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

/**
 * The product-schema floor (issue 15): every column orgsync writes, as plain
 * multi-row INSERTs (orgsync inserts new departments; it upserts only
 * updates) through raw mysql2, 1,000 rows per statement, in one transaction,
 * into orgsync's own `departments` table with its indexes and foreign keys.
 * What the schema costs, without the code.
 */
async function floorInsert(): Promise<Result> {
  const prepared = topological(parse(readFileSync(file), { from_line: 2 }) as string[][]);
  const conn = await mysql.createConnection({ uri: config.database.url!, charset: 'utf8mb4' });
  const orgId = await createOrg(conn);
  const byCode = new Map<string, { id: string; path: string; depth: number }>();
  const now = new Date();
  const values = prepared.map((p) => {
    const parent = p.parentCode === '' ? undefined : byCode.get(p.parentCode)!;
    const self = { id: p.id, path: `${parent?.path ?? ''}/${p.id}`, depth: parent ? parent.depth + 1 : 0 };
    byCode.set(p.code, self);
    // id, organization, name, description, code, open id, parent, path, depth, location, i18n, custom data,
    // leaders, posts, virtual, active, color, tenant, members, created, updated, run, name scope
    return [self.id, orgId, p.name, p.description, p.code, null, parent?.id ?? null, self.path, self.depth, null, null, null, null, null, 0, 1, null, null, 0, now, now, null, ''];
  });
  const start = performance.now();
  parse(readFileSync(file), { from_line: 2 }); // the parse is part of the floor
  await conn.beginTransaction();
  for (let i = 0; i < values.length; i += 1000) {
    await conn.query(
      'INSERT INTO departments (id, organization_id, name, description, code, open_department_id, parent_id, path, depth, location, i18n, custom_data, ' +
        'leader_user_ids, post_ids, is_virtual, is_active, color, tenant_id, member_count, created_at, updated_at, last_import_run_id, name_scope_key) VALUES ?',
      [values.slice(i, i + 1000)],
    );
  }
  await conn.commit();
  const ms = performance.now() - start;
  await conn.end();
  return { ms, detail: { rows: values.length } };
}

async function naive(): Promise<Result> {
  const prepared = topological(parse(readFileSync(file), { from_line: 2 }) as string[][]);
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

const scenarios: Record<string, () => Promise<Result>> = {
  floor,
  'floor-insert': floorInsert,
  naive,
  import: inProcessImport,
  queued: queuedImport,
  'http-departments': httpDepartments,
  'http-import': httpImport,
};
const run = scenarios[scenario];
if (!run) throw new Error(`unknown scenario ${scenario}`);
const result = await run();
process.stdout.write(`${JSON.stringify({ ...result, rss: result.rss ?? process.resourceUsage().maxRSS })}\n`);
