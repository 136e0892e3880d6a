/**
 * The plan a dry run and a held sync report (core/plan/preview.ts) lists
 * exactly the departments the real run then changes: compared field by field
 * against the stored tree before and after, on MariaDB and SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo, repositories } from '../../src/adapters/db/index.js';
import { ApprovalNotPossibleError, approveRun } from '../../src/app/approveRun.js';
import { loadPlanPreview } from '../../src/app/heldPlan.js';
import { runImport } from '../../src/app/importService.js';
import { executeQueuedRun } from '../../src/app/queuedRun.js';
import { parseImportOptions, type ImportOptionsInput } from '../../src/core/importOptions.js';
import type { StoredDepartment } from '../../src/core/model.js';
import { DIFF_FIELDS } from '../../src/core/plan/diff.js';
import type { PlanPreview } from '../../src/core/plan/preview.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { departmentsOf, importText } from '../support/importHarness.js';

const SEED = [
  'name,code,parentCode,description',
  'Engineering,ENG,,builds',
  'Platform,PLAT,ENG,',
  'Infra,INFRA,PLAT,',
  'Storage,STOR,INFRA,',
  'Apps,APPS,ENG,',
  'Sales,SALES,,',
  'EMEA,EMEA,SALES,',
  'APAC,APAC,SALES,',
  'Legal,LEGAL,,',
  'Old A,OLDA,LEGAL,',
  'Old B,OLDB,LEGAL,',
].join('\n');

// Renames Apps, moves Infra (and Storage with it) under Sales, re-describes Engineering,
// creates Data under Platform, and leaves out Legal, Old A, Old B and APAC (4 of 11).
const SYNC = [
  'name,code,parentCode,description',
  'Engineering,ENG,,builds software',
  'Platform,PLAT,ENG,',
  'Infra,INFRA,SALES,',
  'Storage,STOR,INFRA,',
  'Applications,APPS,ENG,',
  'Sales,SALES,,',
  'EMEA,EMEA,SALES,',
  'Data,DATA,PLAT,',
].join('\n');

function namePath(all: Map<string, StoredDepartment>, id: string | null): string {
  const names: string[] = [];
  for (let d = id === null ? undefined : all.get(id); d; d = d.parentId === null ? undefined : all.get(d.parentId)) names.unshift(d.name);
  return names.join(' > ');
}

/** What a real run changed, from the stored tree before and after it, in the preview's terms. */
function actualChanges(before: StoredDepartment[], after: StoredDepartment[]) {
  const was = new Map(before.map((d) => [d.id, d]));
  const now = new Map(after.map((d) => [d.id, d]));
  const created: string[] = [];
  const updated: Record<string, string[]> = {};
  const moved: Record<string, [string, string]> = {};
  const deactivated: string[] = [];
  for (const d of after) {
    const old = was.get(d.id);
    if (!old) {
      created.push(`${d.name} under ${namePath(now, d.parentId)}`);
      continue;
    }
    const fields = DIFF_FIELDS.filter((f) => JSON.stringify(old[f]) !== JSON.stringify(d[f]));
    if (fields.length === 0) continue;
    if (old.isActive && !d.isActive) deactivated.push(d.id);
    else if (fields.includes('parentId')) moved[d.id] = [namePath(was, old.parentId), namePath(now, d.parentId)];
    else updated[d.id] = [...fields].sort();
  }
  return { created: created.sort(), updated, moved, deactivated: deactivated.sort() };
}

function planned(plan: PlanPreview) {
  return {
    created: plan.created.map((c) => `${c.name} under ${c.parentPath}`).sort(),
    updated: Object.fromEntries(plan.updated.map((u) => [u.id, u.changes.map((c) => c.field).sort()])),
    moved: Object.fromEntries(plan.moved.map((m) => [m.id, [m.fromParentPath, m.toParentPath]])),
    deactivated: plan.deactivated.map((d) => d.id).sort(),
  };
}

async function run(db: TestDb, text: string, opts: ImportOptionsInput & { org: string }) {
  const { org, ...rest } = opts;
  const parsed = parseImportOptions({ createOrg: true, ...rest });
  if (!parsed.ok) throw new Error(parsed.message);
  return runImport(repositories(db), {
    organizationCode: org,
    source: { name: 'sync.csv', bytes: (async function* () { yield Buffer.from(text, 'utf8'); })() },
    options: parsed.value,
    actor: 'cli:preview-test',
  });
}

