/**
 * `orgsync export` round trips (issue 14): every fixture that imports cleanly
 * and both real data sets, exported in every format (xlsx too), on MariaDB and SQLite:
 * - imported into the same organization, every department is unchanged and nothing is written;
 * - imported into an empty organization, it rebuilds the same tree (names,
 *   parents, depths, active flags, keys and every field);
 * - the rows come parents first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMappingFile } from '../../src/cli/commands/import.js';
import { EXPORT_FORMATS } from '../../src/core/export/formats.js';
import type { ImportOptionsInput } from '../../src/core/importOptions.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { REPO_ROOT } from '../support/cliImport.js';
import { exportBytes, exportText, seedTree, treeSignature } from '../support/exportHarness.js';
import { importFile, importText, updatedAtById } from '../support/importHarness.js';

const fixture = (name: string) => resolve(REPO_ROOT, 'fixtures', name);
const mapping = (path: string) => readMappingFile(path) as ImportOptionsInput['mapping'];
const CH = resolve(REPO_ROOT, '../shared/realdata/ch-staatskalender.csv');
const GOVUK = resolve(REPO_ROOT, '../shared/realdata/govuk-organisations.jsonl');

interface Case {
  name: string;
  org: string;
  load: (db: TestDb) => Promise<unknown>;
  nameScope?: 'siblings';
}

const fromFile = (file: string, org: string, options: () => ImportOptionsInput = () => ({})): Case => ({
  name: file,
  org,
  nameScope: options().nameScope === 'siblings' ? 'siblings' : undefined,
  load: (db) => importFile(db, fixture(file), { org, ...options() }),
});

/** The GOV.UK organisations as the real-data test turns them into CSV (one row per parent; closed = inactive). */
function govukCsv(): string {
  const rows: string[][] = [['slug', 'title', 'parent_slug', 'status']];
  for (const line of readFileSync(GOVUK, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const o = JSON.parse(line) as { title: string; details: { slug: string; govuk_status: string }; parent_organisations: { id: string }[] };
    const parents = o.parent_organisations.map((p) => p.id.slice(p.id.lastIndexOf('/') + 1));
    for (const parent of parents.length > 0 ? parents : ['']) rows.push([o.details.slug, o.title, parent, o.details.govuk_status === 'closed' ? 'inactive' : 'active']);
  }
  return stringify(rows);
}

const CASES: Case[] = [
  fromFile('nested-org-chart.yaml', 'norrsken'),
  fromFile('nested-org-chart.json', 'aurora'),
  fromFile('export.ndjson', 'hanbit'),
  fromFile('hris-path.csv', 'lumiere', () => ({ nameScope: 'siblings', mapping: mapping(fixture('hris-path.mapping.yaml')) })),
  fromFile('hris-levels.csv', 'kraft', () => ({ levelColumns: 'Bereich,Abteilung,Team', memberColumn: 'Personalnummer' })),
  fromFile('hris-employees.csv', 'polska', () => ({ mapping: mapping(fixture('hris-employees.mapping.yaml')) })),
  fromFile('excel-unicode-text.txt', 'tokyo'),
  fromFile('excel-windows-1252.csv', 'schwyz', () => ({ mapping: mapping(fixture('excel-windows-1252.mapping.yaml')) })),
  fromFile('authing-style.csv', 'authing'),
  fromFile('aitronos-style.yaml', 'alpenblick'),
  fromFile('clients-api.json', 'clients'),
  fromFile('hr-app.csv', 'hrapp'),
  ...(existsSync(CH)
    ? [{ name: 'realdata ch-staatskalender', org: 'ch-bund', load: (db: TestDb) => importFile(db, CH, { org: 'ch-bund', mapping: mapping(resolve(REPO_ROOT, 'fixtures/realdata/ch-staatskalender.mapping.yaml')) }) }]
    : []),
  ...(existsSync(GOVUK)
    ? [{ name: 'realdata govuk-organisations', org: 'govuk', load: (db: TestDb) => importText(db, govukCsv(), { org: 'govuk', name: 'govuk.csv', mapping: mapping(resolve(REPO_ROOT, 'fixtures/realdata/govuk-organisations.mapping.yaml')) }) }]
    : []),
];

describe.each(dialects)('export round trips (%s)', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'export_roundtrip');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it.each(CASES)('$name: same organization unchanged, empty organization the same tree, in every format', async (c) => {
    await c.load(db);
    const stored = await treeSignature(db, c.org);
    expect(stored.length).toBeGreaterThan(0);
    for (const format of EXPORT_FORMATS) {
      const text = await exportBytes(db, c.org, format);
      const name = `export.${format}`;

      const before = await updatedAtById(db);
      const same = await importText(db, text, { org: c.org, name });
      expect({ format, errors: same.errors }).toEqual({ format, errors: [] });
      expect(same.counts).toMatchObject({ rows: stored.length, unchanged: stored.length, created: 0, updated: 0, moved: 0, deactivated: 0, failed: 0, skipped: 0 });
      expect(await updatedAtById(db)).toEqual(before);

      const copy = `${c.org}-${format}`;
      const rebuilt = await importText(db, text, { org: copy, name, nameScope: c.nameScope });
      expect({ format, errors: rebuilt.errors }).toEqual({ format, errors: [] });
      expect(rebuilt.counts).toMatchObject({ created: stored.length, failed: 0, skipped: 0 });
      expect(await treeSignature(db, copy)).toEqual(stored);
    }
  });

  it('writes parents before children (keyset pages by depth, id), even a parent created after its child', async () => {
    // Alpha is created first (the smaller id), then moved under Beta: id order alone would list it before its parent.
    await importText(db, 'code,name,parentCode\nA,Alpha,\nB,Beta,\n', { org: 'moved' });
    await importText(db, 'code,name,parentCode\nA,Alpha,B\nB,Beta,\nC,Gamma,A\n', { org: 'moved' });
    for (const pageSize of [1, 2, 1000]) {
      const rows = (await exportText(db, 'moved', 'ndjson', { pageSize })).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(rows.map((r) => [r.code, r.parentCode])).toEqual([['B', null], ['A', 'B'], ['C', 'A']]);
    }
  });

  it('--active leaves inactive departments out, in the same order', async () => {
    await seedTree(db, 'seeded', 300);
    const rows = (await exportText(db, 'seeded', 'ndjson', { pageSize: 7 })).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const active = (await exportText(db, 'seeded', 'ndjson', { activeOnly: true, pageSize: 7 })).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(300);
    expect(rows.filter((r) => r.isActive === false)).toHaveLength(30);
    expect(active).toEqual(rows.filter((r) => r.isActive === true));
  });
});
