/**
 * The dashboard's access control and its retry rule, through app.inject():
 * admin tokens only, a session cookie that scripts cannot read and other sites
 * cannot send, sessions that end when the token is revoked, and a retry of a
 * run that failed on its own input refused with a reason (retrying cannot fix
 * a bad file; only a run that failed on a fault is re-run).
 */
import { QueueEvents } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokensRepo, repositories } from '../../src/adapters/db/index.js';
import { createToken } from '../../src/app/tokens.js';
import { call, createOrg, envelopeOf, type HttpHarness, openHttpHarness, orgToken, REDIS_TEST_URL } from '../support/httpHarness.js';

async function login(app: FastifyInstance, token: string) {
  return app.inject({
    method: 'POST',
    url: '/admin/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ token }).toString(),
  });
}

const cookieOf = (res: { headers: Record<string, unknown> }) => String(res.headers['set-cookie']).split(';')[0]!;

describe('dashboard access', () => {
  let h: HttpHarness;
  let token: string;

  beforeAll(async () => {
    h = await openHttpHarness('sqlite', 'http_dashboard_auth', { ORGSYNC_JOB_ATTEMPTS: '1' });
    await createOrg(h.db, 'acme');
    token = await orgToken(h.db, 'acme');
    await h.startWorker();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the login form is public; browsers without a session are sent to it, API calls get 401', async () => {
    const form = await h.app.inject('/admin/login');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('type="password"');
    expect(form.headers['content-security-policy']).toContain("default-src 'none'");
    const page = await h.app.inject({ url: '/admin/queues', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/admin/login');
    expect(envelopeOf(await h.app.inject('/admin/queues/api/queues')).code).toBe('UNAUTHORIZED');
    // A bearer token is not a dashboard session.
    expect((await call(h.app, token, 'GET', '/admin/queues/api/queues')).statusCode).toBe(401);
  });

  it('only an admin token logs in; the session cookie is HttpOnly, SameSite=Strict, signed, and holds no secret', async () => {
    expect((await login(h.app, token)).statusCode).toBe(401);
    expect((await login(h.app, 'tok_nope.nope')).statusCode).toBe(401);
    const admin = await createToken(repositories(h.db), { isAdmin: true });
    const ok = await login(h.app, admin.token);
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/admin/queues');
    const setCookie = String(ok.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\/admin/);
    expect(setCookie).not.toContain(admin.token.split('.')[1]!);
    const cookie = cookieOf(ok);
    expect((await h.app.inject({ url: '/admin/queues/api/queues', headers: { cookie } })).statusCode).toBe(200);
    // A tampered cookie is no session.
    const forged = cookie.replace(/tok_[0-9A-Z]+/, 'tok_01JC6Z7P4N3M2K1J0H9G8F7E6D');
    expect((await h.app.inject({ url: '/admin/queues/api/queues', headers: { cookie: forged } })).statusCode).toBe(401);
    // Revoking the token ends its sessions at once.
    await apiTokensRepo(h.db).revoke(admin.id);
    expect((await h.app.inject({ url: '/admin/queues/api/queues', headers: { cookie } })).statusCode).toBe(401);
  });

  it('logout clears the cookie', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/admin/logout' });
    expect(res.statusCode).toBe(303);
    expect(String(res.headers['set-cookie'])).toMatch(/orgsync_session=;/);
  });

  it('retrying the job of a run that failed on its file is refused with the reason', async () => {
    const bad = await call(h.app, token, 'POST', '/v1/organizations/acme/imports?wait=true&timeout=30', {
      payload: 'name,code\n"unclosed,X\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(bad.json()).toMatchObject({ status: 'failed', fileError: { code: 'CSV_SYNTAX_ERROR' } });
    const runId = bad.json().runId as string;
    // The run is final before its job is marked failed in Redis: wait for the job too.
    const job = (await h.queue.getJob(runId))!; // job id = run id
    const eventsRedis = new Redis(REDIS_TEST_URL, { maxRetriesPerRequest: null });
    const events = new QueueEvents(h.config.queue.name, { connection: eventsRedis, prefix: h.config.queue.prefix });
    await job.waitUntilFinished(events).catch(() => undefined);
    await events.close();
    eventsRedis.disconnect();
    expect(await job.getState()).toBe('failed');
    const cookie = cookieOf(await login(h.app, (await createToken(repositories(h.db), { isAdmin: true })).token));
    const retry = await h.app.inject({ method: 'PUT', url: `/admin/queues/api/queues/${h.config.queue.name}/${runId}/retry`, headers: { cookie } });
    expect(retry.statusCode).toBe(409);
    expect(retry.body).toContain('upload it again');
    expect(await job.getState()).toBe('failed');
  });
});
