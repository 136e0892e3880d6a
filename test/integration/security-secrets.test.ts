/**
 * Tokens and source credentials never leave the places they must be: a
 * server and a worker run together, at log level trace, through everything
 * that carries a token or a source's Authorization header (API calls with
 * good, wrong and other organizations' tokens, uploads, scheduled syncs over
 * HTTP that succeed, fail with 503 until retries run out, and are refused,
 * error reports, a dashboard login and its job views). Then every secret is
 * looked for in: every log line, every Redis key of the queue (job data,
 * results, failure reasons, schedules), every row of every table, and every
 * response the API and the dashboard gave.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/adapters/http/app.js';
import { organizationsRepo, TABLES, repositories } from '../../src/adapters/db/index.js';
import { createLogger } from '../../src/adapters/log.js';
import { jobOptions } from '../../src/adapters/queue/index.js';
import { runScheduleNow } from '../../src/app/schedules.js';
import { createToken } from '../../src/app/tokens.js';
import { loadConfig } from '../../src/config.js';
import { openSecondHandle, openTestDatabase, type TestDb } from '../support/db.js';
import { eventually, openTestQueue, settledRun, type TestQueue, testDatabaseName } from '../support/queueHarness.js';

const HRIS_SECRET = 'hris-bearer-Zq8T3vK1pW6yN4mR';
const HRIS_API_KEY = 'hris-api-key-Lm5Xc2Vb7Nq9Rt';

/** Everything written to it, as text: where the server's and the worker's pino loggers write. */
function capture(): { stream: Writable; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('secrets in logs, job data, run rows, error reports and the dashboard', () => {
  let db: TestDb;
  let tq: TestQueue;
  let app: FastifyInstance;
  let hris: Server;
  let origin: string;
  const logs = capture();
  const responses: string[] = [];

  beforeAll(async () => {
    db = await openTestDatabase('mysql', testDatabaseName('security_secrets'));
    tq = await openTestQueue('security-secrets', { attempts: 2, backoffMs: 100 });
    hris = createServer((req, res) => {
      const authorized = req.headers.authorization === `Bearer ${HRIS_SECRET}` && req.headers['x-api-key'] === HRIS_API_KEY;
      if (!authorized) return void res.writeHead(401).end();
      if (req.url?.startsWith('/flaky')) return void res.writeHead(503).end();
      if (req.url?.startsWith('/moved')) return void res.writeHead(302, { location: '/export.csv' }).end();
      // One row fails (its parent is missing), so the run has an error report.
      res.writeHead(200, { 'content-type': 'text/csv' }).end('name,code,parentCode\nHQ,HQ,\nOps,OPS,HQ\nLost,LOST,NOPE\n');
    });
    await new Promise<void>((resolve) => hris.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(hris.address() as AddressInfo).port}`;
    const config = loadConfig({ ORGSYNC_QUEUE_PREFIX: tq.config.prefix, ORGSYNC_QUEUE_NAME: tq.config.name, ORGSYNC_JOB_ATTEMPTS: '2', ORGSYNC_JOB_BACKOFF_MS: '100' });
    app = await buildApp({ db, repos: repositories(db), config, queue: tq.queue, readiness: [], logger: { level: 'trace', stream: logs.stream } });
    await tq.startWorker(await openSecondHandle(db), {
      log: createLogger('trace', logs.stream),
      sources: { httpHeaders: { [origin]: { Authorization: `Bearer ${HRIS_SECRET}`, 'X-Api-Key': HRIS_API_KEY } }, httpTimeoutSeconds: 5, root: undefined, allowPrivateNetworks: true },
    });
  });
  afterAll(async () => {
    await app?.close();
    await tq?.close();
    await db?.drop();
    await new Promise<void>((resolve) => hris?.close(() => resolve()));
  });

  const send = async (res: Promise<LightMyRequestResponse>) => {
    const r = await res;
    responses.push(`${JSON.stringify(r.headers)}\n${r.body}`);
    return r;
  };
  const call = (token: string, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, type = 'application/json') =>
    send(
      app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': type }) },
        payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );

  /** Every key of the test's queue prefix, with its value, as text. */
  async function redisDump(): Promise<string> {
    const out: string[] = [];
    for (const key of await tq.redis.keys(`${tq.config.prefix}:*`)) {
      const type = await tq.redis.type(key);
      const value =
        type === 'hash' ? await tq.redis.hgetall(key)
        : type === 'string' ? await tq.redis.get(key)
        : type === 'list' ? await tq.redis.lrange(key, 0, -1)
        : type === 'zset' ? await tq.redis.zrange(key, '0', '-1', 'WITHSCORES')
        : type === 'set' ? await tq.redis.smembers(key)
        : type === 'stream' ? await tq.redis.xrange(key, '-', '+')
        : type;
      out.push(`${key} ${JSON.stringify(value)}`);
    }
    return out.join('\n');
  }

  /** Every row of every table, staged bytes included (as text). */
  async function databaseDump(): Promise<string> {
    const out: string[] = [];
    for (const table of Object.values(TABLES)) {
      for (const row of (await db.knex(table).select('*')) as Record<string, unknown>[]) {
        out.push(`${table} ${JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : v))}`);
      }
    }
    return out.join('\n');
  }

  it('never writes a token or a source credential anywhere but where it is configured', async () => {
    await organizationsRepo(db).create({ code: 'acme', name: 'ACME', nameScope: 'organization' });
    await organizationsRepo(db).create({ code: 'globex', name: 'Globex', nameScope: 'organization' });
    const admin = await createToken(repositories(db), { isAdmin: true, name: 'ops' });
    const acme = await createToken(repositories(db), { organizationCode: 'acme', isAdmin: false });
    const wrongSecret = `${acme.id}.c2VjcmV0LXRoYXQtaXMtd3Jvbmc`;
    const secrets = [admin.token, admin.token.split('.')[1]!, acme.token, acme.token.split('.')[1]!, wrongSecret, wrongSecret.split('.')[1]!, HRIS_SECRET, HRIS_API_KEY];

    // Schedules over HTTP: one that works, one that answers 503 until retries run out, one that redirects.
    for (const [name, path] of [['hris', '/export.csv?tenant=acme'], ['flaky', '/flaky'], ['moved', '/moved']]) {
      const put = await call(admin.token, 'PUT', `/v1/organizations/acme/schedules/${name}`, { source: `${origin}${path}`, cron: '0 3 1 1 *' });
      expect(put.statusCode).toBe(201);
    }
    // Credentials in the URL itself are refused: the URL is stored in Redis as given.
    const inUrl = await call(admin.token, 'PUT', '/v1/organizations/acme/schedules/userinfo', { source: `http://sync:${HRIS_SECRET}@127.0.0.1/x.csv`, cron: '0 3 1 1 *' });
    expect(inUrl.statusCode).toBe(400);
    const events = await tq.events();
    const failed = new Map<string, string>();
    events.on('failed', ({ jobId, failedReason }) => failed.set(jobId, failedReason));
    const jobs = Object.fromEntries(await Promise.all(['hris', 'flaky', 'moved'].map(async (n) => [n, await runScheduleNow(tq.queue, jobOptions(tq.config), n)] as const)));
    await eventually(async () => (failed.has(jobs.flaky!) && failed.has(jobs.moved!) ? true : undefined), 'the flaky and moved syncs to fail');
    const synced = await eventually(async () => {
      const job = await tq.queue.getJob(jobs.hris!);
      return (job?.returnvalue as { runId?: string } | undefined)?.runId;
    }, 'the hris sync to submit its run');
    expect((await settledRun(db, synced)).status).toBe('completed_with_errors');

    // The API with the organization's token: an upload, the runs, their errors as JSON and as the CSV report.
    const upload = await call(acme.token, 'POST', '/v1/organizations/acme/imports?wait=true&timeout=30', 'name,code,parentCode\nSales,SAL,\nBroken,BRK,MISSING\n', 'text/csv');
    expect(upload.statusCode).toBe(200);
    for (const runId of [synced, upload.json().runId as string]) {
      expect((await call(acme.token, 'GET', `/v1/organizations/acme/imports/${runId}`)).statusCode).toBe(200);
      expect((await call(acme.token, 'GET', `/v1/organizations/acme/imports/${runId}/errors`)).statusCode).toBe(200);
      expect((await call(acme.token, 'GET', `/v1/organizations/acme/imports/${runId}/errors?format=csv`)).statusCode).toBe(200);
    }
    expect((await call(acme.token, 'GET', '/v1/organizations/acme/imports')).statusCode).toBe(200);
    expect((await call(acme.token, 'GET', '/v1/organizations/acme/schedules')).statusCode).toBe(200);
    // Refused requests: a wrong secret for a real token id, another organization, a malformed header.
    expect((await call(wrongSecret, 'GET', '/v1/organizations/acme/departments')).statusCode).toBe(401);
    expect((await call(acme.token, 'GET', '/v1/organizations/globex/departments')).statusCode).toBe(404);
    expect((await send(app.inject({ url: '/v1/organizations/acme/departments', headers: { authorization: `Token ${acme.token}` } }))).statusCode).toBe(401);

    // The dashboard: a login, the queue overview with every job state, and each job's page.
    const login = await send(app.inject({ method: 'POST', url: '/admin/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${encodeURIComponent(admin.token)}` }));
    expect(login.statusCode).toBe(303);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    for (const status of ['latest', 'completed', 'failed']) {
      const board = await send(app.inject({ url: `/admin/queues/api/queues?activeQueue=${tq.config.name}&status=${status}&page=1&jobsPerPage=50`, headers: { cookie } }));
      expect(board.statusCode).toBe(200);
    }
    for (const id of Object.values(jobs)) expect((await send(app.inject({ url: `/admin/queues/api/queues/${tq.config.name}/${id}`, headers: { cookie } }))).statusCode).toBe(200);
    expect((await send(app.inject({ url: '/admin/queues/api/job-schedulers', headers: { cookie } }))).statusCode).toBe(200);

    const haystacks = { logs: logs.text(), redis: await redisDump(), database: await databaseDump(), responses: responses.join('\n') };
    // The capture saw what it should have: otherwise finding nothing would prove nothing.
    expect(haystacks.logs).toContain('"run finished"');
    expect(haystacks.logs).toContain(acme.id);
    expect(haystacks.logs).toContain('HTTP 503');
    expect(haystacks.redis).toContain(`${origin}/export.csv?tenant=acme`);
    expect(haystacks.database).toContain('NOPE');
    expect(haystacks.responses).toContain(`${origin}/flaky`);
    const leaks = Object.entries(haystacks).flatMap(([where, text]) => secrets.filter((s) => text.includes(s)).map((s) => `${where}: ${s.slice(0, 12)}...`));
    expect(leaks).toEqual([]);
  });
});
