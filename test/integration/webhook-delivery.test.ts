/**
 * Webhooks end to end on MariaDB and Redis: a webhook added over HTTP, an
 * import submitted over HTTP and run by a real worker, and the run's end
 * delivered by the deliver-webhook job to a receiver on 127.0.0.1 (allowed by
 * ORGSYNC_SOURCE_ALLOW_PRIVATE, the bypass the source tests use). The receiver
 * fails twice, so the delivery is retried with (fast) exponential backoff, and
 * the third attempt's signature checks out with the snippet docs/operations.md
 * gives. The delivery log has one row per attempt.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, call, createOrg, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';
import { eventually } from '../support/queueHarness.js';

// The receiver's check, exactly as docs/operations.md shows it.
function verifyOrgsyncSignature(secret: string, header: string, rawBody: string, toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=')));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(String(parts.v1 ?? ''), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

describe('webhook delivery (MariaDB + Redis)', () => {
  let h: HttpHarness;
  let receiver: Server;
  let receiverUrl: string;
  const received: Received[] = [];
  const SECRET = 'test-secret-0123456789abcdef';

  beforeAll(async () => {
    h = await openHttpHarness('mysql', 'webhook_delivery', {
      ORGSYNC_SOURCE_ALLOW_PRIVATE: 'true',
      ORGSYNC_WEBHOOK_ATTEMPTS: '5',
      ORGSYNC_WEBHOOK_BACKOFF_MS: '50',
      ORGSYNC_WEBHOOK_DISPATCH_SECONDS: '1',
      ORGSYNC_PUBLIC_URL: 'https://orgsync.example.com/',
    });
    await createOrg(h.db, 'acme');
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        // Fails the first two deliveries: the third must come after two retries.
        res.writeHead(received.length <= 2 ? 503 : 204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/orgsync`;
    await h.startWorker();
  });
  afterAll(async () => {
    await h?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('delivers a signed run.completed after the receiver failed twice, and logs every attempt', async () => {
    const token = await orgToken(h.db, 'acme');
    const added = await call(h.app, token, 'POST', '/v1/organizations/acme/webhooks', { json: { url: receiverUrl, events: ['run.completed', 'run.failed'], secret: SECRET } });
    expect(added.statusCode).toBe(201);
    const webhookId = added.json().id as string;
    expect(added.json()).not.toHaveProperty('secret'); // given, not generated: never echoed
    const listed = await call(h.app, token, 'GET', '/v1/organizations/acme/webhooks');
    expect(JSON.stringify(listed.json())).not.toContain(SECRET);

    const run = await call(h.app, token, 'POST', '/v1/organizations/acme/imports?wait=true&timeout=60', {
      payload: 'name,code\nEngineering,ENG\nSales,SAL\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(run.json()).toMatchObject({ status: 'completed' });
    const runId = run.json().runId as string;

    const log = await eventually(async () => {
      const res = await call(h.app, token, 'GET', `/v1/organizations/acme/webhooks/${webhookId}/deliveries`);
      const delivery = res.json().data[0];
      return delivery?.status === 'delivered' ? delivery : undefined;
    }, 'the delivery to succeed');

    expect(received).toHaveLength(3);
    const last = received[2]!;
    expect(verifyOrgsyncSignature(SECRET, String(last.headers['orgsync-signature']), last.body)).toBe(true);
    expect(verifyOrgsyncSignature('another-secret-0123456789', String(last.headers['orgsync-signature']), last.body)).toBe(false);
    expect(verifyOrgsyncSignature(SECRET, String(last.headers['orgsync-signature']), last.body.replace('acme', 'acmf'))).toBe(false);
    expect(last.headers['orgsync-event']).toBe('run.completed');
    const payload = JSON.parse(last.body);
    expect(payload).toMatchObject({
      id: log.id,
      event: 'run.completed',
      run: { id: runId, organization: 'acme', status: 'completed', counts: { created: 2 } },
      links: { run: `https://orgsync.example.com/v1/organizations/acme/imports/${runId}` },
    });
    // Every attempt signs the same body (a retry sends the same bytes).
    expect(new Set(received.map((r) => r.body)).size).toBe(1);

    expect(log).toMatchObject({ run_id: runId, event: 'run.completed' });
    expect(log.attempts.map((a: { attempt: number; status_code: number | null }) => [a.attempt, a.status_code])).toEqual([
      [1, 503],
      [2, 503],
      [3, 204],
    ]);
    expect(log.attempts[0].error).toBe('HTTP 503');
    expect(log.attempts[0].next_attempt_at).not.toBeNull();
    expect(log.attempts[2]).toMatchObject({ error: null, next_attempt_at: null });
  });

  it('tells nothing for an event the webhook did not subscribe to, and is refused another organization', async () => {
    await createOrg(h.db, 'globex');
    const admin = await adminToken(h.db);
    const added = await call(h.app, admin, 'POST', '/v1/organizations/globex/webhooks', { json: { url: receiverUrl, events: ['run.failed'] } });
    expect(added.statusCode).toBe(201);
    expect(added.json().secret).toMatch(/^whsec_/); // generated: shown this once
    const again = await call(h.app, admin, 'GET', `/v1/organizations/globex/webhooks/${added.json().id}`);
    expect(again.json()).not.toHaveProperty('secret');
    // acme's token cannot see globex's webhook, even by its id.
    const acme = await orgToken(h.db, 'acme');
    expect((await call(h.app, acme, 'GET', `/v1/organizations/acme/webhooks/${added.json().id}`)).statusCode).toBe(404);

    const ok = await call(h.app, admin, 'POST', '/v1/organizations/globex/imports?wait=true&timeout=60', {
      payload: 'name,code\nOps,OPS\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(ok.json()).toMatchObject({ status: 'completed' });
    const deliveries = await call(h.app, admin, 'GET', `/v1/organizations/globex/webhooks/${added.json().id}/deliveries`);
    expect(deliveries.json().data).toEqual([]);
  });
});
