/**
 * Authentication and tenancy, for every route the app has: the route table is
 * walked, so a route added later cannot skip the token check or the
 * organization scope. Tokens come from the real CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokensRepo } from '../../src/adapters/db/index.js';
import { dialects } from '../helpers/db.js';
import { orgsync } from '../support/httpCli.js';
import { call, createOrg, envelopeOf, type HttpHarness, openHttpHarness } from '../support/httpHarness.js';

/** Routes anyone may call: health for orchestrators, the API reference, and the dashboard's login form. */
const PUBLIC = [/^\/healthz$/, /^\/readyz$/, /^\/openapi\.json$/, /^\/docs(\/|$)/, /^\/admin\/login$/, /^\/admin\/logout$/];

function concrete(url: string, org: string): string {
  return url
    .replace(':org', org)
    .replace(/:[A-Za-z]+/g, 'x_1')
    .replace(/\*$/, 'x');
}

describe.each(dialects)('authentication on %s', (dialect) => {
  let h: HttpHarness;
  let acme: string;
  let revoked: string;
  let admin: string;

  async function cliToken(args: string[]): Promise<{ id: string; token: string }> {
    const res = await orgsync(h.db, ['token', 'create', ...args, '--json']);
    expect(res.stderr).toBe('');
    return JSON.parse(res.stdout) as { id: string; token: string };
  }

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'http_auth');
    await createOrg(h.db, 'acme');
    await createOrg(h.db, 'globex');
    acme = (await cliToken(['--org', 'acme', '--name', 'acme app'])).token;
    admin = (await cliToken(['--admin'])).token;
    const doomed = await cliToken(['--org', 'acme']);
    revoked = doomed.token;
    const res = await orgsync(h.db, ['token', 'revoke', doomed.id]);
    expect(res.code).toBe(0);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('every non-public route: 401 without a token, with a bad or revoked one; 404 for another organization', async () => {
    const routes = h.app.routeTable.filter((r) => !PUBLIC.some((p) => p.test(r.url)));
    expect(routes.length).toBeGreaterThan(15);
    expect(routes.some((r) => r.url.startsWith('/admin/queues'))).toBe(true);
    const failures: string[] = [];
    for (const { method, url } of routes) {
      const path = concrete(url, 'globex');
      const json = method === 'GET' || method === 'DELETE' ? undefined : {};
      for (const [label, token] of [
        ['no token', undefined],
        ['malformed token', 'not-a-token'],
        ['unknown token', 'tok_01JC6Z7P4N3M2K1J0H9G8F7E6D.c2VjcmV0'],
        ['revoked token', revoked],
      ] as const) {
        const res = await call(h.app, token, method as 'GET', path, { json });
        if (res.statusCode !== 401 || envelopeOf(res).code !== 'UNAUTHORIZED') failures.push(`${method} ${url} with ${label}: ${res.statusCode}`);
      }
      if (url.includes(':org')) {
        const res = await call(h.app, acme, method as 'GET', path, { json });
        if (res.statusCode !== 404 || envelopeOf(res).code !== 'ORGANIZATION_NOT_FOUND') failures.push(`${method} ${url} for another organization: ${res.statusCode}`);
        const missing = await call(h.app, acme, method as 'GET', concrete(url, 'no-such-org'), { json });
        if (missing.statusCode !== 404) failures.push(`${method} ${url} for a missing organization: ${missing.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('an organization token works on its organization (by code or id); an admin token on any', async () => {
    expect((await call(h.app, acme, 'GET', '/v1/organizations/acme/departments')).statusCode).toBe(200);
    expect((await call(h.app, admin, 'GET', '/v1/organizations/globex/departments')).statusCode).toBe(200);
    expect((await call(h.app, admin, 'GET', '/v1/organizations/acme/departments')).statusCode).toBe(200);
    expect((await call(h.app, acme, 'GET', '/v1/organizations/acme/departments', { headers: { authorization: `bearer   ${acme}` } })).statusCode).toBe(200);
  });

  it('schedules: only admins may create them (their source is a path or URL the workers read)', async () => {
    const body = { source: 'https://hris.example.com/export.csv', cron: '0 2 * * *' };
    const byOrg = await call(h.app, acme, 'PUT', '/v1/organizations/acme/schedules/nightly', { json: body });
    expect(envelopeOf(byOrg)).toMatchObject({ code: 'ADMIN_REQUIRED', status: 403 });
    const created = await call(h.app, admin, 'PUT', '/v1/organizations/acme/schedules/nightly', { json: body });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'nightly', organization: 'acme', timing: { cron: '0 2 * * *' }, options: { mode: 'sync' } });
    expect((await call(h.app, admin, 'PUT', '/v1/organizations/acme/schedules/nightly', { json: { ...body, everySeconds: 60, cron: undefined } })).statusCode).toBe(200);
    expect((await call(h.app, acme, 'GET', '/v1/organizations/acme/schedules/nightly')).json().timing).toEqual({ everySeconds: 60 });
    expect((await call(h.app, acme, 'GET', '/v1/organizations/acme/schedules')).json().data).toHaveLength(1);
    // The name is global: another organization cannot take it over, and does not see it.
    expect(envelopeOf(await call(h.app, admin, 'PUT', '/v1/organizations/globex/schedules/nightly', { json: body })).code).toBe('SCHEDULE_NAME_TAKEN');
    expect((await call(h.app, admin, 'GET', '/v1/organizations/globex/schedules/nightly')).statusCode).toBe(404);
    expect(envelopeOf(await call(h.app, admin, 'PUT', '/v1/organizations/acme/schedules/bad', { json: { source: 'x', cron: 'not a cron' } })).code).toBe('INVALID_SCHEDULE');
    expect(envelopeOf(await call(h.app, admin, 'PUT', '/v1/organizations/acme/schedules/both', { json: { source: 'x' } })).code).toBe('VALIDATION_ERROR');
    expect((await call(h.app, acme, 'DELETE', '/v1/organizations/acme/schedules/nightly')).statusCode).toBe(204);
    expect(envelopeOf(await call(h.app, acme, 'DELETE', '/v1/organizations/acme/schedules/nightly')).code).toBe('SCHEDULE_NOT_FOUND');
  });

  it('tokens are stored as hashes only, and the CLI refuses an organization token without --org', async () => {
    const stored = await apiTokensRepo(h.db).list();
    expect(stored.length).toBeGreaterThanOrEqual(3);
    for (const t of stored) {
      expect(t.secretSha256).toMatch(/^[0-9a-f]{64}$/);
      expect([acme, admin, revoked].some((token) => token.includes(t.secretSha256))).toBe(false);
    }
    const res = await orgsync(h.db, ['token', 'create']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--org');
    const list = await orgsync(h.db, ['token', 'list']);
    expect(list.stdout).toContain('revoked');
    expect(list.stdout).not.toContain(acme.split('.')[1]!);
  });
});
