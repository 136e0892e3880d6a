/**
 * Imports over HTTP with a real worker: upload (raw and multipart), wait, run
 * status and history, errors as JSON and as the CLI's CSV, retry, approve,
 * refused uploads (too large, cut short, wrong type, bad options), and the
 * same file giving the same departments through the CLI and through the API.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { departmentsRepo, importRunsRepo, organizationsRepo } from '../../src/adapters/db/index.js';
import { dialects, type TestDb } from '../support/db.js';
import { orgsync } from '../support/httpCli.js';
import { adminToken, call, createOrg, envelopeOf, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';

/** Everything stored about an organization's departments, with ids replaced by name paths. */
async function storedShape(db: TestDb, code: string): Promise<string[]> {
  const org = await organizationsRepo(db).findByCode(code);
  if (!org) return [];
  const all = await departmentsRepo(db).loadForOrganization(org.id);
  const byId = new Map(all.map((d) => [d.id, d]));
  const names = (path: string) => path.split('/').filter(Boolean).map((id) => byId.get(id)?.name ?? '?').join(' > ');
  return all
    .map(({ id: _id, organizationId: _o, parentId: _p, path, ...rest }) => JSON.stringify({ path: names(path), ...rest }))
    .sort();
}

function multipart(fields: Record<string, string>, file: { name: string; type: string; content: string }, opts: { truncate?: boolean } = {}) {
  const boundary = '----orgsync-test-boundary';
  const parts = Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n${file.content}\r\n`);
  const body = parts.join('') + (opts.truncate ? '' : `--${boundary}--\r\n`);
  return { payload: body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe.each(dialects)('imports API on %s', (dialect) => {
  let h: HttpHarness;
  let token: string;
  let admin: string;
  const base = '/v1/organizations/acme/imports';
  const upload = (body: string, type: string, query = '', t = token) =>
    call(h.app, t, 'POST', `${base}${query}`, { payload: body, headers: { 'content-type': type } });
  const runCount = async () => (await importRunsRepo(h.db).listRuns({ limit: 1000 })).length;

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'http_imports', { ORGSYNC_HTTP_UPLOAD_LIMIT_BYTES: String(64 * 1024), ORGSYNC_JOB_ATTEMPTS: '1' });
    await createOrg(h.db, 'acme');
    await createOrg(h.db, 'globex');
    token = await orgToken(h.db, 'acme');
    admin = await adminToken(h.db);
    await h.startWorker();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('202 queues a raw CSV upload; the run is visible with its status, counts and in the history', async () => {
    const res = await upload('name,code\nEngineering,ENG\nSales,SAL\n', 'text/csv', '?filename=depts.csv');
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({ status: expect.stringMatching(/^(queued|running|completed)$/), duplicate: false });
    expect(body.links.self).toBe(`${base}/${body.runId}`);
    expect(res.headers.location).toBe(body.links.self);
    // The same upload again while it may still be queued is either the same run or a new one, never an error.
    const waited = await upload('name,code\nEngineering,ENG\nSales,SAL\n', 'text/csv', '?filename=depts.csv&wait=true&timeout=30');
    expect([200, 202]).toContain(waited.statusCode);
    const run = (await call(h.app, token, 'GET', body.links.self)).json();
    expect(run).toMatchObject({ runId: body.runId, organization: 'acme', source: 'depts.csv', format: 'csv', mode: 'upsert' });
    const history = (await call(h.app, token, 'GET', base)).json().data.map((r: { runId: string }) => r.runId);
    expect(history).toContain(body.runId);
  });

  it('?wait=true answers 200 with the finished report', async () => {
    const res = await upload('name,code,parentCode\nBackend,BE,ENG\nFrontend,FE,ENG\n', 'text/csv', '?wait=true&timeout=30');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ organization: 'acme', status: 'completed', applied: true, counts: { rows: 2, created: 2 }, errors: [], fileError: null });
    const done = (await call(h.app, token, 'GET', res.json().links.self)).json();
    expect(done).toMatchObject({ status: 'completed', counts: { created: 2 } });
    expect(done.finishedAt).not.toBeNull();
  });

  it('multipart upload with options as form fields (here a dry run: nothing written)', async () => {
    const before = await storedShape(h.db, 'acme');
    const form = multipart({ 'dry-run': 'true', mode: 'upsert' }, { name: 'more.yaml', type: 'application/yaml', content: '- name: Legal\n  code: LEG\n' });
    const res = await call(h.app, token, 'POST', `${base}?wait=true&timeout=30`, form);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ dryRun: true, applied: false, counts: { created: 1 } });
    expect(await storedShape(h.db, 'acme')).toEqual(before);
  });

  it('errors: JSON rows, and ?format=csv is exactly the CLI report, with a download file name', async () => {
    const res = await upload('name,code,parentCode,description\nChild,C,MISSING,"=HYPERLINK(""x"")"\nGrandchild,G,C,\n', 'text/csv', '?wait=true&timeout=30');
    expect(res.json()).toMatchObject({ status: 'completed_with_errors', counts: { failed: 1, skipped: 1 } });
    const runId = res.json().runId as string;
    const errors = (await call(h.app, token, 'GET', `${base}/${runId}/errors`)).json();
    expect(errors.rows.map((r: { row: number; action: string; errors: { code: string }[] }) => [r.row, r.action, r.errors[0]!.code])).toEqual([
      [2, 'failed', 'PARENT_NOT_FOUND'],
      [3, 'skipped', 'PARENT_FAILED'],
    ]);
    expect(errors.rows[0].raw).toMatchObject({ name: 'Child', parentCode: 'MISSING' });
    const csv = await call(h.app, token, 'GET', `${base}/${runId}/errors?format=csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="errors-${runId}.csv"`);
    const cli = await orgsync(h.db, ['report', runId, '--format', 'csv']);
    expect(cli.code).toBe(0);
    expect(csv.body).toBe(cli.stdout);
    expect(csv.body).toContain(`"'=HYPERLINK(""x"")"`);
  });

  it('retry: once the missing parent exists, POST retry imports the failed rows', async () => {
    const failed = (await call(h.app, token, 'GET', `${base}?status=completed_with_errors`)).json().data[0];
    const created = await call(h.app, token, 'POST', '/v1/organizations/acme/departments', { json: { name: 'Missing parent', code: 'MISSING' } });
    expect(created.statusCode).toBe(201);
    const retry = await call(h.app, token, 'POST', `${base}/${failed.runId}/retry`);
    expect(retry.statusCode).toBe(202);
    const retryRunId = retry.json().runId as string;
    expect(retryRunId).not.toBe(failed.runId);
    const done = await upload('name\nSentinel\n', 'text/csv', '?wait=true&timeout=30'); // queued after the retry: done means the retry is done
    expect(done.statusCode).toBe(200);
    expect((await call(h.app, token, 'GET', `${base}/${retryRunId}`)).json()).toMatchObject({ status: 'completed', parentRunId: failed.runId, counts: { created: 2 } });
    const again = await call(h.app, token, 'POST', `${base}/${retryRunId}/retry`);
    expect(envelopeOf(again)).toMatchObject({ code: 'RUN_NOT_RETRYABLE', status: 409 });
  });

  it('approve: a sync held by its deactivation threshold is applied on approval', async () => {
    const sync = await upload('name,code\nEngineering,ENG\n', 'text/csv', '?mode=sync&max-deactivate=0&wait=true&timeout=30');
    expect(sync.statusCode).toBe(200);
    expect(sync.json()).toMatchObject({ status: 'needs_approval', applied: false });
    // The token that submitted the run (a write token) may not approve it: another person approves (docs/operations.md).
    expect(envelopeOf(await call(h.app, token, 'POST', `${base}/${sync.json().runId}/approve`))).toMatchObject({ code: 'APPROVAL_NOT_ALLOWED', status: 403 });
    const approved = await call(h.app, admin, 'POST', `${base}/${sync.json().runId}/approve`);
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'completed', applied: true });
    expect(approved.json().counts.deactivated).toBeGreaterThan(0);
    expect(envelopeOf(await call(h.app, token, 'POST', `${base}/${sync.json().runId}/approve`))).toMatchObject({ code: 'RUN_NOT_APPROVABLE', status: 409 });
  });

  it('refuses oversized (413) and cut-short (400) uploads whole: no run is created', async () => {
    const runs = await runCount();
    const big = `name,code\n${'x'.repeat(70 * 1024)},BIG\n`;
    const raw = await upload(big, 'text/csv');
    expect(raw.statusCode).toBe(413);
    expect(envelopeOf(raw)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit_bytes: 64 * 1024 } });
    const form = await call(h.app, token, 'POST', base, multipart({}, { name: 'big.csv', type: 'text/csv', content: big }));
    expect(form.statusCode).toBe(413);
    const short = await call(h.app, token, 'POST', base, { payload: 'name\nCut\n', headers: { 'content-type': 'text/csv', 'content-length': '500' } });
    expect(envelopeOf(short)).toMatchObject({ code: 'UPLOAD_INCOMPLETE', status: 400 });
    const truncated = await call(h.app, token, 'POST', base, multipart({}, { name: 'cut.csv', type: 'text/csv', content: 'name\nCut\n' }, { truncate: true }));
    expect(truncated.statusCode).toBe(400);
    expect(envelopeOf(truncated).code).toBe('UPLOAD_INCOMPLETE');
    expect(envelopeOf(await upload('', 'text/csv')).code).toBe('EMPTY_FILE');
    expect(envelopeOf(await call(h.app, token, 'POST', base)).code).toBe('EMPTY_FILE');
    expect(await runCount()).toBe(runs);
  });

  it('415 for other content types; 400 for unknown or invalid options; 404 across organizations', async () => {
    const text = await upload('name\nX\n', 'text/plain');
    expect(text.statusCode).toBe(415);
    expect(envelopeOf(text).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(envelopeOf(await upload('name\nX\n', 'text/csv', '?dry_rn=true'))).toMatchObject({ code: 'UNKNOWN_OPTION', details: { field: 'dry_rn' } });
    expect(envelopeOf(await upload('name\nX\n', 'text/csv', '?mode=merge'))).toMatchObject({ code: 'INVALID_OPTION', details: { field: 'mode' } });
    expect(envelopeOf(await upload('name\nX\n', 'text/csv', '', await orgToken(h.db, 'globex'))).code).toBe('ORGANIZATION_NOT_FOUND');
    // An organization token cannot create organizations; an admin token can.
    const other = await call(h.app, token, 'POST', '/v1/organizations/newco/imports?create-org=true', { payload: 'name\nX\n', headers: { 'content-type': 'text/csv' } });
    expect(other.statusCode).toBe(404);
    const byAdmin = await call(h.app, admin, 'POST', '/v1/organizations/newco/imports?create-org=true&wait=true&timeout=30', {
      payload: '{"name":"Board"}\n',
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(byAdmin.statusCode).toBe(200);
    expect(byAdmin.json()).toMatchObject({ organization: 'newco', status: 'completed', counts: { created: 1 } });
    const foreignRun = (await call(h.app, admin, 'GET', '/v1/organizations/newco/imports')).json().data[0].runId;
    expect(envelopeOf(await call(h.app, token, 'GET', `${base}/${foreignRun}`)).code).toBe('RUN_NOT_FOUND');
    expect(envelopeOf(await call(h.app, token, 'GET', `${base}/run_NOPE/errors`)).code).toBe('RUN_NOT_FOUND');
  });

  it.each([
    ['fixtures/authing-style.csv', 'text/csv'],
    ['fixtures/clients-api.json', 'application/json'],
    ['fixtures/export.ndjson', 'application/x-ndjson'],
  ])('%s imported by the CLI and through POST .../imports gives identical departments', async (path, type) => {
    const tag = path.replace(/\W+/g, '-');
    const cli = await orgsync(h.db, ['import', path, '--org', `cli${tag}`, '--create-org']);
    expect(cli.stderr).toBe('');
    const res = await call(h.app, admin, 'POST', `/v1/organizations/http${tag}/imports?create-org=true&wait=true&timeout=30&filename=${encodeURIComponent(path)}`, {
      payload: readFileSync(path),
      headers: { 'content-type': type },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().errors).toEqual([]);
    const viaCli = await storedShape(h.db, `cli${tag}`);
    expect(viaCli.length).toBeGreaterThan(2);
    expect(await storedShape(h.db, `http${tag}`)).toEqual(viaCli);
  });
});
