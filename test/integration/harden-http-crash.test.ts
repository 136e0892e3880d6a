/**
 * Issue 11, item 1: an organization token could kill `orgsync serve` with
 * `?mapping=` of 2,000 nested `[` then `]` (a stack overflow in the YAML
 * parser, then a fatal out-of-memory in V8's RegExp compiler on the next
 * request); an admin's `PUT .../schedules` the same. The real server runs as a
 * child process here, takes every attack several times, and must still be
 * alive and answering afterwards, having refused each attack with a 400 in the
 * documented envelope and a stable code.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/app/tokens.js';
import { organizationsRepo, repositories } from '../../src/adapters/db/index.js';
import { openTestDatabase, type TestDb } from '../support/db.js';
import { cliEnv, REPO_ROOT } from '../support/cli.js';

const BIN = `${REPO_ROOT}bin/orgsync.js`;
const DEEP_FLOW = `${'['.repeat(2000)}${']'.repeat(2000)}`;
const DEEP_JSON = `${'['.repeat(5000)}${']'.repeat(5000)}`;

interface Envelope {
  success: false;
  error: { code: string; message: string; type: string; status: number; details: Record<string, unknown>; trace_id: string; timestamp: string };
}

function expectEnvelope(status: number, body: unknown, code: string): Envelope['error'] {
  const envelope = body as Envelope;
  expect(envelope.success).toBe(false);
  expect(Object.keys(envelope.error).sort()).toEqual(['code', 'details', 'message', 'status', 'timestamp', 'trace_id', 'type']);
  expect(envelope.error).toMatchObject({ code, status, type: 'client_error' });
  return envelope.error;
}

describe('orgsync serve survives deep YAML/JSON in request fields and bodies', () => {
  let db: TestDb;
  let server: ChildProcess;
  let base: string;
  let orgToken: string;
  let adminToken: string;
  let stderr = '';
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  beforeAll(async () => {
    db = await openTestDatabase('mysql', `harden_http_crash_${process.pid}`);
    await organizationsRepo(db).create({ code: 'acme', name: 'ACME', nameScope: 'organization' });
    orgToken = (await createToken(repositories(db), { organizationCode: 'acme', isAdmin: false })).token;
    adminToken = (await createToken(repositories(db), { isAdmin: true, name: 'ops' })).token;
    server = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      cwd: REPO_ROOT,
      env: cliEnv(db, { LOG_LEVEL: 'info', ORGSYNC_QUEUE_PREFIX: `{harden-http-crash-${process.pid}}` }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.on('exit', (code, signal) => (exited = { code, signal }));
    server.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    base = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      server.on('exit', () => reject(new Error(`server exited before listening: ${stderr}`)));
    });
  });

  afterAll(async () => {
    if (server && exited === undefined) {
      const gone = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await gone;
    }
    await db?.drop();
  });

  const alive = async () => {
    expect(exited, `server died: ${stderr.slice(-2000)}`).toBeUndefined();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const list = await fetch(`${base}/v1/organizations/acme/departments`, { headers: { authorization: `Bearer ${orgToken}` } });
    expect(list.status).toBe(200);
  };

  it('refuses ?mapping= of 2,000 nested [ from an organization token, every time, and keeps serving', async () => {
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${base}/v1/organizations/acme/imports?mapping=${encodeURIComponent(DEEP_FLOW)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${orgToken}`, 'content-type': 'text/csv' },
        body: 'name,code\nA,A\n',
      });
      const error = expectEnvelope(400, await res.json(), 'INVALID_OPTION');
      expect(res.status).toBe(400);
      expect(error.details).toMatchObject({ field: 'mapping', reason: 'INVALID_DOCUMENT' });
    }
    await alive();
  });

  it('refuses the same mapping in a multipart form field', async () => {
    for (let i = 0; i < 3; i++) {
      const form = new FormData();
      form.append('mapping', DEEP_FLOW);
      form.append('file', new Blob(['name,code\nA,A\n'], { type: 'text/csv' }), 'a.csv');
      const res = await fetch(`${base}/v1/organizations/acme/imports`, { method: 'POST', headers: { authorization: `Bearer ${orgToken}` }, body: form });
      expect(res.status).toBe(400);
      expectEnvelope(400, await res.json(), 'INVALID_OPTION');
    }
    await alive();
  });

  it('refuses an admin PUT .../schedules with the deep mapping as an option, and a deeply nested JSON body', async () => {
    const put = (body: string) =>
      fetch(`${base}/v1/organizations/acme/schedules/nightly`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body,
      });
    for (let i = 0; i < 3; i++) {
      const res = await put(JSON.stringify({ source: '/tmp/acme.csv', cron: '0 2 * * *', options: { mapping: DEEP_FLOW } }));
      expect(res.status).toBe(400);
      expect(expectEnvelope(400, await res.json(), 'INVALID_OPTION').details).toMatchObject({ field: 'mapping', reason: 'INVALID_DOCUMENT' });
      const deepBody = await put(`{"source":"/tmp/acme.csv","cron":"0 2 * * *","options":${DEEP_JSON}}`);
      expect(deepBody.status).toBe(400);
      expect(expectEnvelope(400, await deepBody.json(), 'INVALID_JSON').details).toMatchObject({ reason: 'INVALID_DOCUMENT' });
    }
    await alive();
  });

  it('still takes a normal mapping after the attacks', async () => {
    const mapping = encodeURIComponent('columns:\n  Bezeichnung: name\n  Kostenstelle: code\n');
    const res = await fetch(`${base}/v1/organizations/acme/imports?mapping=${mapping}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${orgToken}`, 'content-type': 'text/csv' },
      body: 'Bezeichnung,Kostenstelle\nSales,S1\n',
    });
    expect(res.status).toBe(202);
    await alive();
  });
});