describe.each(dialects)('the plan a person reviews (%s)', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDatabase(dialect, `preview_plan_${process.pid}`);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('a dry run lists exactly what the real run then changes', async () => {
    await importText(db, SEED, { org: 'dry' });
    const before = await departmentsOf(db, 'dry');
    const dry = await run(db, SYNC, { org: 'dry', mode: 'sync', dryRun: true, maxDeactivate: '50%' });
    expect(dry).toMatchObject({ status: 'completed', dryRun: true, applied: false });
    expect(await departmentsOf(db, 'dry')).toEqual(before);
    const plan = dry.plan!;
    // Stored with the run, for `orgsync report` and GET .../plan later.
    expect(await loadPlanPreview(repositories(db), dry.runId)).toEqual(plan);

    const real = await run(db, SYNC, { org: 'dry', mode: 'sync', maxDeactivate: '50%' });
    expect(real).toMatchObject({ status: 'completed', applied: true });
    const actual = actualChanges(before, await departmentsOf(db, 'dry'));
    expect(planned(plan)).toEqual(actual);
    // The fixture exercises every kind of change, so the equality above is not vacuous.
    expect(actual.created).toEqual(['Data under Engineering > Platform']);
    expect(Object.keys(actual.moved)).toHaveLength(1);
    expect(Object.values(actual.moved)[0]).toEqual(['Engineering > Platform', 'Sales']);
    expect(actual.deactivated).toHaveLength(4);
    expect(Object.values(actual.updated)).toEqual(expect.arrayContaining([['description'], ['name'], ['depth', 'path']]));
    const storage = plan.updated.find((u) => u.name === 'Storage')!;
    expect(storage.changes.find((c) => c.field === 'path')).toEqual({ field: 'path', before: 'Engineering > Platform > Infra > Storage', after: 'Sales > Infra > Storage' });
    const legal = plan.deactivated.find((d) => d.name === 'Legal')!;
    expect(legal).toMatchObject({ path: 'Legal', memberCount: 0, activeChildren: 2 });
  });

  it('a dry run over the threshold is needs_approval with the real counts and the plan, and cannot be approved', async () => {
    await importText(db, SEED, { org: 'over' });
    const dry = await run(db, SYNC, { org: 'over', mode: 'sync', dryRun: true, maxDeactivate: '1' });
    expect(dry).toMatchObject({ kind: 'held', status: 'needs_approval', dryRun: true, applied: false, fileError: { code: 'DEACTIVATION_THRESHOLD_EXCEEDED' } });
    expect(dry.counts).toMatchObject({ rows: 8, created: 1, moved: 1, deactivated: 4 });
    expect(dry.plan?.deactivated.map((d) => d.name).sort()).toEqual(['APAC', 'Legal', 'Old A', 'Old B']);
    expect(await importRunsRepo(db).getRun(dry.runId)).toMatchObject({ status: 'needs_approval', dryRun: true, counts: expect.objectContaining({ deactivated: 4 }) });
    await expect(approveRun(repositories(db), dry.runId, { lockTimeoutSeconds: 10, approver: { kind: 'operator', actor: 'cli:x' } })).rejects.toThrow(ApprovalNotPossibleError);
  });

  it('a held sync lists exactly what its approval then changes, and records who approved', async () => {
    await importText(db, SEED, { org: 'held' });
    const before = await departmentsOf(db, 'held');
    // Queued, as a worker runs it (only a queued run keeps its input, to be planned again on approval).
    const repos = repositories(db);
    const parsed = parseImportOptions({ mode: 'sync', maxDeactivate: '1' });
    if (!parsed.ok) throw new Error(parsed.message);
    const runId = await repos.runs.createRun({ organizationCode: 'held', sourceName: 'sync.csv', mode: 'sync', options: parsed.value, dryRun: false, submittedBy: 'cli:preview-test' });
    await repos.staging.write(runId, 'input', [Buffer.from(SYNC, 'utf8')]);
    const held = await executeQueuedRun(repos, runId, { lockTimeoutSeconds: 10 });
    expect(held).toMatchObject({ status: 'needs_approval', dryRun: false, applied: false });
    expect(await departmentsOf(db, 'held')).toEqual(before);
    const stored = await loadPlanPreview(repositories(db), held.runId);
    expect(stored).toEqual(held.plan);

    const approved = await approveRun(repositories(db), held.runId, { lockTimeoutSeconds: 10, approver: { kind: 'operator', actor: 'cli:alice' } });
    expect(approved).toMatchObject({ status: 'completed', applied: true });
    const actual = actualChanges(before, await departmentsOf(db, 'held'));
    // A held plan is applied as it was made: even the new department's id is the planned one.
    expect({ ...planned(stored!), created: stored!.created.map((c) => c.id) }).toEqual({
      ...actual,
      created: (await departmentsOf(db, 'held')).filter((d) => !before.some((b) => b.id === d.id)).map((d) => d.id),
    });
    const record = await importRunsRepo(db).getRun(held.runId);
    expect(record).toMatchObject({ status: 'completed', submittedBy: 'cli:preview-test', approvedBy: 'cli:alice' });
    expect(Date.parse(record!.approvedAt!)).not.toBeNaN();
  });
});
