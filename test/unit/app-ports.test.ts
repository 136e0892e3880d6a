/**
 * The use cases run on the ports alone: createDepartment, a queued sync held
 * over its threshold, and its approval, against in-memory fakes
 * (test/support/memoryRepos.ts) with no database anywhere.
 */
import { describe, expect, it } from 'vitest';
import { ApprovalNotPossibleError, approveRun } from '../../src/app/approveRun.js';
import { createDepartment } from '../../src/app/createDepartment.js';
import { executeQueuedRun } from '../../src/app/queuedRun.js';
import { parseImportOptions } from '../../src/core/importOptions.js';
import type { Organization, StoredDepartment } from '../../src/core/model.js';
import { memoryRepos } from '../support/memoryRepos.js';

const ACME: Organization = { id: 'org_acme', code: 'acme', name: 'Acme', nameScope: 'organization' };

function stored(name: string, parent?: StoredDepartment): StoredDepartment {
  const id = `dep_${name}`;
  return {
    id, organizationId: ACME.id, parentId: parent?.id ?? null, path: `${parent?.path ?? ''}/${id}`, depth: parent ? parent.depth + 1 : 0, memberCount: 0,
    name, description: null, code: name, openDepartmentId: null, location: null, i18n: null, customData: null, leaderUserIds: null, postIds: null,
    isActive: true, isVirtual: false, sortOrder: null, color: null, tenantId: null,
  } as StoredDepartment;
}

function withAcme(...departments: StoredDepartment[]) {
  const memory = memoryRepos();
  memory.store.organizations.set(ACME.id, ACME);
  for (const d of departments) memory.store.departments.set(d.id, d);
  return memory;
}

describe('createDepartment on in-memory ports', () => {
  it('creates the department under its parent, under the organization lock', async () => {
    const sales = stored('Sales');
    const { repos, store } = withAcme(sales);
    const result = await createDepartment(repos, { organization: ACME, fields: { name: 'Team', parent_id: sales.id }, lockTimeoutSeconds: 5 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.department).toMatchObject({ name: 'Team', parentId: sales.id, depth: 1, organizationId: ACME.id });
    expect(store.departments.get(result.department.id)).toEqual(result.department);
    expect(store.locks).toEqual(['acme']);
  });

  it('refuses a name taken in the organization, and writes nothing', async () => {
    const { repos, store } = withAcme(stored('Sales'));
    const result = await createDepartment(repos, { organization: ACME, fields: { name: 'Sales' }, lockTimeoutSeconds: 5 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.code)).toEqual(['DEPARTMENT_NAME_CONFLICT']);
    expect(store.departments.size).toBe(1);
  });
});

describe('a queued sync over its threshold, then its approval, on in-memory ports', () => {
  async function queuedSync(memory: ReturnType<typeof withAcme>, csv: string): Promise<string> {
    const options = parseImportOptions({ mode: 'sync', format: 'csv' });
    if (!options.ok) throw new Error(options.message);
    const runId = await memory.repos.runs.createRun({ organizationCode: 'acme', sourceName: 'hr.csv', mode: 'sync', options: options.value, dryRun: false });
    await memory.repos.staging.write(runId, 'input', [Buffer.from(csv)]);
    return runId;
  }
  const fiveActive = () => ['A', 'B', 'C', 'D', 'E'].map((n) => stored(n));

  it('holds the plan instead of deactivating 4 of 5, and approval applies exactly it', async () => {
    const memory = withAcme(...fiveActive());
    const { repos, store } = memory;
    const runId = await queuedSync(memory, 'name,code\nA,A\n');

    const held = await executeQueuedRun(repos, runId, { lockTimeoutSeconds: 5 });
    expect(held).toMatchObject({ kind: 'held', status: 'needs_approval', applied: false, fileError: { code: 'DEACTIVATION_THRESHOLD_EXCEEDED' } });
    expect(store.runs.get(runId)?.status).toBe('needs_approval');
    expect(await repos.staging.has(runId, 'plan')).toBe(true);
    expect([...store.departments.values()].every((d) => d.isActive)).toBe(true);

    const approved = await approveRun(repos, runId, { lockTimeoutSeconds: 5, approver: { kind: 'operator', actor: 'cli:test' } });
    expect(approved).toMatchObject({ kind: 'applied', status: 'completed', applied: true });
    expect(approved.counts.deactivated).toBe(4);
    expect([...store.departments.values()].filter((d) => d.isActive).map((d) => d.name)).toEqual(['A']);
    expect(store.runs.get(runId)?.status).toBe('completed');
    expect(await repos.staging.has(runId, 'plan')).toBe(false);
    expect(await repos.staging.has(runId, 'input')).toBe(false);

    await expect(approveRun(repos, runId, { lockTimeoutSeconds: 5, approver: { kind: 'operator', actor: 'cli:test' } })).rejects.toThrow(ApprovalNotPossibleError);
  });

  it('does not apply a held plan once the departments changed: it plans again and holds again', async () => {
    const memory = withAcme(...fiveActive());
    const { repos, store } = memory;
    const runId = await queuedSync(memory, 'name,code\nA,A\n');
    await executeQueuedRun(repos, runId, { lockTimeoutSeconds: 5 });

    const b = store.departments.get('dep_B')!;
    store.departments.set(b.id, { ...b, name: 'B renamed' });
    const again = await approveRun(repos, runId, { lockTimeoutSeconds: 5, approver: { kind: 'operator', actor: 'cli:test' } });
    expect(again).toMatchObject({ kind: 'held', status: 'needs_approval' });
    expect(again.fileError?.message).toMatch(/changed since this plan was made/);
    expect([...store.departments.values()].every((d) => d.isActive)).toBe(true);
    expect(store.runs.get(runId)?.status).toBe('needs_approval');
  });
});
