/**
 * What every route shares: health and readiness, request ids and trace ids,
 * the envelope for unknown routes and for internal errors (no stack traces),
 * rate limiting per token, logs without secrets, and the OpenAPI document
 * (its examples parse with their schemas and match what the server returns).
 */
import { repositories } from '../../src/adapters/db/index.js';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/adapters/http/app.js';
import { registeredExamples } from '../../src/adapters/http/schemas/common.js';
import { openSecondHandle } from '../support/db.js';
import { call, createOrg, envelopeOf, type HttpHarness, openHttpHarness, orgToken, testConfig } from '../support/httpHarness.js';

describe('the HTTP app', () => {
  let h: HttpHarness;
  let token: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    h = await openHttpHarness('sqlite', 'http_app');
    await createOrg(h.db, 'acme');
    token = await orgToken(h.db, 'acme');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('/healthz and /readyz answer without a token', async () => {
    expect((await h.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await h.app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: { ok: true }, redis: { ok: true } } });
  });

  it('/readyz answers 503 naming the dependency that does not answer, and no reason', async () => {
    const app = await buildApp({
      db: h.db,
      repos: repositories(h.db),
      config: h.config,
      queue: h.queue,
      readiness: [
        { name: 'database', check: async () => undefined },
        { name: 'redis', check: async () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:6379 password=hunter2')) },
      ],
      logger: false,
    });
    const res = await app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', checks: { database: { ok: true }, redis: { ok: false, error: 'unreachable' } } });
    await app.close();
  });

  it('request ids: generated, or taken from a tame X-Request-Id, and echoed as trace_id', async () => {
    const own = await call(h.app, undefined, 'GET', '/v1/organizations/acme/departments', { headers: { 'x-request-id': 'lb-1234.abc' } });
    expect(own.headers['x-request-id']).toBe('lb-1234.abc');
    expect(envelopeOf(own).trace_id).toBe('lb-1234.abc');
    const wild = await call(h.app, undefined, 'GET', '/healthz', { headers: { 'x-request-id': 'no spaces\nor newlines' } });
    expect(wild.headers['x-request-id']).toMatch(/^req_[0-9A-Z]{26}$/);
  });

  it('unknown routes answer 404 in the envelope', async () => {
    const res = await call(h.app, token, 'GET', '/v1/nothing-here');
    expect(res.statusCode).toBe(404);
    expect(envelopeOf(res)).toMatchObject({ code: 'ROUTE_NOT_FOUND', type: 'client_error' });
  });

  it('an internal error is a 500 envelope without a stack trace or driver message, logged with the request id; secrets never logged', async () => {
    const broken = await openSecondHandle(h.db);
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const app = await buildApp({ db: broken, repos: repositories(broken), config: h.config, queue: h.queue, readiness: [], logger: { level: 'info', stream } });
    await broken.close();
    const res = await call(app, token, 'GET', '/v1/organizations/acme/departments', { headers: { cookie: 'orgsync_session=secret-cookie' } });
    expect(res.statusCode).toBe(500);
    const error = envelopeOf(res);
    expect(error).toMatchObject({ code: 'INTERNAL_ERROR', type: 'server_error', details: {} });
    expect(res.body).not.toMatch(/at .*\.(js|ts):\d+|knex|pool|destroyed/i);
    await app.close();
    const logged = logLines.join('\n');
    expect(logged).toContain(error.trace_id);
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(token.split('.')[1]!);
    expect(logged).not.toContain('secret-cookie');
  });

  it('a request logs one line: method, route, status, time, request id and token id; a create adds its department to it', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));
        done();
      },
    });
    const app = await buildApp({ db: h.db, repos: repositories(h.db), config: h.config, queue: h.queue, readiness: [], logger: { level: 'info', stream } });
    try {
      const res = await call(app, token, 'POST', '/v1/organizations/acme/departments', { json: { name: 'Logged once' } });
      expect(res.statusCode).toBe(201);
      const requestId = res.headers['x-request-id'];
      const mine = lines.filter((l) => l.request_id === requestId);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        msg: 'request',
        method: 'POST',
        route: '/v1/organizations/:org/departments',
        status: 201,
        token_id: token.split('.')[0],
        event: 'department created',
        department_id: (res.json() as { id: string }).id,
      });
      expect(typeof mine[0]!.ms).toBe('number');
      expect(JSON.stringify(lines)).not.toContain(token.split('.')[1]!);
    } finally {
      await app.close();
    }
  });

  it('rate limits per token, in the envelope, without slowing other tokens', async () => {
    const app = await buildApp({ db: h.db, repos: repositories(h.db), config: testConfig('http-app-rl', { ORGSYNC_HTTP_RATE_LIMIT: '3' }), queue: h.queue, readiness: [], logger: false });
    const other = await orgToken(h.db, 'acme');
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await call(app, token, 'GET', '/v1/organizations/acme/departments')).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    const limited = await call(app, token, 'GET', '/v1/organizations/acme/departments');
    expect(envelopeOf(limited)).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await call(app, other, 'GET', '/v1/organizations/acme/departments')).statusCode).toBe(200);
    await app.close();
  });

  it('/openapi.json documents every /v1 route; /docs serves the reference', async () => {
    const doc = (await h.app.inject('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    const routes = h.app.routeTable.filter((r) => r.url.startsWith('/v1/')).map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
    expect(routes.length).toBeGreaterThan(10);
    expect(routes.filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].some((d) => d.includes('/admin'))).toBe(false);
    const upload = doc.paths['/v1/organizations/{org}/imports'].post.requestBody.content;
    expect(Object.keys(upload)).toEqual(expect.arrayContaining(['text/csv', 'application/yaml', 'application/json', 'application/x-ndjson', 'multipart/form-data']));
    const docs = await h.app.inject('/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/text\/html/);
  });

  it('every example in the document parses with its schema, and matches what the server returns', async () => {
    const examples = registeredExamples();
    expect(examples.length).toBeGreaterThan(10);
    for (const { name, schema, examples: list } of examples) {
      for (const example of list) {
        const parsed = schema.safeParse(example);
        expect(parsed.success, `${name} example: ${parsed.error?.message}`).toBe(true);
      }
    }
    const doc = JSON.stringify((await h.app.inject('/openapi.json')).json());
    expect(doc).toContain('"DEPARTMENT_NAME_CONFLICT"');
    // The documented 409 and 400 are the real ones, word for word (ids and times aside).
    const ErrorEnvelope = examples.find((e) => e.name === 'ErrorEnvelope')!.examples as { error: Record<string, unknown> }[];
    await call(h.app, token, 'POST', '/v1/organizations/acme/departments', { json: { name: 'Backend' } });
    const conflict = envelopeOf(await call(h.app, token, 'POST', '/v1/organizations/acme/departments', { json: { name: 'Backend' } }));
    const missing = envelopeOf(await call(h.app, token, 'POST', '/v1/organizations/acme/departments', { json: { description: 'x' } }));
    const unauthorized = envelopeOf(await call(h.app, undefined, 'GET', '/v1/organizations/acme/departments'));
    const strip = ({ trace_id: _t, timestamp: _ts, ...rest }: Record<string, unknown>) => rest;
    for (const real of [conflict, missing, unauthorized]) {
      const documentedOne = ErrorEnvelope.find((e) => e.error.code === real.code);
      expect(documentedOne, real.code).toBeDefined();
      expect(strip(documentedOne!.error)).toEqual(strip(real));
    }
    const department = examples.find((e) => e.name === 'Department')!.examples[0] as Record<string, unknown>;
    const real = (await call(h.app, token, 'POST', '/v1/organizations/acme/departments', { json: { name: 'Backend 2' } })).json();
    expect(Object.keys(real).sort()).toEqual(Object.keys(department).sort());
  });
});
