/**
 * The activity rule for imports (core/plan/activeRule.ts): an import never
 * creates or leaves an active department under an inactive one, a row that
 * would fails with PARENT_INACTIVE, and a sync keeps the parent of a
 * department that stays active. Then the three views of "the active
 * departments" (the API list with is_active=true, the API tree with
 * is_active=true and `orgsync tree --active`) agree, also on a store that held
 * legacy data (active under inactive) once migration 0014 has repaired it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deactivateUnderInactive } from '../../src/adapters/db/migrations/0014_department_listing.js';
import { cliEnv, runCli } from '../support/cli.js';
import { dialects } from '../support/db.js';
import { importText, treeShape } from '../support/importHarness.js';
import { call, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';

describe.each(dialects)('the activity rule on %s', (dialect) => {
  let h: HttpHarness;
  let seq = 0;
  /** A fresh organization holding ENG > (BE > API, FE), SALES; OPS inactive > (LEGACY inactive). */
  const freshOrg = async () => {
    const org = `ar${++seq}`;
    const base = 'name,code,parentCode,is_active\nEngineering,ENG,,\nBackend,BE,ENG,\nAPIs,API,BE,\nFrontend,FE,ENG,\nSales,SALES,,\nOps,OPS,,false\nLegacy,LEG,OPS,false\n';
    const report = await importText(h.db, base, { org });
    expect(report.errors).toEqual([]);
    return org;
  };
  const state = async (org: string) => (await treeShape(h.db, org)).map((l) => l.replace(/ \| code .*$/, '').replace(/ \| depth \d+/, ''));

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'import_active_rule');
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('a new active department under a parent inactive in the database fails PARENT_INACTIVE; nothing is created', async () => {
    const org = await freshOrg();
    const before = await state(org);
    const report = await importText(h.db, 'name,code,parentCode\nRunbooks,RUN,OPS\nOn call,ONC,RUN\n', { org });
    expect(report.errors.map((e) => `${e.row} ${e.code} ${e.field}`)).toEqual(['2 PARENT_INACTIVE parent', '3 PARENT_FAILED parent']);
    expect(report.errors[0]!.message).toContain('"OPS"');
    expect(await state(org)).toEqual(before);
  });

  it('the same row is fine when the file reactivates the parent, or when the row itself is inactive', async () => {
    const org = await freshOrg();
    const reactivated = await importText(h.db, 'name,code,parentCode\nOps,OPS,\nRunbooks,RUN,OPS\n', { org });
    expect(reactivated.errors).toEqual([]);
    expect(await state(org)).toContain('Ops > Runbooks | active');
    const org2 = await freshOrg();
    const inactive = await importText(h.db, 'name,code,parentCode,is_active\nRunbooks,RUN,OPS,false\n', { org: org2 });
    expect(inactive.errors).toEqual([]);
    expect(await state(org2)).toContain('Ops > Runbooks | inactive');
  });

  it('a row deactivating a department whose stored children stay active fails; deactivating them too is fine', async () => {
    const org = await freshOrg();
    const before = await state(org);
    const report = await importText(h.db, 'name,code,is_active\nEngineering,ENG,false\n', { org });
    expect(report.errors.map((e) => `${e.row} ${e.code} ${e.field}`)).toEqual(['2 PARENT_INACTIVE isActive']);
    expect(report.errors[0]!.message).toMatch(/child "(BE|FE)" stays active/);
    expect(await state(org)).toEqual(before);
    const whole = await importText(h.db, 'name,code,parentCode,is_active\nEngineering,ENG,,false\nBackend,BE,ENG,false\nAPIs,API,BE,false\nFrontend,FE,ENG,false\n', { org });
    expect(whole.errors).toEqual([]);
    expect((await state(org)).filter((l) => l.startsWith('Engineering')).every((l) => l.endsWith('| inactive'))).toBe(true);
  });

  it('a file deactivating a parent while listing its child active: the child row fails, and so does the parent row', async () => {
    const org = await freshOrg();
    const before = await state(org);
    const report = await importText(h.db, 'name,code,parentCode,is_active\nBackend,BE,ENG,false\nAPIs,API,BE,true\n', { org });
    expect(report.errors.map((e) => `${e.row} ${e.code}`)).toEqual(['2 PARENT_INACTIVE', '3 PARENT_INACTIVE']);
    expect(await state(org)).toEqual(before);
  });

  it('a sync keeps active the parent of a department that stays active (a failed row stands for it)', async () => {
    const org = await freshOrg();
    // BE's row fails (a bad status), so the sync keeps BE; ENG is not in the file but must not be deactivated above it.
    const report = await importText(h.db, 'name,code,parentCode,is_active\nBackend,BE,ENG,maybe\nSales,SALES,,\n', { org, mode: 'sync', maxDeactivate: '100%' });
    expect(report.errors.map((e) => `${e.row} ${e.code}`)).toEqual(['2 INVALID_FIELD']);
    const after = await state(org);
    expect(after).toContain('Engineering | active');
    expect(after).toContain('Engineering > Backend | active');
    expect(after).toContain('Engineering > Frontend | inactive');
    expect(after).toContain('Engineering > Backend > APIs | inactive');
  });

  it('the API list, the API tree and `orgsync tree --active` give the same active departments, legacy data repaired', async () => {
    const org = await freshOrg();
    const token = await orgToken(h.db, org);
    // Legacy data, as stores written before the rule may hold: active departments under inactive ones.
    const orgId = ((await h.db.knex('organizations').where('code', org).first('id')) as { id: string }).id;
    await h.db.knex('departments').where({ organization_id: orgId, code: 'ENG' }).update({ is_active: false });
    await h.db.knex('departments').where({ organization_id: orgId, code: 'LEG' }).update({ is_active: true });
    const views = async () => {
      const list = (await call(h.app, token, 'GET', `/v1/organizations/${org}/departments?is_active=true&limit=200`)).json().data as { code: string }[];
      const tree = (await call(h.app, token, 'GET', `/v1/organizations/${org}/departments/tree?is_active=true`)).body;
      // The CLI as a user runs it.
      const cli = await runCli(['tree', '--org', org, '--active', '--json'], cliEnv(h.db));
      expect(cli.code, cli.stderr).toBe(0);
      return {
        list: list.map((d) => d.code).sort(),
        tree: [...tree.matchAll(/"code":"(\w+)"/g)].map((m) => m[1]!).sort(),
        cli: [...cli.stdout.matchAll(/"code":"(\w+)"/g)].map((m) => m[1]!).sort(),
      };
    };
    const legacy = await views();
    // The tree and the CLI leave out a subtree under an inactive department; the list showed each row's own flag.
    expect(legacy.tree).toEqual(['SALES']);
    expect(legacy.cli).toEqual(['SALES']);
    expect(legacy.list).toEqual(['API', 'BE', 'FE', 'LEG', 'SALES']);
    // Migration 0014 applies the rule to such data (this is its up()).
    expect(await deactivateUnderInactive(h.db.knex, h.db.dialect)).toBe(4);
    const repaired = await views();
    expect(repaired.list).toEqual(['SALES']);
    expect(repaired.tree).toEqual(repaired.list);
    expect(repaired.cli).toEqual(repaired.list);
    expect(await deactivateUnderInactive(h.db.knex, h.db.dialect)).toBe(0);
    // From here on an import keeps the three in agreement: reactivating ENG alone would put nothing active under inactive.
    const report = await importText(h.db, 'name,code\nEngineering,ENG\n', { org });
    expect(report.errors).toEqual([]);
    const after = await views();
    expect(after.list).toEqual(['ENG', 'SALES']);
    expect(after.tree).toEqual(after.list);
    expect(after.cli).toEqual(after.list);
  });
});
