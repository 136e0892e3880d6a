/**
 * The two phases of `npm run load` (see scripts/load.ts). Each returns the
 * checks that did not hold (empty: all held) and prints its figures.
 */
import type { Queue } from 'bullmq';
import pLimit from 'p-limit';
import { type Db, type ImportRunRecord, importRunsRepo } from '../../src/adapters/db/index.js';
import { SETTLED_RUN_STATUSES } from '../../src/app/waitForRun.js';
import { departmentsOf } from '../../test/support/importHarness.js';
import { type PlannedRequest, steadyTraffic, summarise } from './httpTraffic.js';
import { seconds, waitFor } from './scriptEnv.js';

export interface LoadContext {
  db: Db;
  queue: Queue;
  /** http://127.0.0.1:PORT */
  base: string;
  admin: string;
  /** A token of organization `api`, where the steady traffic creates departments. */
  apiOrgToken: string;
  /** The most uploads in flight at once (`--uploads-in-flight`). */
  uploadsInFlight: number;
}

/** Run rows read at once when checking many runs: a few, since the pool has few connections. */
const RUN_READS_IN_FLIGHT = 4;

/** `rows` departments, 20 at the top, four under each earlier one; names carry the version. */
function treeFile(rows: number, version: string): string {
  const lines = ['name,code,parentCode'];
  for (let i = 0; i < rows; i++) lines.push(`Department ${i} ${version},C${i},${i < 20 ? '' : `C${Math.floor((i - 20) / 4)}`}`);
  return `${lines.join('\n')}\n`;
}

