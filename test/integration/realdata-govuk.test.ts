/**
 * Real data: GOV.UK organisations (../shared/realdata/govuk-organisations.jsonl,
 * see its README), a graph rather than a tree. As a user would, the test first
 * turns the JSON lines into a CSV with one row per (organisation, parent) pair
 * (an organisation without parents gets one row with an empty parent), then
 * imports it through the CLI into MariaDB with the mapping in
 * fixtures/realdata/ (--repeated-rows).
 *
 * Decision (docs/formats.md): an organisation with several parents is
 * reported with MULTIPLE_PARENTS on each of its rows and not imported; we do
 * not pick one parent for the user.
 *
 * Expected counts, derived from the file with a small script:
 * - 1,016 organisations: 459 without a parent (459 rows), 541 with one parent
 *   (541 rows), 16 with 2 to 4 parents (37 rows): 1,037 rows;
 * - the 16 have no children, so nothing is skipped;
 * - 5 open organisations sit under a closed one (ofgem, bank-of-england,
 *   national-probation-service, ukti-life-sciences-organisation,
 *   financial-services-organisation; none has children): the activity rule
 *   (an active department never under an inactive one) fails them with
 *   PARENT_INACTIVE: 995 created, 42 failed;
 * - 466 are closed (status inactive), 2 of them among the 16: 464 stored inactive;
 * - depths { 0: 459, 1: 451, 2: 83, 3: 2 }; 20 titles end in a space (trimmed).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDb } from '../support/db.js';
import { countByCode, importCli, REPO_ROOT as repoRoot } from '../support/cliImport.js';
import { departmentsOf, updatedAtById } from '../support/importHarness.js';

const DATA = resolve(repoRoot, '../shared/realdata/govuk-organisations.jsonl');
const MAPPING = resolve(repoRoot, 'fixtures/realdata/govuk-organisations.mapping.yaml');

interface Organisation {
  title: string;
  details: { slug: string; govuk_status: string };
  parent_organisations: { id: string }[];
}

const slugOf = (url: string): string => url.slice(url.lastIndexOf('/') + 1);

describe.skipIf(!existsSync(DATA))('real data: GOV.UK organisations (CLI, MariaDB)', () => {
  let db: TestDb;
  let dir: string;
  let csv: string;
  let organisations: Organisation[];

  beforeAll(async () => {
    db = await openTestDatabase('mysql', 'realdata_govuk');
    dir = mkdtempSync(join(tmpdir(), 'orgsync-govuk-'));
    organisations = readFileSync(DATA, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Organisation);
    const rows: string[][] = [['slug', 'title', 'parent_slug', 'status']];
    for (const o of organisations) {
      const status = o.details.govuk_status === 'closed' ? 'inactive' : 'active';
      const parents = o.parent_organisations.map((p) => slugOf(p.id));
      for (const parent of parents.length > 0 ? parents : ['']) rows.push([o.details.slug, o.title, parent, status]);
    }
    csv = join(dir, 'govuk-organisations.csv');
    writeFileSync(csv, stringify(rows));
  });
  afterAll(async () => {
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('imports every organisation with one parent or none; several parents are MULTIPLE_PARENTS', async () => {
    const { code, report } = await importCli(db, [csv, '--org', 'govuk', '--create-org', '--mapping', MAPPING]);
    expect(code).toBe(3);
    expect(report.counts).toEqual({ rows: 1037, created: 995, updated: 0, moved: 0, unchanged: 0, merged: 0, deactivated: 0, failed: 42, skipped: 0 });
    expect(countByCode(report)).toEqual({ MULTIPLE_PARENTS: 37, PARENT_INACTIVE: 5 });
    const planning = report.errors.filter((e) => e.key === 'planning-inspectorate');
    expect(planning.map((e) => e.row)).toEqual([37, 38]);
    expect(planning[0]!.message).toBe(
      'rows for department "planning-inspectorate" name 2 different parents: "department-for-communities-and-local-government" on row 37; "welsh-government" on row 38; a department has one parent',
    );

    const stored = await departmentsOf(db, 'govuk');
    expect(stored).toHaveLength(995);
    const bySlug = new Map(stored.map((d) => [d.openDepartmentId!, d]));
    const byId = new Map(stored.map((d) => [d.id, d]));
    const depths: Record<number, number> = {};
    const closed = new Set(organisations.filter((o) => o.details.govuk_status === 'closed').map((o) => o.details.slug));
    for (const o of organisations) {
      const d = bySlug.get(o.details.slug);
      const closedParent = o.parent_organisations.length === 1 && closed.has(slugOf(o.parent_organisations[0]!.id));
      if (o.parent_organisations.length > 1 || (closedParent && o.details.govuk_status !== 'closed')) {
        expect(d).toBeUndefined();
        continue;
      }
      expect(d!.name).toBe(o.title.trim()); // trailing spaces trimmed, curly apostrophes kept
      const parent = o.parent_organisations[0];
      expect(d!.parentId === null ? null : byId.get(d!.parentId)!.openDepartmentId).toBe(parent ? slugOf(parent.id) : null);
      expect(d!.isActive).toBe(o.details.govuk_status !== 'closed');
      depths[d!.depth] = (depths[d!.depth] ?? 0) + 1;
    }
    expect(depths).toEqual({ 0: 459, 1: 451, 2: 83, 3: 2 });
    expect(stored.filter((d) => !d.isActive)).toHaveLength(464);
  });

  it('a second import reports every row unchanged and writes no department', async () => {
    const before = await updatedAtById(db);
    const { code, report } = await importCli(db, [csv, '--org', 'govuk', '--mapping', MAPPING]);
    expect(code).toBe(3);
    expect(report.counts).toEqual({ rows: 1037, created: 0, updated: 0, moved: 0, unchanged: 995, merged: 0, deactivated: 0, failed: 42, skipped: 0 });
    expect(countByCode(report)).toEqual({ MULTIPLE_PARENTS: 37, PARENT_INACTIVE: 5 });
    expect(await updatedAtById(db)).toEqual(before);
  });
});
