/**
 * Issue 11, items 5, 9, 10 and 17 against a real app instance (MariaDB, Redis):
 * bad tokens are rate limited per client address before authentication;
 * logout ends the session on the server and login refuses a cross-site POST;
 * every error, the framework's own included, answers the documented envelope;
 * the server's error log holds a database error's SQL to a bounded size.
 */
import { repositories } from '../../src/adapters/db/index.js';
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/adapters/http/app.js';
import { createToken } from '../../src/app/tokens.js';
import { adminToken, call, createOrg, envelopeOf, type HttpHarness, openHttpHarness, orgToken, testConfig } from '../support/httpHarness.js';

const cookieOf = (res: LightMyRequestResponse) => String(res.headers['set-cookie']).split(';')[0]!;

describe('HTTP hardening', () => {
  let h: HttpHarness;
  let token: string;

  beforeAll(async () => {
    h = await openHttpHarness('mysql', 'harden_http_app');
    await createOrg(h.db, 'acme');
    token = await orgToken(h.db, 'acme');
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('rate limit per client address before authentication (item 9)', () => {
    it('refuses an address guessing tokens with 429 before looking at its token; good tokens elsewhere are unaffected', async () => {
      const app = await buildApp({ db: h.db, repos: repositories(h.db), config: testConfig('harden-http-rl', { ORGSYNC_HTTP_RATE_LIMIT: '3' }), queue: h.queue, readiness: [], logger: false });
      const from = (ip: string, auth: string | undefined) =>
        app.inject({ method: 'GET', url: '/v1/organizations/acme/departments', remoteAddress: ip, headers: auth ? { authorization: auth } : {} });
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) codes.push((await from('203.0.113.7', `Bearer tok_01JC6Z7P4N3M2K1J0H9G8F7E6D.guess${i}`)).statusCode);
      codes.push((await from('203.0.113.7', undefined)).statusCode);
      expect(codes).toEqual([401, 401, 401, 429]);
      const limited = await from('203.0.113.7', 'Bearer nonsense');
      expect(envelopeOf(limited)).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
      expect(limited.headers['retry-after']).toBeDefined();
      // Refused before authentication: even a valid token from that address waits.
      expect((await from('203.0.113.7', `Bearer ${token}`)).statusCode).toBe(429);
      // Another address is not affected, and good tokens are limited per token, not per address.
      expect((await from('203.0.113.8', `Bearer ${token}`)).statusCode).toBe(200);
      for (let i = 0; i < 3; i++) expect((await from('203.0.113.9', `Bearer ${token}`)).statusCode).not.toBe(401);
      // Failed dashboard logins count too.
      const login = (ip: string) =>
        app.inject({ method: 'POST', url: '/admin/login', remoteAddress: ip, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'token=tok_nope.nope' });
      const logins: number[] = [];
      for (let i = 0; i < 4; i++) logins.push((await login('198.51.100.1')).statusCode);
      expect(logins).toEqual([401, 401, 401, 429]);
      await app.close();
    });
  });

  describe('dashboard sessions (item 10)', () => {
    const login = (t: string, headers: Record<string, string> = {}) =>
      h.app.inject({ method: 'POST', url: '/admin/login', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: `token=${encodeURIComponent(t)}` });
    const board = (cookie: string) => h.app.inject({ url: '/admin/queues/api/queues', headers: { cookie } });

    it('logout ends the session on the server: a copied cookie stops working', async () => {
      const admin = await adminToken(h.db);
      const cookie = cookieOf(await login(admin));
      expect((await board(cookie)).statusCode).toBe(200);
      const copied = cookie;
      const out = await h.app.inject({ method: 'POST', url: '/admin/logout', headers: { cookie } });
      expect(out.statusCode).toBe(303);
      expect((await board(copied)).statusCode).toBe(401);
      // Another session of the same token is not ended by it.
      const other = cookieOf(await login(admin));
      expect((await board(other)).statusCode).toBe(200);
    });

    it('login refuses a cross-site POST (Origin or Sec-Fetch-Site), and takes a same-origin one', async () => {
      const admin = (await createToken(repositories(h.db), { isAdmin: true })).token;
      const evil = await login(admin, { origin: 'https://evil.example' });
      expect(envelopeOf(evil)).toMatchObject({ code: 'CROSS_SITE_REQUEST', status: 403 });
      expect(evil.headers['set-cookie']).toBeUndefined();
      const fetchSite = await login(admin, { 'sec-fetch-site': 'cross-site' });
      expect(envelopeOf(fetchSite)).toMatchObject({ code: 'CROSS_SITE_REQUEST', status: 403 });
      const same = await login(admin, { origin: 'http://localhost:80', host: 'localhost:80', 'sec-fetch-site': 'same-origin' });
      expect(same.statusCode).toBe(303);
    });
  });

  describe('every error in the envelope (item 17)', () => {
    it('a 5,000-character path parameter', async () => {
      const res = await call(h.app, token, 'GET', `/v1/organizations/${'a'.repeat(5000)}/departments`);
      expect(envelopeOf(res)).toMatchObject({ code: 'URL_TOO_LONG', status: 414 });
      expect(res.body).not.toContain('FST_');
    });

    it('bad UTF-8 and bad percent-encoding in a URL', async () => {
      for (const url of ['/v1/organizations/%C0%AF/departments', '/v1/organizations/%E0%A4/departments', '/v1/organizations/acme%/departments']) {
        const res = await call(h.app, token, 'GET', url);
        expect(res.body).not.toContain('FST_');
        expect([400, 404]).toContain(envelopeOf(res).status);
      }
    });

    it('not found, body too large, content-type errors, empty and malformed JSON', async () => {
      const cases: [LightMyRequestResponse, string, number][] = [
        [await call(h.app, token, 'GET', '/v1/nothing-here'), 'ROUTE_NOT_FOUND', 404],
        [await h.app.inject({ method: 'GET', url: '/%ZZ' }), 'INVALID_URL', 400],
        [await call(h.app, token, 'POST', '/v1/organizations/acme/departments', { json: { name: 'x'.repeat(300 * 1024) } }), 'PAYLOAD_TOO_LARGE', 413],
        [await call(h.app, token, 'POST', '/v1/organizations/acme/departments', { payload: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 'UNSUPPORTED_MEDIA_TYPE', 415],
        [await call(h.app, token, 'POST', '/v1/organizations/acme/departments', { payload: '', headers: { 'content-type': 'application/json' } }), 'INVALID_JSON', 400],
        [await call(h.app, token, 'POST', '/v1/organizations/acme/departments', { payload: '{"name":', headers: { 'content-type': 'application/json' } }), 'INVALID_JSON', 400],
        [await call(h.app, token, 'POST', '/v1/organizations/acme/departments', { payload: '{"__proto__":{"x":1},"name":"A"}', headers: { 'content-type': 'application/json' } }), 'INVALID_JSON', 400],
      ];
      for (const [res, code, status] of cases) {
        expect(res.body).not.toContain('FST_');
        expect(envelopeOf(res)).toMatchObject({ code, status });
      }
    });
  });

  describe('the error log (item 5)', () => {
    it('holds a database error with a 1 MB statement to a bounded line', async () => {
      const lines: string[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      });
      const app = await buildApp({ db: h.db, repos: repositories(h.db), config: h.config, queue: h.queue, readiness: [], logger: { level: 'info', stream } });
      const sql = `insert into import_staging values (X'${'ab'.repeat(512 * 1024)}')`;
      const err = Object.assign(new Error(`${sql} - ER_NET_PACKET_TOO_LARGE`), { sql, bindings: [Buffer.alloc(1024 * 1024)] });
      app.log.error({ err }, 'request failed');
      await app.close();
      const line = lines.find((l) => l.includes('request failed'))!;
      expect(line).toBeDefined();
      expect(line.length).toBeLessThan(20_000);
      expect(line).toContain('ER_NET_PACKET_TOO_LARGE');
      expect(line).toContain('characters left out');
    });
  });
});