async function upload(ctx: LoadContext, org: string, body: string, query = ''): Promise<{ runId: string; duplicate: boolean }> {
  const res = await fetch(`${ctx.base}/v1/organizations/${org}/imports${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ctx.admin}`, 'content-type': 'text/csv' },
    body,
  });
  const json = (await res.json()) as { runId?: string; duplicate?: boolean };
  if (res.status !== 202 || !json.runId) throw new Error(`upload to ${org}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return { runId: json.runId, duplicate: json.duplicate === true };
}

async function allSettled(db: Db, runIds: readonly string[], ceilingMs: number): Promise<ImportRunRecord[]> {
  const runs = importRunsRepo(db);
  return waitFor(`${runIds.length} runs to finish`, async () => {
    const found = await db.knex('import_runs').whereIn('id', runIds).whereIn('status', SETTLED_RUN_STATUSES).count({ n: '*' }).first();
    if (Number((found as { n: number | string } | undefined)?.n) < runIds.length) return undefined;
    return pLimit(RUN_READS_IN_FLIGHT).map(runIds, async (id) => (await runs.getRun(id))!);
  }, ceilingMs, 250);
}

/** The steady API traffic: lists of the importing organizations, and creates, gets and lists in `api`. */
function apiRequests(ctx: LoadContext, orgs: readonly string[], rows: number) {
  const created: string[] = [];
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${ctx.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { res, json: (await res.json()) as Record<string, unknown> };
  };
  const expect = (res: Response, status: number, extra?: string) => ({ status: res.status, ...(res.status !== status || extra ? { problem: extra ?? `HTTP ${res.status}` } : {}) });
  return (n: number): PlannedRequest => {
    switch (n % 4) {
      case 0: {
        const org = orgs[n % orgs.length]!;
        return {
          kind: 'list (importing org)',
          async run() {
            const { res, json } = await call(ctx.admin, 'GET', `/v1/organizations/${org}/departments?limit=50&offset=${(n * 37) % rows}`);
            const total = (json.pagination as { total?: number } | undefined)?.total;
            // An import is one transaction: a reader sees none of it or all of it.
            return expect(res, 200, total === 0 || total === rows ? undefined : `partial import visible: total ${total}`);
          },
        };
      }
      case 1:
        return {
          kind: 'create',
          async run() {
            const parent = created.length > 0 ? created[n % created.length] : undefined;
            const { res, json } = await call(ctx.apiOrgToken, 'POST', '/v1/organizations/api/departments', {
              name: `Load ${n}`,
              code: `L${n}`,
              description: 'created under load',
              ...(parent ? { parent_id: parent } : {}),
            });
            if (res.status === 201) created.push(String(json.id));
            return expect(res, 201);
          },
        };
      case 2:
        return {
          kind: 'get',
          async run() {
            const id = created[n % Math.max(1, created.length)];
            if (id === undefined) return expect((await call(ctx.apiOrgToken, 'GET', '/v1/organizations/api/departments')).res, 200);
            return expect((await call(ctx.apiOrgToken, 'GET', `/v1/organizations/api/departments/${id}`)).res, 200);
          },
        };
      default:
        return {
          kind: 'list (api org, top level)',
          async run() {
            return expect((await call(ctx.apiOrgToken, 'GET', '/v1/organizations/api/departments?parent_id=root&limit=100')).res, 200);
          },
        };
    }
  };
}

export async function runConcurrentImports(ctx: LoadContext, opts: { orgs: readonly string[]; rows: number; rate: number }): Promise<string[]> {
  const problems: string[] = [];
  const { orgs, rows } = opts;
  const traffic = steadyTraffic(opts.rate, apiRequests(ctx, orgs, rows), 15 * 60_000);
  const start = Date.now();
  const v1 = treeFile(rows, 'v1');
  const v2 = treeFile(rows, 'v2');
  // Per organization v1 then v2; the organizations at once (up to the uploads-in-flight bound).
  const submitted = await pLimit(ctx.uploadsInFlight).map(orgs, async (org) => ({ org, v1: (await upload(ctx, org, v1)).runId, v2: (await upload(ctx, org, v2)).runId }));
  const submitMs = Date.now() - start;
  const runs = await allSettled(ctx.db, submitted.flatMap((s) => [s.v1, s.v2]), 15 * 60_000);
  const importMs = Date.now() - start;
  const samples = await traffic.stop();
  const byId = new Map(runs.map((r) => [r.id, r]));

  for (const { org, v1: id1, v2: id2 } of submitted) {
    const [a, b] = [byId.get(id1)!, byId.get(id2)!];
    const [first, second] = (a.lockAcquiredAt ?? '') <= (b.lockAcquiredAt ?? '') ? [a, b] : [b, a];
    if (first.status !== 'completed' || second.status !== 'completed') problems.push(`${org}: runs ${first.status} / ${second.status}`);
    if (!first.finishedAt || !second.lockAcquiredAt || first.finishedAt > second.lockAcquiredAt) problems.push(`${org}: the runs overlapped`);
    if (first.counts?.created !== rows || second.counts?.updated !== rows) problems.push(`${org}: counts ${JSON.stringify(first.counts)} then ${JSON.stringify(second.counts)}`);
    const last = second.id === id2 ? 'v2' : 'v1';
    const stored = await departmentsOf(ctx.db, org);
    if (stored.length !== rows || new Set(stored.map((d) => d.code)).size !== rows) problems.push(`${org}: ${stored.length} departments stored`);
    if (!stored.every((d) => d.name.endsWith(` ${last}`))) problems.push(`${org}: names are not all those of the run that ran last (${last})`);
  }
  const apiStored = await departmentsOf(ctx.db, 'api');
  const creates = samples.filter((s) => s.kind === 'create' && s.ok).length;
  if (apiStored.length !== creates || new Set(apiStored.map((d) => d.code)).size !== creates) problems.push(`api: ${apiStored.length} departments for ${creates} creates`);
  for (const s of samples.filter((x) => !x.ok).slice(0, 10)) problems.push(`API ${s.kind}: ${s.problem ?? s.status}`);

  const reversed = submitted.filter((s) => (byId.get(s.v2)!.lockAcquiredAt ?? '') < (byId.get(s.v1)!.lockAcquiredAt ?? '')).length;
  console.log(`\n${orgs.length} organizations × 2 imports of ${rows} rows through 2 workers (concurrency 4): uploads ${seconds(submitMs)}, all ${runs.length} runs done after ${seconds(importMs)}`);
  console.log(`  per organization: runs never overlapped; ${orgs.length - reversed} ran in submission order, ${reversed} the other way round (both allowed: see "Known limits")`);
  console.log(`API at ${opts.rate} req/s meanwhile (${seconds(importMs)}):`);
  console.log('  kind                        requests  errors   p50 ms   p99 ms   max ms');
  for (const s of summarise(samples)) {
    console.log(`  ${s.kind.padEnd(26)} ${String(s.count).padStart(9)} ${String(s.errors).padStart(7)} ${s.p50.toFixed(1).padStart(8)} ${s.p99.toFixed(1).padStart(8)} ${s.max.toFixed(1).padStart(8)}`);
  }
  return problems;
}

export async function runSmallImports(ctx: LoadContext, count: number): Promise<string[]> {
  const problems: string[] = [];
  const orgCount = Math.min(50, count);
  const start = Date.now();
  // Every upload is started at once; at most uploadsInFlight are sent at a time, the rest wait their turn on the client.
  const submitted = await pLimit(ctx.uploadsInFlight).map(Array.from({ length: count }, (_, i) => i), (i) => {
    const lines = ['name,code,parentCode', ...Array.from({ length: 10 }, (_, j) => `Small ${i}.${j},S${i}-${j},${j === 0 ? '' : `S${i}-0`}`)];
    return upload(ctx, `small-${i % orgCount}`, `${lines.join('\n')}\n`, '?create-org=true');
  });
  const submitMs = Date.now() - start;
  const runs = await allSettled(ctx.db, submitted.map((s) => s.runId), 15 * 60_000);
  const counts = await waitFor('the queue to drain', async () => {
    const c = await ctx.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
    return Object.values(c).every((n) => n === 0) ? c : undefined;
  }, 60_000, 100);
  const drainMs = Date.now() - start;

  if (new Set(submitted.map((s) => s.runId)).size !== count || submitted.some((s) => s.duplicate)) problems.push('small imports: a submission was taken for a duplicate');
  const notCompleted = runs.filter((r) => r.status !== 'completed');
  if (notCompleted.length > 0) problems.push(`small imports: ${notCompleted.length} runs not completed (${notCompleted[0]?.status} ${notCompleted[0]?.errorMessage ?? ''})`);
  let stored = 0;
  for (let k = 0; k < orgCount; k++) {
    const departments = await departmentsOf(ctx.db, `small-${k}`);
    stored += departments.length;
    const expected = Math.ceil((count - k) / orgCount) * 10;
    if (departments.length !== expected || new Set(departments.map((d) => d.code)).size !== expected) problems.push(`small-${k}: ${departments.length} departments, expected ${expected}`);
  }
  const recorded = await ctx.db.knex('import_runs').where('organization_code', 'like', 'small-%').count({ n: '*' }).first();
  if (Number((recorded as { n: number | string }).n) !== count) problems.push(`small imports: ${String((recorded as { n: unknown }).n)} runs recorded for ${count} uploads`);

  console.log(`\n${count} imports of 10 rows into ${orgCount} organizations, uploaded ${ctx.uploadsInFlight} at a time: uploads acknowledged in ${seconds(submitMs)}, all completed and the queue drained (${JSON.stringify(counts)}) after ${seconds(drainMs)}; ${stored} departments stored`);
  return problems;
}
