/**
 * SQL injection strings in every field end up stored literally, through the
 * real CLI (`orgsync import`, the organization's code and name included) and
 * through `POST /v1/organizations/{org}/departments`; query and path
 * parameters carrying them are answered, not executed. Afterwards every table
 * is still there and nothing else changed. Both databases.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '../../src/adapters/db/index.js';
import type { StoredDepartment } from '../../src/core/model.js';
import { dialects } from '../support/db.js';
import { orgsync } from '../support/httpCli.js';
import { adminToken, call, createOrg, envelopeOf, type HttpHarness, openHttpHarness } from '../support/httpHarness.js';
import { departmentsOf } from '../support/importHarness.js';

/** Short enough for every field (color holds 32 characters); none starts with a formula character. */
const PAYLOADS = [
  "Robert'); DROP TABLE departments;--",
  "1' OR '1'='1",
  '" OR ""="',
  "\\'; DELETE FROM organizations; #",
  "' UNION SELECT secret_sha256 FROM api_tokens--",
  "%_% LIKE '%",
  '`id`; SHOW TABLES; /*',
  "x' AND SLEEP(5) AND 'x'='x",
  '$1; DROP TABLE import_runs',
  "0x27; --\\",
];
const ORG = "acme'; DROP TABLE organizations;--";
const ORG_NAME = "ACME\"); DELETE FROM departments WHERE ('1'='1";

/** One CSV row per payload, the payload in every column; each row under the previous one (by code). */
function injectionCsv(): string {
  const rows = PAYLOADS.map((p, i) => ({
    name: `N${i} ${p}`,
    code: `C${i} ${p}`,
    openDepartmentId: `O${i} ${p}`,
    parentCode: i === 0 ? '' : `C${i - 1} ${PAYLOADS[i - 1]}`,
    description: p,
    location: p,
    color: p.slice(0, 32),
    tenantId: p,
    i18n: JSON.stringify({ name: { 'en-US': { enabled: true, value: p } } }),
    customData: JSON.stringify({ [p]: p }),
    leaderUserIds: JSON.stringify([p]),
    postIdList: JSON.stringify([p]),
    organizationCode: ORG,
  }));
  return stringify(rows, { header: true });
}

const byName = (departments: StoredDepartment[], name: string) => departments.find((d) => d.name === name);

describe.each(dialects)('injection strings on %s', (dialect) => {
  let h: HttpHarness;
  let admin: string;
  const dir = mkdtempSync(join(tmpdir(), 'orgsync-injection-'));

  /** Table names and row counts: what an injected statement would change (SQLite's lock rows aside: one per organization locked). */
  async function tableCounts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const table of Object.values(TABLES).filter((t) => t !== TABLES.importLocks)) out[table] = Number(((await h.db.knex(table).count({ n: '*' }).first()) as { n: number | string }).n);
    return out;
  }

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'security_injection');
    admin = await adminToken(h.db);
    await createOrg(h.db, 'bystander');
    expect((await call(h.app, admin, 'POST', '/v1/organizations/bystander/departments', { json: { name: 'Untouched' } })).statusCode).toBe(201);
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('through the CLI: every column, the organization code and name, stored literally', async () => {
    const file = join(dir, 'injection.csv');
    writeFileSync(file, injectionCsv());
    const before = await tableCounts();
    const res = await orgsync(h.db, ['import', file, '--org', ORG, '--create-org', '--org-name', ORG_NAME, '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ organization: ORG, counts: { rows: PAYLOADS.length, created: PAYLOADS.length, failed: 0 } });

    expect(await h.db.knex(TABLES.organizations).where('code', ORG).first()).toMatchObject({ code: ORG, name: ORG_NAME });
    const stored = await departmentsOf(h.db, ORG);
    expect(stored).toHaveLength(PAYLOADS.length);
    PAYLOADS.forEach((p, i) => {
      const d = byName(stored, `N${i} ${p}`);
      expect(d, p).toMatchObject({
        code: `C${i} ${p}`,
        openDepartmentId: `O${i} ${p}`,
        description: p,
        location: p,
        color: p.slice(0, 32),
        tenantId: p,
        i18n: { name: { 'en-US': { enabled: true, value: p } } },
        customData: { [p]: p },
        leaderUserIds: [p],
        postIds: [p],
        depth: i,
      });
      if (i > 0) expect(d?.parentId).toBe(byName(stored, `N${i - 1} ${PAYLOADS[i - 1]}`)?.id);
    });
    // Nothing else moved: one organization and its departments more (with one history row for the run's creates, migration 0015), one run and its row results.
    const after = await tableCounts();
    expect(after).toEqual({
      ...before,
      organizations: before.organizations! + 1,
      departments: before.departments! + PAYLOADS.length,
      department_history: before.department_history! + 1,
      import_runs: before.import_runs! + 1,
      import_row_results: after.import_row_results,
    });
    expect(await departmentsOf(h.db, 'bystander')).toHaveLength(1);
  });

  it('through POST departments: every body field stored literally; query and path parameters answered, not run', async () => {
    await createOrg(h.db, 'api');
    const before = await tableCounts();
    const created: string[] = [];
    for (const [i, p] of PAYLOADS.entries()) {
      const res = await call(h.app, admin, 'POST', '/v1/organizations/api/departments', {
        json: {
          name: `A${i} ${p}`,
          description: p,
          code: `K${i} ${p}`,
          openDepartmentId: `Q${i} ${p}`,
          location: p,
          color: p.slice(0, 32),
          i18n: { [p]: { value: p } },
          customData: { [p]: [p] },
          isVirtualNode: false,
          leaderUserIds: [p],
          postIdList: [p],
          ...(i === 0 ? {} : { parentDepartmentId: `K${i - 1} ${PAYLOADS[i - 1]}`, departmentIdType: 'code' }),
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      created.push(res.json().id as string);
      const got = await call(h.app, admin, 'GET', `/v1/organizations/api/departments/${created[i]}`);
      expect(got.json()).toMatchObject({ name: `A${i} ${p}`, description: p, code: `K${i} ${p}`, openDepartmentId: `Q${i} ${p}`, location: p, customData: { [p]: [p] }, depth: i });
    }
    const stored = await departmentsOf(h.db, 'api');
    PAYLOADS.forEach((p, i) => expect(byName(stored, `A${i} ${p}`), p).toMatchObject({ color: p.slice(0, 32), i18n: { [p]: { value: p } }, leaderUserIds: [p], postIds: [p] }));

    for (const p of PAYLOADS) {
      const list = await call(h.app, admin, 'GET', `/v1/organizations/api/departments?parent_id=${encodeURIComponent(p)}`);
      expect(list.statusCode).toBe(200);
      expect(list.json().data).toEqual([]);
      expect(envelopeOf(await call(h.app, admin, 'GET', `/v1/organizations/${encodeURIComponent(p)}/departments`)).code).toBe('ORGANIZATION_NOT_FOUND');
      expect(envelopeOf(await call(h.app, admin, 'GET', `/v1/organizations/api/departments/${encodeURIComponent(p)}`)).code).toBe('DEPARTMENT_NOT_FOUND');
      expect(envelopeOf(await call(h.app, admin, 'POST', `/v1/organizations/api/departments?maxDepth=${encodeURIComponent(p)}`, { json: { name: 'x' } })).code).toBe('VALIDATION_ERROR');
    }
    expect(await tableCounts()).toEqual({ ...before, departments: before.departments! + PAYLOADS.length, department_history: before.department_history! + PAYLOADS.length });
    expect(await departmentsOf(h.db, 'bystander')).toHaveLength(1);
  });
});
