/**
 * Migration 0014's repair of legacy data (an active department under an
 * inactive one), on MariaDB and SQLite: a store at migration 0013 holding
 * such data, migrated to the latest schema, ends with those departments
 * inactive, and the change is neither silent nor unrecorded: each has a
 * department_history row ('deactivated', {isActive:true} -> {isActive:false},
 * actor migration:0014, no run), and the migration reports how many it
 * changed (migrateLatest's notes; `orgsync migrate` prints them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_TABLE, migrateLatest, migrationSource } from '../../src/adapters/db/migrate.js';
import { REPAIR_ACTOR } from '../../src/adapters/db/migrations/0014_department_listing.js';
import { fromDbJson } from '../../src/adapters/db/values.js';
import { cliEnv, runCli } from '../support/cli.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { importText, treeShape } from '../support/importHarness.js';

const M0014 = '0014_department_listing';
/** ENG > (BE > API, FE); SALES; all active until the legacy state is made. */
const BASE = 'name,code,parentCode\nEngineering,ENG,\nBackend,BE,ENG\nAPIs,API,BE\nFrontend,FE,ENG\nSales,SALES,\n';

interface HistoryRow {
  department_id: string;
  action: string;
  before_values: unknown;
  after_values: unknown;
  run_id: string | null;
  request_id: string | null;
  actor: string;
}

describe.each(dialects)('migration 0014 repairs legacy data visibly on %s', (dialect) => {
  let db: TestDb;
  let seq = 0;
  const config = () => ({ migrationSource: migrationSource(db.dialect), tableName: MIGRATIONS_TABLE });
  const applied = async () => ((await db.knex(MIGRATIONS_TABLE).select('name')) as { name: string }[]).map((r) => r.name);

  /** A fresh organization holding ENG inactive over active BE, API, FE (as stores written before the rule could), the schema back at 0013. */
  const legacyAt0013 = async () => {
    const org = `legacy${++seq}`;
    const report = await importText(db, BASE, { org });
    expect(report.errors).toEqual([]);
    while ((await applied()).includes(M0014)) await db.knex.migrate.down(config());
    expect((await applied()).at(-1)).toMatch(/^0013_/);
    const o = (await db.knex('organizations').where({ code: org }).first('id')) as { id: string };
    await db.knex('departments').where({ organization_id: o.id, code: 'ENG' }).update({ is_active: false });
    const ids = new Map(((await db.knex('departments').where({ organization_id: o.id }).select('id', 'code')) as { id: string; code: string }[]).map((r) => [r.code, r.id]));
    return { org, orgId: o.id, ids };
  };
  const activity = async (org: string) => (await treeShape(db, org)).map((l) => l.replace(/ \| depth \d+/, '').replace(/ \| code .*$/, '')).sort();
  const historyOf = async (orgId: string) =>
    (await db.knex('department_history').where({ organization_id: orgId }).andWhere('actor', REPAIR_ACTOR).orderBy('id')) as HistoryRow[];

  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'migration_0014_repair');
  }, 60_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('migrating to latest deactivates them, records each in the history with the migration as actor, and says how many', async () => {
    const { org, orgId, ids } = await legacyAt0013();
    expect(await activity(org)).toEqual([
      'Engineering | inactive',
      'Engineering > Backend | active',
      'Engineering > Backend > APIs | active',
      'Engineering > Frontend | active',
      'Sales | active',
    ].sort());
    const result = await migrateLatest(db);
    expect(result.applied).toContain(M0014);
    expect(result.notes).toEqual([expect.stringMatching(/^0014_department_listing: deactivated 3 active department\(s\) under an inactive one.*migration:0014/)]);
    expect(await activity(org)).toEqual([
      'Engineering | inactive',
      'Engineering > Backend | inactive',
      'Engineering > Backend > APIs | inactive',
      'Engineering > Frontend | inactive',
      'Sales | active',
    ].sort());
    const history = await historyOf(orgId);
    expect(history.map((r) => r.department_id).sort()).toEqual([ids.get('API'), ids.get('BE'), ids.get('FE')].sort());
    for (const r of history) {
      expect(r).toMatchObject({ action: 'deactivated', run_id: null, request_id: null, actor: REPAIR_ACTOR });
      expect(fromDbJson(r.before_values)).toEqual({ isActive: true });
      expect(fromDbJson(r.after_values)).toEqual({ isActive: false });
    }
    // Nothing else was touched, and nothing is left to repair.
    expect(await historyOf(orgId)).toHaveLength(3);
    expect((await migrateLatest(db)).notes).toEqual([]);
  });

  it('`orgsync migrate` prints what the repair changed', async () => {
    const { org, orgId } = await legacyAt0013();
    const res = await runCli(['migrate'], cliEnv(db));
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('orgsync: migration 0014_department_listing: deactivated 3 active department(s) under an inactive one');
    expect((await activity(org)).filter((l) => l.endsWith('| active'))).toEqual(['Sales | active']);
    expect(await historyOf(orgId)).toHaveLength(3);
  });
});
