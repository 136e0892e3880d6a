/**
 * Issue 15 (fresh-import write cost), on MariaDB and SQLite: an import's
 * creates are one history row for the run (no copy of any department, no row
 * per department; each department points at it, migration 0015), and every
 * history read (list by run, by department, by organization, and a revert's
 * read) still returns one `created` entry per department with the record the
 * create would have written, rebuilt from the department, even after later
 * imports renamed, moved and deactivated it and a department API move rewrote
 * its subtree's paths without a history row per descendant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositories } from '../../src/adapters/db/index.js';
import type { HistoryEntry } from '../../src/core/history/changes.js';
import type { JsonObject, JsonValue, StoredDepartment } from '../../src/core/model.js';
import { DIFF_FIELDS } from '../../src/core/plan/diff.js';
import { reparentDepartment } from '../../src/app/reparentDepartment.js';
import { historyPage } from '../../src/app/history.js';
import { compareEntries, type HistoryCursor, parseHistoryCursor } from '../../src/core/history/cursor.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { importAs } from '../support/historyHarness.js';
import { departmentsOf } from '../support/importHarness.js';

const BASE = ['name,code,parentCode,description', 'Root,R,,the top', 'Sales,S,R,', 'East,E,S,eastern', 'West,W,S,', 'Ops,O,R,', 'Legal,L,R,lawyers'].join('\n');
// Renames Root, moves Sales (and East, West) under Ops, changes East's description, drops Legal (sync).
const CHANGE = ['name,code,parentCode,description', 'Root HQ,R,,the top', 'Sales,S,O,', 'East,E,S,east', 'West,W,S,', 'Ops,O,R,'].join('\n');

/** What a create's record holds (core/history/changes.ts): the fields in DIFF_FIELDS order, nulls left out. */
function recordOf(d: StoredDepartment): JsonObject {
  const out: JsonObject = {};
  for (const f of DIFF_FIELDS) if (d[f] !== null && d[f] !== undefined) out[f] = d[f] as JsonValue;
  return out;
}

const createdById = (entries: HistoryEntry[]) => new Map(entries.filter((e) => e.action === 'created').map((e) => [e.departmentId, e.after]));

describe.each(dialects)('created records rebuilt from the department (%s)', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'history_created');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('writes one history row for the run\'s creates, and reads return each create\'s record as it was created', async () => {
    const repos = repositories(db);
    const first = await importAs(db, 'hc', BASE);
    const org = (await repos.organizations.findByCode('hc'))!;
    const atCreation = (await departmentsOf(db, 'hc')).sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(atCreation).toHaveLength(6);

    // One row for the six creates, without values; each department points at it.
    const rows = (await db.knex('department_history').where('run_id', first.runId).select('id', 'department_id', 'action', 'after_values')) as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ department_id: '', action: 'created', after_values: null });
    const H = Number(rows[0]!.id);
    const pointers = (await db.knex('departments').where('organization_id', org.id).select('created_history_id')) as { created_history_id: unknown }[];
    expect(pointers.map((p) => Number(p.created_history_id))).toEqual(Array.from({ length: 6 }, () => H));

    // What each create's own row held before (id aside): its record, the run, the actor; in department id order.
    const expected = atCreation.map((d) => ({ id: H, organizationId: org.id, departmentId: d.id, action: 'created', before: null, after: recordOf(d), runId: first.runId, requestId: null, actor: 'cli:tester' }));
    const expectRecords = async () => {
      expect(withoutAt(await repos.history.list({ organizationId: org.id, runId: first.runId, limit: 1000 }))).toEqual(expected);
      expect(withoutAt(await repos.history.list({ organizationId: org.id, runId: first.runId, action: 'created', limit: 1000 }))).toEqual(expected);
      expect(await repos.history.list({ organizationId: org.id, runId: first.runId, action: 'updated', limit: 1000 })).toEqual([]);
      // A revert's read leaves them as stored: it needs only which departments were created.
      expect(withoutAt(await repos.history.ofRun(first.runId))).toEqual(expected.map((e) => ({ ...e, after: null })));
      for (const e of expected) {
        const own = await repos.history.list({ organizationId: org.id, departmentId: e.departmentId, limit: 1000 });
        expect(withoutAt(own.slice(0, 1))).toEqual([e]);
        expect(own.map((x) => x.id)).toEqual([...own.map((x) => x.id)].sort((a, b) => a - b));
        expect(withoutAt(await repos.history.list({ organizationId: org.id, departmentId: e.departmentId, action: 'created', limit: 10 }))).toEqual([e]);
        // After its create: the department's later changes only.
        const later = await repos.history.list({ organizationId: org.id, departmentId: e.departmentId, afterId: H, limit: 1000 });
        expect(later).toEqual(own.slice(1));
      }
    };
    await expectRecords();

    // Later changes: an import renames, moves a subtree, edits and deactivates; the API moves Sales to the top.
    const change = await importAs(db, 'hc', CHANGE, { mode: 'sync', maxDeactivate: '100%' });
    expect(change.counts).toMatchObject({ updated: 3, moved: 1, deactivated: 1 }); // updated: Root, East, and West's path
    const sales = (await departmentsOf(db, 'hc')).find((d) => d.code === 'S')!;
    const moved = await reparentDepartment({ ...repos }, { organization: org, departmentId: sales.id, parentRef: null, parentIdType: 'department_id', lockTimeoutSeconds: 10 });
    expect(moved).toMatchObject({ ok: true, moved: true });
    const east = (await departmentsOf(db, 'hc')).find((d) => d.code === 'E')!;
    expect(east.depth).toBe(1);
    expect(recordOf(east)).not.toEqual(recordOf(atCreation.find((d) => d.id === east.id)!));

    await expectRecords();
    // The later run's changes all come after the creates (larger ids), as its own rows.
    const changes = await repos.history.list({ organizationId: org.id, runId: change.runId, limit: 1000 });
    expect(changes).toHaveLength(5);
    expect(changes.every((e) => e.id > H && e.action !== 'created')).toBe(true);
  });

  it('pages the organization history through a run\'s creates (shared id) with the same entries as one page', async () => {
    const repos = repositories(db);
    await importAs(db, 'hc2', BASE);
    const org = (await repos.organizations.findByCode('hc2'))!;
    const expected = new Map((await departmentsOf(db, 'hc2')).map((d) => [d.id, recordOf(d)]));
    const whole = await repos.history.list({ organizationId: org.id, limit: 1000 });
    expect(createdById(whole)).toEqual(expected);
    for (const limit of [1, 4, 5]) {
      const seen: HistoryEntry[] = [];
      let after: HistoryCursor | undefined;
      for (;;) {
        const page = await historyPage(repos, { organization: org, limit, ...(after ? { after } : {}) });
        seen.push(...page.items);
        if (page.nextAfter === null) break;
        // Inside the run's creates the cursor names the department too.
        expect(typeof page.nextAfter).toBe('string');
        after = parseHistoryCursor(String(page.nextAfter));
      }
      expect(seen).toEqual(whole);
    }
    expect(whole.map((e) => e.id)).toEqual([...whole.map((e) => e.id)].sort((a, b) => a - b));
    expect([...whole].sort(compareEntries)).toEqual(whole);
  });
});

const withoutAt = (entries: HistoryEntry[]) =>
  entries.map((e) => {
    expect(typeof e.at).toBe('string');
    const { at: _at, ...rest } = e;
    return rest;
  });
