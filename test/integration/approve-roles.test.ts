/**
 * Who may approve a held sync (docs/operations.md, "Approval workflow"), over
 * HTTP with real tokens: a read token writes nothing (INSUFFICIENT_ROLE), a
 * write token cannot approve, the submitting token cannot approve its own run
 * unless ORGSYNC_ALLOW_SELF_APPROVAL; an admin-role token can, and the run
 * records who and when. The run resource carries its plan's counts, and
 * GET .../plan pages it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositories } from '../../src/adapters/db/index.js';
import { approveRun } from '../../src/app/approveRun.js';
import { executeQueuedRun } from '../../src/app/queuedRun.js';
import { createToken, principalById } from '../../src/app/tokens.js';
import { parseImportOptions } from '../../src/core/importOptions.js';
import { loadConfig } from '../../src/config.js';
import { dialects, type TestDb } from '../support/db.js';
import { call, envelopeOf, type HttpHarness, openHttpHarness } from '../support/httpHarness.js';
import { departmentsOf, importText } from '../support/importHarness.js';

const SEED = ['name,code', ...Array.from({ length: 6 }, (_, i) => `Team ${i},T${i}`)].join('\n');
const PARTIAL = 'name,code\nTeam 0,T0\nTeam 1,T1\n';

/** A queued sync over its threshold, run as a worker runs it: held, submitted by `submittedBy`. */
async function heldRun(db: TestDb, org: string, submittedBy: string): Promise<string> {
  const repos = repositories(db);
  const parsed = parseImportOptions({ mode: 'sync', maxDeactivate: '1' });
  if (!parsed.ok) throw new Error(parsed.message);
  const runId = await repos.runs.createRun({ organizationCode: org, sourceName: 'partial.csv', mode: 'sync', options: parsed.value, dryRun: false, submittedBy });
  await repos.staging.write(runId, 'input', [Buffer.from(PARTIAL, 'utf8')]);
  const report = await executeQueuedRun(repos, runId, { lockTimeoutSeconds: 10 });
  expect(report.status).toBe('needs_approval');
  return runId;
}

describe.each(dialects)('approval roles (%s)', (dialect) => {
  let h: HttpHarness;
  const tokens: Record<string, { id: string; token: string }> = {};
  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'approve_roles');
    await importText(h.db, SEED, { org: 'acme' });
    const repos = repositories(h.db);
    for (const [name, input] of [
      ['read', { role: 'read' as const }],
      ['write', {}],
      ['submitter', { role: 'admin' as const }],
      ['approver', { role: 'admin' as const }],
      ['canApprove', { canApprove: true }],
    ] as const) {
      tokens[name] = await createToken(repos, { organizationCode: 'acme', isAdmin: false, name, ...input });
    }
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses the read token, a write token and the submitter; lets an admin-role token approve and records it', async () => {
    const runId = await heldRun(h.db, 'acme', tokens.submitter!.id);
    const url = `/v1/organizations/acme/imports/${runId}`;

    const read = await call(h.app, tokens.read!.token, 'GET', url);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ status: 'needs_approval', submittedBy: tokens.submitter!.id, approvedBy: null, plan: { counts: { deactivated: 4, created: 0 } } });

    const page1 = await call(h.app, tokens.read!.token, 'GET', `${url}/plan?action=deactivated&limit=3`);
    expect(page1.statusCode).toBe(200);
    expect(page1.json()).toMatchObject({ action: 'deactivated', total: 4, nextCursor: '3' });
    const page2 = (await call(h.app, tokens.read!.token, 'GET', `${url}/plan?action=deactivated&limit=3&cursor=3`)).json() as { items: { name: string }[]; nextCursor: null };
    expect(page2.nextCursor).toBeNull();
    const names = [...(page1.json() as { items: { name: string }[] }).items, ...page2.items].map((d) => d.name).sort();
    expect(names).toEqual(['Team 2', 'Team 3', 'Team 4', 'Team 5']);

    const byRead = await call(h.app, tokens.read!.token, 'POST', `${url}/approve`);
    expect([byRead.statusCode, envelopeOf(byRead).code]).toEqual([403, 'INSUFFICIENT_ROLE']);
    const upload = await call(h.app, tokens.read!.token, 'POST', '/v1/organizations/acme/imports', { payload: 'name\nX\n', headers: { 'content-type': 'text/csv' } });
    expect([upload.statusCode, envelopeOf(upload).code]).toEqual([403, 'INSUFFICIENT_ROLE']);

    const byWrite = await call(h.app, tokens.write!.token, 'POST', `${url}/approve`);
    expect([byWrite.statusCode, envelopeOf(byWrite).code]).toEqual([403, 'APPROVAL_NOT_ALLOWED']);
    const bySubmitter = await call(h.app, tokens.submitter!.token, 'POST', `${url}/approve`);
    expect([bySubmitter.statusCode, envelopeOf(bySubmitter).code]).toEqual([403, 'APPROVAL_NOT_ALLOWED']);
    expect(envelopeOf(bySubmitter).message).toContain('submitted');
    expect((await departmentsOf(h.db, 'acme')).filter((d) => d.isActive)).toHaveLength(6);

    const approved = await call(h.app, tokens.approver!.token, 'POST', `${url}/approve`);
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'completed', applied: true });
    const after = (await call(h.app, tokens.read!.token, 'GET', url)).json() as { approvedBy: string; approvedAt: string };
    expect(after.approvedBy).toBe(tokens.approver!.id);
    expect(Date.parse(after.approvedAt)).not.toBeNaN();
    expect((await departmentsOf(h.db, 'acme')).filter((d) => d.isActive)).toHaveLength(2);
  });

  it('a --can-approve token may approve; its own run only when self-approval is allowed', async () => {
    await importText(h.db, SEED, { org: 'acme' });
    const runId = await heldRun(h.db, 'acme', tokens.canApprove!.id);
    const self = await call(h.app, tokens.canApprove!.token, 'POST', `/v1/organizations/acme/imports/${runId}/approve`);
    expect([self.statusCode, envelopeOf(self).code]).toEqual([403, 'APPROVAL_NOT_ALLOWED']);

    expect(loadConfig({ ORGSYNC_ALLOW_SELF_APPROVAL: 'true' }).http.allowSelfApproval).toBe(true);
    expect(loadConfig({}).http.allowSelfApproval).toBe(false);
    const principal = (await principalById(repositories(h.db), tokens.canApprove!.id))!;
    const report = await approveRun(repositories(h.db), runId, { lockTimeoutSeconds: 10, approver: { kind: 'token', principal }, allowSelfApproval: true });
    expect(report).toMatchObject({ status: 'completed', applied: true });
    expect(await repositories(h.db).runs.getRun(runId)).toMatchObject({ approvedBy: tokens.canApprove!.id });
  });
});
