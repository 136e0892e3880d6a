/**
 * Issue 15 (fresh-import write cost), on MariaDB and SQLite: an import's
 * `created` history rows hold no copy of the department (after_values NULL,
 * one small row per create), and every history read (list by run, by
 * department, by organization) still returns the record the create would have written,
 * rebuilt from the department, even after later imports renamed, moved and
 * deactivated it and a department API move rewrote its subtree's paths
 * without a history row per descendant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositories } from '../../src/adapters/db/index.js';
import type { HistoryEntry } from '../../src/core/history/changes.js';
import type { JsonObject, JsonValue, StoredDepartment } from '../../src/core/model.js';
import { DIFF_FIELDS } from '../../src/core/plan/diff.js';
import { reparentDepartment } from '../../src/app/reparentDepartment.js';
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

  it('writes no copy of a created department, and reads return its record as it was created', async () => {
    const repos = repositories(db);
    const first = await importAs(db, 'hc', BASE);
    const org = (await repos.organizations.findByCode('hc'))!;
    const atCreation = new Map((await departmentsOf(db, 'hc')).map((d) => [d.id, recordOf(d)]));
    expect(atCreation.size).toBe(6);

    // One small row per create, without the department's values.
    const rows = (await db.knex('department_history').where('run_id', first.runId).select('action', 'after_values')) as { action: string; after_values: unknown }[];
    expect(rows).toHaveLength(6);
    expect(rows.every((r) => r.action === 'created' && r.after_values === null)).toBe(true);

    const expectRecords = async () => {
      const listed = await repos.history.list({ organizationId: org.id, runId: first.runId, limit: 1000 });
      expect(createdById(listed)).toEqual(atCreation);
      // A revert's read leaves them as stored: it needs only which departments were created.
      expect(createdById(await repos.history.ofRun(first.runId))).toEqual(new Map([...atCreation.keys()].map((id) => [id, null])));
      for (const [id, record] of atCreation) {
        const own = await repos.history.list({ organizationId: org.id, departmentId: id, limit: 1000 });
        expect(own[0]).toMatchObject({ action: 'created', after: record, runId: first.runId, actor: 'cli:tester' });
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
    expect(recordOf(east)).not.toEqual(atCreation.get(east.id));

    await expectRecords();
  });

  it('a page of the organization history rebuilds the creates it holds, with keyset pagination unchanged', async () => {
    const repos = repositories(db);
    await importAs(db, 'hc2', BASE);
    const org = (await repos.organizations.findByCode('hc2'))!;
    const expected = new Map((await departmentsOf(db, 'hc2')).map((d) => [d.id, recordOf(d)]));
    const seen: HistoryEntry[] = [];
    let after: number | undefined;
    for (;;) {
      const page = await repos.history.list({ organizationId: org.id, limit: 4, ...(after === undefined ? {} : { afterId: after }) });
      if (page.length === 0) break;
      seen.push(...page);
      after = page[page.length - 1]!.id;
    }
    expect(seen.map((e) => e.id)).toEqual([...seen.map((e) => e.id)].sort((a, b) => a - b));
    expect(createdById(seen)).toEqual(expected);
  });
});
