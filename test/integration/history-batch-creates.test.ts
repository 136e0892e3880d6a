/**
 * Issue 15, on MariaDB and SQLite: a 1,000-department import writes exactly
 * one history row for its creates (migration 0015), and every reader gives
 * the entries a row per create gave: a run's changes, the organization's
 * history and a department's own history (each paged a few entries at a time
 * through the composite cursor, and as one page), a revert's read, the
 * revert itself, REVERT_CONFLICT for a later change, the HTTP route and the
 * CLI; pruning the row takes its creates out of the history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositories } from '../../src/adapters/db/index.js';
import { toDbDateTime } from '../../src/adapters/db/values.js';
import { historyPage, type HistoryQuery } from '../../src/app/history.js';
import { RevertConflictError, revertRun } from '../../src/app/revertRun.js';
import type { HistoryEntry } from '../../src/core/history/changes.js';
import { compareEntries, type HistoryCursor, parseHistoryCursor } from '../../src/core/history/cursor.js';
import type { JsonObject, JsonValue, StoredDepartment } from '../../src/core/model.js';
import { DIFF_FIELDS } from '../../src/core/plan/diff.js';
import { cliEnv, runCli } from '../support/cli.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { importAs } from '../support/historyHarness.js';
import { departmentsOf } from '../support/importHarness.js';

/** 10 top-level departments with 99 children each: 1,000 creates. */
const THOUSAND = ['name,code,parentCode', ...Array.from({ length: 1000 }, (_, i) => (i < 10 ? `Top ${i},T${i},` : `Unit ${i},U${i},T${i % 10}`))].join('\n');

function recordOf(d: StoredDepartment): JsonObject {
  const out: JsonObject = {};
  for (const f of DIFF_FIELDS) if (d[f] !== null && d[f] !== undefined) out[f] = d[f] as JsonValue;
  return out;
}

type Repos = ReturnType<typeof repositories>;

/** Every page of a query, `limit` at a time, following nextAfter as the API and the CLI hand it out. */
async function allPages(repos: Repos, q: Omit<HistoryQuery, 'after' | 'limit'>, limit: number): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  let after: HistoryCursor | undefined;
  for (let pages = 0; pages < 5000; pages++) {
    const page = await historyPage(repos, { ...q, limit, ...(after ? { after } : {}) });
    out.push(...page.items);
    if (page.nextAfter === null) return out;
    after = parseHistoryCursor(String(page.nextAfter));
    expect(after, String(page.nextAfter)).toBeDefined();
  }
  throw new Error('pagination did not end');
}

