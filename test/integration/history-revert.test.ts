/**
 * Issue 13, "Every change recorded, any run undone", on MariaDB and SQLite:
 * history rows per change (with run and actor, in the change's transaction,
 * none for an unchanged re-import), revert of creates, updates, moves (a
 * subtree's paths and depths), deactivations and memberships, REVERT_CONFLICT
 * and --force, the deactivation threshold (a revert over it is held for
 * approval, like a sync), API writes, pruning.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositories } from '../../src/adapters/db/index.js';
import { createDepartment } from '../../src/app/createDepartment.js';
import { approveRun } from '../../src/app/approveRun.js';
import { pruneHistory } from '../../src/app/history.js';
import { RevertConflictError, revertRun } from '../../src/app/revertRun.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { importAs, membershipsOf, pathsConsistent, storedTree } from '../support/historyHarness.js';

const BASE = ['name,code,parentCode,emp', 'Root,R,,e1', 'Sales,S,R,e2', 'East,E,S,e3', 'West,W,S,e4', 'Ops,O,R,e5', 'Legal,L,R,e6'].join('\n');
// Renames Root, moves Sales (and its subtree) under Ops, drops Legal (deactivated by the sync),
// creates Field under East, moves e3 from East to West.
const CHANGE = ['name,code,parentCode,emp', 'Root HQ,R,,e1', 'Sales,S,O,e2', 'East,E,S,e9', 'West,W,S,e4', 'West,W,S,e3', 'Ops,O,R,e5', 'Field,F,E,e7'].join('\n');

describe.each(dialects)('department history and revert (%s)', (dialect) => {
  let db: TestDb;
  let n = 0;
  const nextOrg = () => `hist${++n}`;
  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'history_revert');
  });
  afterAll(async () => {
    await db?.drop();
  });

  const repos = () => repositories(db);
  const orgId = async (code: string) => (await repos().organizations.findByCode(code))!.id;
  const historyOf = async (code: string, runId?: string) => repos().history.list({ organizationId: await orgId(code), ...(runId ? { runId } : {}), limit: 1000 });
  const revert = (runId: string, extra: { force?: boolean; dryRun?: boolean; maxDeactivate?: { kind: 'percent'; value: number } } = {}) =>
    revertRun(repos(), { runId, actor: 'cli:reverter', lockTimeoutSeconds: 10, maxDeactivate: { kind: 'percent', value: 100 }, ...extra });

  it('records every change of an import with its run and actor; an unchanged re-import records nothing', async () => {
    const org = nextOrg();
    const first = await importAs(db, org, BASE, { memberColumn: 'emp' });
    const rows = await historyOf(org, first.runId);
    expect(rows.filter((r) => r.action === 'created')).toHaveLength(6);
    expect(rows.filter((r) => r.action === 'member_added')).toHaveLength(6);
    expect(rows.every((r) => r.actor === 'cli:tester' && r.runId === first.runId)).toBe(true);
    expect(rows.find((r) => r.action === 'created')!.after).toMatchObject({ isActive: true });

    const again = await importAs(db, org, BASE, { memberColumn: 'emp' });
    expect(await historyOf(org, again.runId)).toEqual([]);

    const change = await importAs(db, org, CHANGE, { memberColumn: 'emp', mode: 'sync', maxDeactivate: '100%' });
    const changes = await historyOf(org, change.runId);
    const byAction = (a: string) => changes.filter((r) => r.action === a);
    expect(byAction('updated').find((r) => r.before?.name === 'Root')).toMatchObject({ before: { name: 'Root' }, after: { name: 'Root HQ' } });
    expect(byAction('moved')).toHaveLength(1);
    expect(byAction('deactivated')).toHaveLength(1);
    expect(byAction('created')).toHaveLength(1);
    expect(byAction('member_removed').map((r) => r.before?.memberId).sort()).toEqual(['e3', 'e6']);
    expect(byAction('member_added').map((r) => r.after?.memberId).sort()).toEqual(['e3', 'e7', 'e9']);
  });

  it('revert puts back creates, updates, moved subtrees, deactivations and memberships; a revert is revertible', async () => {
    const org = nextOrg();
    await importAs(db, org, BASE, { memberColumn: 'emp' });
    const before = await storedTree(db, org);
    const membersBefore = await membershipsOf(db);
    const change = await importAs(db, org, CHANGE, { memberColumn: 'emp', mode: 'sync', maxDeactivate: '100%' });
    const afterChange = await storedTree(db, org);
    expect(afterChange).not.toEqual(before);

    const dry = await revert(change.runId, { dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(await storedTree(db, org)).toEqual(afterChange);

    const undone = await revert(change.runId);
    expect(undone.runId).not.toBe(change.runId);
    const restored = (await storedTree(db, org)) as { code: string; isActive: boolean }[];
    // Field was created by the run: it stays, deactivated; everything else is exactly as before.
    expect(restored.find((d) => d.code === 'F')).toMatchObject({ isActive: false });
    expect(restored.filter((d) => d.code !== 'F')).toEqual(before);
    expect(await pathsConsistent(db, org)).toBe(true);
    expect(await membershipsOf(db)).toEqual(membersBefore);
    const run = await repos().runs.getRun(undone.runId);
    expect(run).toMatchObject({ status: 'completed', parentRunId: change.runId });
    const revertRows = await historyOf(org, undone.runId);
    expect(revertRows.length).toBeGreaterThan(0);
    expect(revertRows.every((r) => r.actor === 'cli:reverter')).toBe(true);

    // The revert of the revert re-applies the change (Field reactivated).
    await revert(undone.runId);
    const redone = (await storedTree(db, org)) as { memberCount: number }[];
    expect(redone).toEqual(afterChange.map((d) => ({ ...(d as object) })));
  });

  it('REVERT_CONFLICT when a later import changed the same department, unless --force', async () => {
    const org = nextOrg();
    await importAs(db, org, 'name,code\nA,A\nB,B\n');
    const first = await importAs(db, org, 'name,code,description\nA,A,one\n');
    const later = await importAs(db, org, 'name,code,description\nA,A,two\n');
    const err = await revert(first.runId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RevertConflictError);
    expect((err as RevertConflictError).code).toBe('REVERT_CONFLICT');
    expect((err as RevertConflictError).conflicts).toEqual([expect.objectContaining({ runId: later.runId, action: 'updated' })]);
    // The refused revert is a failed run of its own, and wrote nothing.
    expect(await repos().runs.getRun((err as RevertConflictError).revertRunId)).toMatchObject({ status: 'failed', errorCode: 'REVERT_CONFLICT' });
    expect(((await storedTree(db, org)) as { code: string; description: string | null }[]).find((d) => d.code === 'A')?.description).toBe('two');

    const forced = await revert(first.runId, { force: true });
    expect(forced.overridden).toHaveLength(1);
    expect(((await storedTree(db, org)) as { code: string; description: string | null }[]).find((d) => d.code === 'A')?.description).toBeNull();
  });

  it('a revert that would leave an active child under a department it deactivates is refused and changes nothing', async () => {
    const org = nextOrg();
    const first = await importAs(db, org, 'name,code,parentCode\nRoot,R,\nP,P,R\n');
    // A later run only adds a child under P: not a change to P, but P cannot go inactive above it.
    await importAs(db, org, 'name,code,parentCode\nC,C,P\n');
    const before = await storedTree(db, org);
    const err = await revert(first.runId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message)).toMatch(/PARENT_INACTIVE/);
    expect(await storedTree(db, org)).toEqual(before);
  });

  it('a revert announces run.reverted to the organization\'s webhooks', async () => {
    const org = nextOrg();
    await importAs(db, org, 'name,code\nA,A\n');
    const change = await importAs(db, org, 'name,code,description\nA,A,x\n');
    const hook = await repos().webhooks!.insert({ organizationId: await orgId(org), url: 'https://hooks.example.com/x', events: ['run.reverted'], secret: '0123456789abcdef0123' });
    const undone = await revert(change.runId);
    const deliveries = await repos().webhooks!.deliveries({ webhookId: hook.id });
    expect(deliveries.map((d) => [d.runId, d.event])).toEqual([[undone.runId, 'run.reverted']]);
  });

  it('holds a revert over the deactivation threshold for approval, like a sync; approving applies exactly its plan', async () => {
    const org = nextOrg();
    await importAs(db, org, 'name,code\nA,A\n');
    const before = await storedTree(db, org);
    const grow = await importAs(db, org, 'name,code\nB,B\nC,C\nD,D\n');
    const grown = await storedTree(db, org);
    const hook = await repos().webhooks!.insert({ organizationId: await orgId(org), url: 'https://hooks.example.com/t', events: ['run.needs_approval', 'run.reverted'], secret: '0123456789abcdef0123' });
    const limit = { kind: 'percent', value: 20 } as const;

    const dry = await revert(grow.runId, { dryRun: true, maxDeactivate: limit });
    expect(dry).toMatchObject({ status: 'needs_approval', dryRun: true, counts: { deactivated: 3 }, error: { code: 'DEACTIVATION_THRESHOLD_EXCEEDED' } });
    await expect(approveRun(repos(), dry.runId, { lockTimeoutSeconds: 10, approver: { kind: 'operator', actor: 'cli:boss' } })).rejects.toMatchObject({ code: 'RUN_NOT_APPROVABLE' });

    const held = await revert(grow.runId, { maxDeactivate: limit });
    expect(held).toMatchObject({ status: 'needs_approval', dryRun: false, counts: { deactivated: 3 }, changes: 0, error: { code: 'DEACTIVATION_THRESHOLD_EXCEEDED' } });
    expect(await repos().runs.getRun(held.runId)).toMatchObject({ status: 'needs_approval', submittedBy: 'cli:reverter', parentRunId: grow.runId });
    expect(await storedTree(db, org)).toEqual(grown);
    expect(await historyOf(org, held.runId)).toEqual([]);

    const approved = await approveRun(repos(), held.runId, { lockTimeoutSeconds: 10, approver: { kind: 'operator', actor: 'cli:boss' } });
    expect(approved).toMatchObject({ runId: held.runId, status: 'completed' });
    expect(await repos().runs.getRun(held.runId)).toMatchObject({ status: 'completed', approvedBy: 'cli:boss' });
    const restored = (await storedTree(db, org)) as { code: string; isActive: boolean }[];
    expect(restored.filter((d) => d.code === 'A')).toEqual(before);
    expect(restored.filter((d) => d.code !== 'A').every((d) => !d.isActive)).toBe(true);
    expect((await historyOf(org, held.runId)).map((e) => [e.action, e.actor])).toEqual([['deactivated', 'cli:boss'], ['deactivated', 'cli:boss'], ['deactivated', 'cli:boss']]);
    const events = (await repos().webhooks!.deliveries({ webhookId: hook.id })).filter((d) => d.runId === held.runId).map((d) => d.event).sort();
    expect(events).toEqual(['run.needs_approval', 'run.reverted']);
  });

  it('an approval after the departments changed plans the revert again from the history and holds it again', async () => {
    const org = nextOrg();
    await importAs(db, org, 'name,code\nA,A\n');
    const grow = await importAs(db, org, 'name,code\nB,B\nC,C\nD,D\n');
    const held = await revert(grow.runId, { maxDeactivate: { kind: 'percent', value: 20 } });
    expect(held.status).toBe('needs_approval');
    await importAs(db, org, 'name,code\nZ,Z\n');
    const changed = await storedTree(db, org);
    const again = await approveRun(repos(), held.runId, { lockTimeoutSeconds: 10, approver: { kind: 'operator', actor: 'cli:boss' } });
    expect(again).toMatchObject({ status: 'needs_approval' });
    expect((await repos().runs.getRun(held.runId))?.errorMessage).toMatch(/changed since this plan was made/);
    expect(await storedTree(db, org)).toEqual(changed);
    await approveRun(repos(), held.runId, { lockTimeoutSeconds: 10, approver: { kind: 'operator', actor: 'cli:boss' } });
    const after = (await storedTree(db, org)) as { code: string; isActive: boolean }[];
    expect(after.filter((d) => d.isActive).map((d) => d.code).sort()).toEqual(['A', 'Z']);
  });

  it('records API writes with the token and request id', async () => {
    const org = nextOrg();
    await importAs(db, org, 'name,code\nA,A\n');
    const organization = (await repos().organizations.findByCode(org))!;
    const result = await createDepartment(repos(), { organization, fields: { name: 'Made by API', code: 'API' }, lockTimeoutSeconds: 10, actor: 'tok_test', requestId: 'req-1' });
    expect(result.ok).toBe(true);
    const rows = await repos().history.list({ organizationId: organization.id, departmentId: result.ok ? result.department.id : '', limit: 10 });
    expect(rows).toEqual([expect.objectContaining({ action: 'created', runId: null, requestId: 'req-1', actor: 'tok_test' })]);
  });

  it('a run whose history was pruned, or that wrote nothing, is RUN_NOT_REVERTIBLE', async () => {
    const org = nextOrg();
    const first = await importAs(db, org, 'name,code\nA,A\n');
    const dry = await importAs(db, org, 'name,code\nB,B\n', { dryRun: true });
    await expect(revert(dry.runId)).rejects.toMatchObject({ code: 'RUN_NOT_REVERTIBLE' });
    await repos().history.prune(new Date(Date.now() + 60_000));
    await expect(revert(first.runId)).rejects.toMatchObject({ code: 'RUN_NOT_REVERTIBLE' });
    expect(((await storedTree(db, org)) as { isActive: boolean }[]).every((d) => d.isActive)).toBe(true);
  });

  it('pruning deletes only entries older than the retention period', async () => {
    const org = nextOrg();
    await importAs(db, org, 'name,code\nA,A\n');
    const organization = (await repos().organizations.findByCode(org))!;
    const [dept] = await repos().departments.loadForOrganization(organization.id);
    const old = new Date(Date.now() - 500 * 86_400_000);
    await db.knex.transaction((trx) => repos().history.record(trx, organization.id, [{ departmentId: dept!.id, action: 'updated', before: { name: 'x' }, after: { name: 'A' } }], { runId: null, actor: 'unknown' }, old));
    const count = async () => (await repos().history.list({ organizationId: organization.id, limit: 100 })).length;
    expect(await count()).toBe(2);
    expect(await pruneHistory(repos(), 400)).toBeGreaterThanOrEqual(1);
    expect((await repos().history.list({ organizationId: organization.id, limit: 100 })).map((r) => r.action)).toEqual(['created']);
  });
});
