/**
 * The http source's SSRF guard applies to webhook URLs: at add time (over HTTP
 * and the CLI: a literal private or metadata address, or a name that resolves
 * to one) and again at delivery time, on the address actually connected to
 * (DNS rebinding). The CLI's secret is printed once and never listed.
 * SQLite: webhooks are stored there like on MariaDB.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendWebhook } from '../../src/adapters/webhooks/send.js';
import { webhooksStore } from '../../src/adapters/webhooks/store.js';
import { cliEnv, runCli } from '../support/cli.js';
import { call, createOrg, envelopeOf, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';

describe('webhook URLs and the SSRF guard (SQLite)', () => {
  let h: HttpHarness;
  let receiver: Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    h = await openHttpHarness('sqlite', 'webhook_ssrf');
    await createOrg(h.db, 'acme');
    receiver = createServer((_req, res) => {
      hits += 1;
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    port = (receiver.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await h?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://10.1.2.3/hook',
    'http://[::1]:8080/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://localhost:6379/', // a name that resolves to loopback
  ])('refuses %s when the webhook is added over HTTP', async (url) => {
    const token = await orgToken(h.db, 'acme');
    const res = await call(h.app, token, 'POST', '/v1/organizations/acme/webhooks', { json: { url, events: ['run.completed'] } });
    expect(res.statusCode).toBe(400);
    const error = envelopeOf(res);
    expect(error.code).toBe('INVALID_WEBHOOK');
    expect(error.message).toMatch(/loopback, private or link-local/);
    expect(await webhooksStore(h.db).list()).toEqual([]);
  });

  it('refuses a URL that is not http(s) or carries credentials', async () => {
    const token = await orgToken(h.db, 'acme');
    for (const url of ['file:///etc/passwd', 'https://user:pw@hooks.example.com/x']) {
      const res = await call(h.app, token, 'POST', '/v1/organizations/acme/webhooks', { json: { url, events: ['run.completed'] } });
      expect(envelopeOf(res).code).toBe('INVALID_WEBHOOK');
    }
  });

  it('refuses at delivery time a host that is (or now resolves to) a private address, without connecting', async () => {
    const opts = { allowPrivateNetworks: false, timeoutMs: 5000, headers: {} };
    const literal = await sendWebhook(`http://127.0.0.1:${port}/hook`, 'secret-0123456789abcdef', '{}', opts);
    expect(literal).toMatchObject({ statusCode: null, error: expect.stringMatching(/loopback, private or link-local/) });
    // A name: checked on the addresses the connection is made to (what DNS answers at delivery).
    const named = await sendWebhook(`http://localhost:${port}/hook`, 'secret-0123456789abcdef', '{}', opts);
    expect(named).toMatchObject({ statusCode: null, error: expect.stringMatching(/resolves to .*loopback, private or link-local/) });
    expect(hits).toBe(0);
    // The test bypass the source tests use: allowed, it connects.
    const allowed = await sendWebhook(`http://localhost:${port}/hook`, 'secret-0123456789abcdef', '{}', { ...opts, allowPrivateNetworks: true });
    expect(allowed).toMatchObject({ statusCode: 204, error: null });
    expect(hits).toBe(1);
  });

  it('CLI: refuses a metadata URL; prints a generated secret once and never lists it', async () => {
    const env = cliEnv(h.db);
    const refused = await runCli(['webhook', 'add', '--org', 'acme', '--url', 'http://169.254.169.254/latest', '--events', 'run.failed'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/INVALID_WEBHOOK|loopback, private or link-local/);

    const added = await runCli(['webhook', 'add', '--org', 'acme', '--url', 'https://hooks.example.com/orgsync', '--events', 'run.failed,run.needs_approval', '--json'], {
      ...env,
      // hooks.example.com need not resolve in the test sandbox: the public-address check is the HTTP tests' business.
      ORGSYNC_SOURCE_ALLOW_PRIVATE: 'true',
    });
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const { id, secret } = JSON.parse(added.stdout) as { id: string; secret: string };
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const listed = await runCli(['webhook', 'list', '--org', 'acme'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain('run.failed,run.needs_approval');
    expect(listed.stdout).not.toContain(secret);
    const deliveries = await runCli(['webhook', 'deliveries', '--webhook', id], env);
    expect(deliveries.stdout.trim()).toBe('no deliveries');
    expect((await runCli(['webhook', 'remove', id], env)).code).toBe(0);
    const gone = await runCli(['webhook', 'remove', id], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/no webhook/);
  });

  it('an in-process import with no Redis at all completes and records its delivery as pending (a worker sends it later)', async () => {
    const env = { ...cliEnv(h.db), REDIS_URL: 'redis://127.0.0.1:1', ORGSYNC_SOURCE_ALLOW_PRIVATE: 'true' };
    const added = await runCli(['webhook', 'add', '--org', 'acme', '--url', `http://127.0.0.1:${port}/later`, '--events', 'run.completed', '--json'], env);
    expect(added.code).toBe(0);
    const { id } = JSON.parse(added.stdout) as { id: string };
    const dir = mkdtempSync(join(tmpdir(), 'webhook-ssrf-'));
    try {
      writeFileSync(join(dir, 'acme.csv'), 'name,code\nEngineering,ENG\n');
      const imported = await runCli(['import', join(dir, 'acme.csv'), '--org', 'acme', '--json'], env);
      expect(imported.code).toBe(0);
      const runId = (JSON.parse(imported.stdout) as { runId: string }).runId;
      const deliveries = await runCli(['webhook', 'deliveries', '--webhook', id, '--json'], env);
      expect(JSON.parse(deliveries.stdout)).toEqual([expect.objectContaining({ runId, event: 'run.completed', status: 'pending', attempts: 0, log: [] })]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
