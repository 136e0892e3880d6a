/**
 * The history and revert routes (issue 13) on MariaDB and SQLite: a
 * department's history (with the API write's token and request id), a run's
 * changes (filtered by action, keyset-paginated), revert, REVERT_CONFLICT,
 * and the tenancy every /v1 route has.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { adminToken, call, createOrg, envelopeOf, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';
import { importAs } from '../support/historyHarness.js';
import { PRUNE_HISTORY_SCHEDULER_ID } from '../../src/app/jobContracts.js';
import { repositories } from '../../src/adapters/db/index.js';
import { approveRun } from '../../src/app/approveRun.js';
import { executeQueuedRun } from '../../src/app/queuedRun.js';
import { submitRetry } from '../../src/app/retryFailedRows.js';
import { bufferSource, submitImport } from '../../src/app/submitImport.js';
import { parseImportOptions } from '../../src/core/importOptions.js';
import { createToken } from '../../src/app/tokens.js';

describe.each(dialects)('history API on %s', (dialect) => {
  let h: HttpHarness;
  let token: string;
  let other: string;
  let approver: string;
  const base = '/v1/organizations/acme';
  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'history_http');
    await createOrg(h.db, 'acme');
    await createOrg(h.db, 'globex');
    token = await orgToken(h.db, 'acme');
    other = await orgToken(h.db, 'globex');
    approver = (await createToken(repositories(h.db), { organizationCode: 'acme', isAdmin: false, role: 'write', canApprove: true })).token;
  });
  afterAll(async () => {
    await h?.close();
  });

  it("lists a department's history with the token and request of an API write", async () => {
    const created = await call(h.app, token, 'POST', `${base}/departments`, { json: { name: 'Made by API', code: 'API' } });
    expect(created.statusCode).toBe(201);
    const id = (created.json() as { id: string }).id;
    const res = await call(h.app, token, 'GET', `${base}/departments/${id}/history`);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { data: { action: string; actor: string; requestId: string; runId: string | null; after: Record<string, unknown> }[]; nextAfter: number | null };
    expect(body.nextAfter).toBeNull();
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({ action: 'created', runId: null, requestId: created.headers['x-request-id'], after: { name: 'Made by API', code: 'API' } });
    expect(body.data[0]!.actor).toMatch(/^tok_/);
    expect((await call(h.app, other, 'GET', `${base}/departments/${id}/history`)).statusCode).toBe(404);
  });

  it("pages a run's changes, filters them by action, reverts the run, and refuses a second revert with REVERT_CONFLICT", async () => {
    await importAs(h.db, 'acme', 'name,code\nA,A\nB,B\nC,C\n');
    const run = await importAs(h.db, 'acme', 'name,code,description\nA,A,x\nB,B,y\nD,D,\n');
    const first = (await call(h.app, token, 'GET', `${base}/imports/${run.runId}/changes?limit=2`)).json() as { data: { id: number; action: string }[]; nextAfter: number };
    expect(first.data).toHaveLength(2);
    const second = (await call(h.app, token, 'GET', `${base}/imports/${run.runId}/changes?limit=2&after=${first.nextAfter}`)).json() as { data: { id: number }[]; nextAfter: number | null };
    expect(second.data).toHaveLength(1);
    expect(second.nextAfter).toBeNull();
    expect(new Set([...first.data, ...second.data].map((e) => e.id)).size).toBe(3);
    const updates = (await call(h.app, token, 'GET', `${base}/imports/${run.runId}/changes?action=updated`)).json() as { data: { action: string }[] };
    expect(updates.data.map((e) => e.action)).toEqual(['updated', 'updated']);
    expect((await call(h.app, other, 'GET', `${base}/imports/${run.runId}/changes`)).statusCode).toBe(404);

    const refused = await call(h.app, token, 'POST', `${base}/imports/${run.runId}/revert?maxDeactivate=100%25`);
    expect(envelopeOf(refused)).toMatchObject({ status: 403, code: 'APPROVAL_NOT_ALLOWED' });
    expect((await call(h.app, token, 'POST', `${base}/imports/${run.runId}/revert?maxDeactivate=100%25&dryRun=true`)).json()).toMatchObject({ dryRun: true, changes: 0 });
    const reverted = await call(h.app, approver, 'POST', `${base}/imports/${run.runId}/revert?maxDeactivate=100%25`);
    expect(reverted.statusCode).toBe(200);
    expect(reverted.json()).toMatchObject({ revertedRunId: run.runId, status: 'completed', counts: { updated: 2, deactivated: 1 } });
    const again = await call(h.app, approver, 'POST', `${base}/imports/${run.runId}/revert?maxDeactivate=100%25`);
    expect(again.statusCode).toBe(409);
    const envelope = envelopeOf(again);
    expect(envelope.code).toBe('REVERT_CONFLICT');
    expect((await call(h.app, approver, 'GET', `${base}/imports/${(reverted.json() as { runId: string }).runId}/changes`)).json()).toMatchObject({ data: [{ actor: expect.stringMatching(/^tok_/) }, {}, {}] });
    expect((envelope.details.conflicts as unknown[]).length).toBe(3);
  });

  it("pages an import's creates (one history row, a shared id) with a composite nextAfter", async () => {
    const run = await importAs(h.db, 'acme', 'name,code\nP1,P1\nP2,P2\nP3,P3\n');
    const seen: { id: number; departmentId: string; action: string; after: Record<string, unknown> }[] = [];
    let after: string | number | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await call(h.app, token, 'GET', `${base}/imports/${run.runId}/changes?limit=2${after === null ? '' : `&after=${encodeURIComponent(String(after))}`}`);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { data: typeof seen; nextAfter: string | number | null };
      seen.push(...body.data);
      after = body.nextAfter;
      if (after === null) break;
      expect(after).toMatch(/^\d+:dept_\w+$/);
    }
    expect(seen.map((e) => e.after.code)).toEqual(['P1', 'P2', 'P3']);
    expect(new Set(seen.map((e) => e.id)).size).toBe(1);
    expect(seen.map((e) => e.departmentId)).toEqual([...seen.map((e) => e.departmentId)].sort());
    const own = (await call(h.app, token, 'GET', `${base}/departments/${seen[0]!.departmentId}/history`)).json() as { data: typeof seen };
    expect(own.data).toEqual([seen[0]]);
    expect((await call(h.app, token, 'GET', `${base}/imports/${run.runId}/changes?after=0`)).statusCode).toBe(400);
    expect((await call(h.app, token, 'GET', `${base}/imports/${run.runId}/changes?after=12:`)).statusCode).toBe(400);
  });

  it('holds a revert over the threshold: the token that asked cannot approve it (403), an admin can, and the tree is as before the run', async () => {
    await createOrg(h.db, 'revco');
    const revToken = (await createToken(repositories(h.db), { organizationCode: 'revco', isAdmin: false, role: 'write', canApprove: true })).token;
    const admin = await adminToken(h.db);
    const rb = '/v1/organizations/revco';
    await importAs(h.db, 'revco', 'name,code\nA,A\n');
    const tree = async () => ((await repositories(h.db).departments.loadForOrganization((await repositories(h.db).organizations.findByCode('revco'))!.id)) as { code: string | null; isActive: boolean; name: string }[]).map((d) => [d.code, d.name, d.isActive]);
    const before = await tree();
    const grow = await importAs(h.db, 'revco', 'name,code\nB,B\nC,C\nD,D\n');
    const grown = await tree();

    const dry = await call(h.app, revToken, 'POST', `${rb}/imports/${grow.runId}/revert?dryRun=true`);
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toMatchObject({ status: 'needs_approval', dryRun: true, counts: { deactivated: 3 }, error: { code: 'DEACTIVATION_THRESHOLD_EXCEEDED' } });
    const held = await call(h.app, revToken, 'POST', `${rb}/imports/${grow.runId}/revert`);
    expect(held.statusCode).toBe(200);
    const heldBody = held.json() as { runId: string };
    expect(heldBody).toMatchObject({ status: 'needs_approval', dryRun: false, changes: 0, counts: { deactivated: 3 } });
    expect(await tree()).toEqual(grown);
    const status = await call(h.app, revToken, 'GET', `${rb}/imports/${heldBody.runId}`);
    expect(status.json()).toMatchObject({ status: 'needs_approval' });

    const self = await call(h.app, revToken, 'POST', `${rb}/imports/${heldBody.runId}/approve`);
    expect(envelopeOf(self)).toMatchObject({ status: 403, code: 'APPROVAL_NOT_ALLOWED' });
    expect(await tree()).toEqual(grown);
    const approved = await call(h.app, admin, 'POST', `${rb}/imports/${heldBody.runId}/approve`);
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'completed' });
    const after = await tree();
    expect(after.filter(([, , active]) => active)).toEqual(before);
    expect(after.filter(([code]) => code !== 'A').every(([, , active]) => !active)).toBe(true);
  });

  it('records the changes of an approved sync (actor: the approver) and of a retry (its own run)', async () => {
    const repos = repositories(h.db);
    const deps = { repos, queue: h.queue };
    const opts = (o: Record<string, unknown>) => {
      const parsed = parseImportOptions(o);
      if (!parsed.ok) throw new Error(parsed.message);
      return parsed.value;
    };
    await createOrg(h.db, 'heldco');
    await importAs(h.db, 'heldco', 'name,code\nA,A\nB,B\nC,C\n');
    const sync = await submitImport(deps, { organizationCode: 'heldco', source: bufferSource('s.csv', Buffer.from('name,code\nA,A\n')), options: opts({ mode: 'sync', maxDeactivate: '1' }), submittedBy: 'tok_submitter' });
    if (sync.kind !== 'submitted') throw new Error('not submitted');
    expect((await executeQueuedRun(repos, sync.runId, { lockTimeoutSeconds: 10 })).status).toBe('needs_approval');
    const org = (await repos.organizations.findByCode('heldco'))!;
    expect(await repos.history.list({ organizationId: org.id, runId: sync.runId, limit: 10 })).toEqual([]);
    await approveRun(repos, sync.runId, { lockTimeoutSeconds: 10, approver: { kind: 'operator', actor: 'cli:boss' } });
    const approved = await repos.history.list({ organizationId: org.id, runId: sync.runId, limit: 10 });
    expect(approved.map((e) => [e.action, e.actor])).toEqual([
      ['deactivated', 'cli:boss'],
      ['deactivated', 'cli:boss'],
    ]);

    const failing = await importAs(h.db, 'heldco', 'name,code,parentCode\nD,D,NOPE\nE,E,\n');
    expect(failing.status).toBe('completed_with_errors');
    // The missing parent is created: the retry of the failed row now goes through.
    await importAs(h.db, 'heldco', 'name,code\nNope,NOPE\n');
    const retry = await submitRetry(deps, failing.runId, 'tok_retrier');
    await executeQueuedRun(repos, retry.runId, { lockTimeoutSeconds: 10 });
    const retried = await repos.history.list({ organizationId: org.id, runId: retry.runId, limit: 10 });
    expect(retried.map((e) => [e.action, e.actor])).toEqual([['created', 'tok_retrier']]);
  });

  it('a worker schedules the daily history pruning once', async () => {
    await h.startWorker();
    await h.startWorker();
    const schedulers = (await h.queue.getJobSchedulers(0, -1, true)).filter((s) => s.key === PRUNE_HISTORY_SCHEDULER_ID);
    expect(schedulers).toEqual([expect.objectContaining({ name: 'prune-history', pattern: '17 3 * * *' })]);
  });
});