describe.each(dialects)("an import's creates as one history row (%s)", (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'history_batch');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('1,000 creates: one history row, and every reader lists the 1,000 created entries as before', async () => {
    const repos = repositories(db);
    const run = await importAs(db, 'big', THOUSAND);
    expect(run.counts.created).toBe(1000);
    const org = (await repos.organizations.findByCode('big'))!;
    const rows = (await db.knex('department_history').where('organization_id', org.id).select('id', 'department_id')) as { id: unknown; department_id: string }[];
    expect(rows).toEqual([{ id: expect.anything(), department_id: '' }]);
    const H = Number(rows[0]!.id);

    const departments = (await departmentsOf(db, 'big')).sort((a, b) => (a.id < b.id ? -1 : 1));
    const whole = await repos.history.list({ organizationId: org.id, runId: run.runId, limit: 1000 });
    expect(whole.map((e) => [e.id, e.departmentId, e.action, e.before, e.after, e.runId, e.actor])).toEqual(
      departments.map((d) => [H, d.id, 'created', null, recordOf(d), run.runId, 'cli:tester']),
    );
    expect(await allPages(repos, { organization: org, runId: run.runId }, 37)).toEqual(whole);
    expect(await allPages(repos, { organization: org }, 100)).toEqual(whole);
    expect(await allPages(repos, { organization: org, action: 'created' }, 333)).toEqual(whole);
    const ofRun = await repos.history.ofRun(run.runId);
    expect(ofRun.map((e) => e.departmentId)).toEqual(departments.map((d) => d.id));
    for (const d of [departments[0]!, departments[500]!, departments[999]!]) {
      expect(await repos.history.list({ organizationId: org.id, departmentId: d.id, limit: 10 })).toEqual([whole.find((e) => e.departmentId === d.id)]);
    }

    // Pages of the run's changes over HTTP-shaped cursors: a page ending inside the creates names the department.
    const first = await historyPage(repos, { organization: org, runId: run.runId, limit: 10 });
    expect(first.nextAfter).toBe(`${H}:${departments[9]!.id}`);
    // A department's own history keeps numeric cursors (its ids are unique there).
    const own = await historyPage(repos, { organization: org, departmentId: departments[0]!.id, limit: 1 });
    expect(own.nextAfter).toBeNull();

    // A dry-run revert finds the 1,000 created departments (all would be deactivated).
    const dry = await revertRun(repos, { runId: run.runId, dryRun: true, actor: 'cli:reverter', lockTimeoutSeconds: 10, maxDeactivate: { kind: 'percent', value: 100 } });
    expect(dry.counts.deactivated).toBe(1000);
  });

  it('a run that creates and updates: creates first, its updates after; REVERT_CONFLICT for a later change; the revert itself', async () => {
    const repos = repositories(db);
    await importAs(db, 'mix', 'name,code\nA,A\nB,B\n');
    const mixed = await importAs(db, 'mix', 'name,code,description\nA,A,x\nB,B,y\nC,C,\nD,D,\nE,E,\n');
    expect(mixed.counts).toMatchObject({ created: 3, updated: 2 });
    const org = (await repos.organizations.findByCode('mix'))!;
    const whole = await repos.history.list({ organizationId: org.id, runId: mixed.runId, limit: 100 });
    expect(whole.map((e) => e.action)).toEqual(['created', 'created', 'created', 'updated', 'updated']);
    expect(new Set(whole.slice(0, 3).map((e) => e.id)).size).toBe(1);
    expect(whole[3]!.id).toBeGreaterThan(whole[0]!.id);
    expect([...whole].sort(compareEntries)).toEqual(whole);
    for (const limit of [1, 2, 3, 4]) expect(await allPages(repos, { organization: org, runId: mixed.runId }, limit)).toEqual(whole);
    const orgWide = await repos.history.list({ organizationId: org.id, limit: 100 });
    for (const limit of [1, 2, 3]) expect(await allPages(repos, { organization: org }, limit)).toEqual(orgWide);

    // A later import changes one of the departments the run created: its revert is a conflict.
    const later = await importAs(db, 'mix', 'name,code,description\nC,C,later\n');
    const err = await revertRun(repos, { runId: mixed.runId, actor: 'cli:reverter', lockTimeoutSeconds: 10, maxDeactivate: { kind: 'percent', value: 100 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RevertConflictError);
    const c = (await departmentsOf(db, 'mix')).find((d) => d.code === 'C')!;
    expect((err as RevertConflictError).conflicts).toEqual([expect.objectContaining({ departmentId: c.id, runId: later.runId, action: 'updated' })]);
    const forced = await revertRun(repos, { runId: mixed.runId, force: true, actor: 'cli:reverter', lockTimeoutSeconds: 10, maxDeactivate: { kind: 'percent', value: 100 } });
    expect(forced).toMatchObject({ status: 'completed', counts: { updated: 2, deactivated: 3 } });
    const active = (await departmentsOf(db, 'mix')).filter((d) => d.isActive).map((d) => d.code);
    expect(active.sort()).toEqual(['A', 'B']);
  });

  it('the CLI pages through a run\'s creates with the cursor it prints', async () => {
    const run = await importAs(db, 'cli', 'name,code\nA,A\nB,B\nC,C\n');
    const env = cliEnv(db);
    const seen: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 5; i++) {
      const out = await runCli(['history', '--org', 'cli', '--run', run.runId, '--limit', '2', '--json', ...(after ? ['--after', after] : [])], env);
      expect(out.code, out.stderr).toBe(0);
      const page = JSON.parse(out.stdout) as { items: { departmentId: string }[]; nextAfter: string | number | null };
      seen.push(...page.items.map((e) => e.departmentId));
      if (page.nextAfter === null) break;
      after = String(page.nextAfter);
    }
    expect(seen).toEqual((await departmentsOf(db, 'cli')).map((d) => d.id).sort());
    const text = await runCli(['history', '--org', 'cli', '--run', run.runId, '--limit', '1'], env);
    expect(text.stdout).toMatch(/more: --after \d+:dept_\w+/);
    const bad = await runCli(['history', '--org', 'cli', '--after', 'x:1'], env);
    expect(bad.code).toBe(2);
  });

  it('pruning the creates row takes its creates out of every reader', async () => {
    const repos = repositories(db);
    const run = await importAs(db, 'pruned', 'name,code\nA,A\nB,B\n');
    const org = (await repos.organizations.findByCode('pruned'))!;
    const later = await importAs(db, 'pruned', 'name,code,description\nA,A,x\n');
    const old = toDbDateTime(new Date(Date.now() - 10 * 86_400_000));
    await db.knex('department_history').where('run_id', run.runId).update({ created_at: old });
    expect(await repos.history.prune(new Date(Date.now() - 86_400_000))).toBe(1);
    expect(await repos.history.list({ organizationId: org.id, runId: run.runId, limit: 100 })).toEqual([]);
    expect(await repos.history.ofRun(run.runId)).toEqual([]);
    const a = (await departmentsOf(db, 'pruned')).find((d) => d.code === 'A')!;
    const own = await repos.history.list({ organizationId: org.id, departmentId: a.id, limit: 100 });
    expect(own.map((e) => [e.action, e.runId])).toEqual([['updated', later.runId]]);
    expect((await repos.history.list({ organizationId: org.id, limit: 100 })).map((e) => e.action)).toEqual(['updated']);
  });
});
