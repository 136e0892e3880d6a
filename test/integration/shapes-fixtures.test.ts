/**
 * One fixture per input shape (fixtures/README.md), imported into MariaDB with
 * the options the README gives, then imported again: the second run reports
 * every department unchanged and writes nothing. The expected counts were
 * derived by reading each fixture (departments, and rows that repeat one).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMappingFile } from '../../src/cli/commands/import.js';
import type { ImportOptionsInput } from '../../src/core/importOptions.js';
import { openTestDatabase, type TestDb } from '../support/db.js';
import { cliEnv, runCli } from '../support/cli.js';
import { importCli, REPO_ROOT } from '../support/cliImport.js';
import { importFile, treeShape, updatedAtById } from '../support/importHarness.js';

const fixture = (name: string) => resolve(REPO_ROOT, 'fixtures', name);
const mapping = (name: string) => readMappingFile(fixture(name)) as ImportOptionsInput['mapping'];

interface Case {
  file: string;
  org: string;
  options: () => ImportOptionsInput;
  /** Rows, departments, rows repeating a department, members. */
  rows: number;
  departments: number;
  merged: number;
  members?: number;
}

const CASES: Case[] = [
  { file: 'nested-org-chart.yaml', org: 'norrsken', options: () => ({}), rows: 14, departments: 14, merged: 0 },
  { file: 'nested-org-chart.json', org: 'aurora', options: () => ({}), rows: 13, departments: 13, merged: 0 },
  { file: 'export.ndjson', org: 'hanbit', options: () => ({}), rows: 10, departments: 10, merged: 0 },
  // 17 employees; 14 departments (3 only as path prefixes); 6 rows repeat a department.
  {
    file: 'hris-path.csv',
    org: 'lumiere',
    options: () => ({ nameScope: 'siblings', mapping: mapping('hris-path.mapping.yaml') }),
    rows: 17,
    departments: 14,
    merged: 6,
    members: 17,
  },
  // 15 employees; 14 departments; rows 5, 8 and 16 repeat a department.
  {
    file: 'hris-levels.csv',
    org: 'kraft',
    options: () => ({ levelColumns: 'Bereich,Abteilung,Team', memberColumn: 'Personalnummer' }),
    rows: 15,
    departments: 14,
    merged: 3,
    members: 15,
  },
  // 15 employees over 9 departments.
  { file: 'hris-employees.csv', org: 'polska', options: () => ({ mapping: mapping('hris-employees.mapping.yaml') }), rows: 15, departments: 9, merged: 6, members: 15 },
  { file: 'excel-unicode-text.txt', org: 'tokyo', options: () => ({}), rows: 7, departments: 7, merged: 0 },
  { file: 'excel-windows-1252.csv', org: 'schwyz', options: () => ({ mapping: mapping('excel-windows-1252.mapping.yaml') }), rows: 6, departments: 6, merged: 0 },
];

describe('fixtures: one per input shape (MariaDB)', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDatabase('mysql', 'shapes_fixtures');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it.each(CASES)('$file imports cleanly, and a second import changes nothing', async (c) => {
    const first = await importFile(db, fixture(c.file), { org: c.org, ...c.options() });
    expect(first.errors).toEqual([]);
    expect(first.status).toBe('completed');
    const members = c.members === undefined ? {} : { membersAdded: c.members, membersRemoved: 0 };
    expect(first.counts).toEqual({ rows: c.rows, created: c.departments, updated: 0, moved: 0, unchanged: 0, merged: c.merged, deactivated: 0, failed: 0, skipped: 0, ...members });
    const before = await updatedAtById(db);
    const second = await importFile(db, fixture(c.file), { org: c.org, ...c.options() });
    const none = c.members === undefined ? {} : { membersAdded: 0, membersRemoved: 0 };
    expect(second.counts).toEqual({ rows: c.rows, created: 0, updated: 0, moved: 0, unchanged: c.departments, merged: c.merged, deactivated: 0, failed: 0, skipped: 0, ...none });
    expect(await updatedAtById(db)).toEqual(before);
  });

  it('the stored trees keep their non-ASCII names and levels', async () => {
    expect(await treeShape(db, 'norrsken')).toContain('Studio > Industridesign > Möbler > Stolar & bänkar | depth 3 | active | code STU-ID-MOB-STO | ');
    expect(await treeShape(db, 'lumiere')).toContain('Groupe Lumière > Services > Support > Niveau 2 (24/7) | depth 3 | active | code CC-321 | ');
    expect(await treeShape(db, 'kraft')).toContain('Technik > Fertigung > Qualitätsprüfung | depth 2 | active | code - | ');
    expect(await treeShape(db, 'polska')).toContain('Zarząd > Sprzedaż > Sprzedaż – region północny | depth 2 | active | code SPR-PN | ');
    expect(await treeShape(db, 'schwyz')).toContain('Geschäftsführung > Qualitätssicherung > Wareneingangsprüfung | depth 2 | active | code QS-WE | „Erstmuster“ – Prüfberichte');
  });

  it('through the CLI: --mapping with flags, and a mapping with an unknown key is a usage error naming it', async () => {
    const { code, report } = await importCli(db, [fixture('hris-path.csv'), '--org', 'lumiere-cli', '--create-org', '--name-scope', 'siblings', '--mapping', fixture('hris-path.mapping.yaml')]);
    expect(code).toBe(0);
    expect(report.counts).toMatchObject({ rows: 17, created: 14, merged: 6, membersAdded: 17 });

    const dir = mkdtempSync(join(tmpdir(), 'orgsync-mapping-'));
    try {
      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, 'pathColumn: Chemin\nmemberColumns: Matricule\ncolumns:\n  Nom: surname\n');
      const result = await runCli(['import', fixture('hris-path.csv'), '--org', 'lumiere-cli', '--mapping', bad], cliEnv(db));
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('"memberColumns"');
      expect(result.stderr).toContain('"surname" is not a department field');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
