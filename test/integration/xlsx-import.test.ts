/**
 * .xlsx imports end to end on MariaDB and SQLite: every shape fixture gives
 * the same stored tree from its sheet as from its CSV; leading-zero codes,
 * formulas and merged cells land as the user sees them; --sheet and a
 * mapping's `sheet:` choose the sheet; a bad workbook fails whole, nothing written.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMappingFile } from '../../src/cli/commands/import.js';
import { organizationsRepo } from '../../src/adapters/db/organizations.js';
import type { ImportOptionsInput } from '../../src/core/importOptions.js';
import { openTestDatabase, type TestDb } from '../support/db.js';
import { importCli, REPO_ROOT } from '../support/cliImport.js';
import { importFile, treeShape } from '../support/importHarness.js';
import { filledCells } from '../support/xlsxCells.js';
import { readInput } from '../../src/core/read/index.js';

const fixture = (name: string) => resolve(REPO_ROOT, 'fixtures', name);
const mapping = (name: string) => readMappingFile(fixture(name)) as ImportOptionsInput['mapping'];

const SHAPES: { name: string; options: () => ImportOptionsInput }[] = [
  { name: 'hr-app', options: () => ({}) },
  { name: 'authing-style', options: () => ({}) },
  { name: 'hris-path', options: () => ({ nameScope: 'siblings', mapping: mapping('hris-path.mapping.yaml') }) },
  { name: 'hris-levels', options: () => ({ levelColumns: 'Bereich,Abteilung,Team', memberColumn: 'Personalnummer' }) },
  { name: 'hris-employees', options: () => ({ mapping: mapping('hris-employees.mapping.yaml') }) },
];

describe.each(['mysql', 'sqlite'] as const)('xlsx imports (%s)', (dialect) => {
  let db: TestDb;
  let dir: string;
  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'xlsx_import');
    dir = mkdtempSync(join(tmpdir(), 'orgsync-xlsx-'));
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(SHAPES)('$name: the sheet stores the same tree as the CSV', async ({ name, options }) => {
    const fromCsv = await importFile(db, fixture(`${name}.csv`), { org: `csv-${name}`, ...options() });
    const fromXlsx = await importFile(db, fixture(`xlsx/${name}.xlsx`), { org: `xlsx-${name}`, ...options() });
    expect(fromXlsx.errors).toEqual([]);
    expect(fromXlsx.status).toBe('completed');
    expect(fromXlsx.counts).toEqual(fromCsv.counts);
    expect(fromXlsx.counts.created).toBeGreaterThan(5);
    expect(await treeShape(db, `xlsx-${name}`)).toEqual(await treeShape(db, `csv-${name}`));
    const again = await importFile(db, fixture(`xlsx/${name}.xlsx`), { org: `xlsx-${name}`, ...options() });
    expect(again.counts.unchanged).toBe(fromXlsx.counts.created);
  });

  it('leading-zero codes, formula parents and merged cells are stored as shown', async () => {
    const zeros = await importFile(db, fixture('xlsx/formats.xlsx'), { org: 'zeros' });
    expect(zeros.errors).toEqual([]);
    expect(await treeShape(db, 'zeros')).toEqual([
      'Zentrale > Technik | depth 1 | active | code 00123 | Technik (HQ)',
      'Zentrale > Vertrieb | depth 1 | active | code 00124 | ',
      'Zentrale | depth 0 | active | code 00100 | Zentrale (HQ)',
    ]);
    const merged = await importFile(db, fixture('xlsx/merged.xlsx'), { org: 'merged' });
    expect(merged.errors).toEqual([]);
    expect(await treeShape(db, 'merged')).toEqual([
      'Technik > Fertigung | depth 1 | active | code T-2 | ',
      'Technik > Konstruktion | depth 1 | active | code T-1 | ',
      'Technik > Montage | depth 1 | active | code T-3 | ',
      'Technik | depth 0 | active | code TECH | ',
    ]);
  });

  it('--sheet by name and by number, and a mapping naming the sheet', async () => {
    await importFile(db, fixture('xlsx/sheets.xlsx'), { org: 'by-name', sheet: 'Archive' });
    expect(await treeShape(db, 'by-name')).toEqual(['Old Department | depth 0 | active | code OLD | ']);
    await importFile(db, fixture('xlsx/sheets.xlsx'), { org: 'by-number', sheet: '3' });
    expect(await treeShape(db, 'by-number')).toEqual(['Old Department | depth 0 | active | code OLD | ']);
    await importFile(db, fixture('xlsx/sheets.xlsx'), { org: 'by-mapping', mapping: { sheet: 'Archive' } as ImportOptionsInput['mapping'] });
    expect(await treeShape(db, 'by-mapping')).toEqual(['Old Department | depth 0 | active | code OLD | ']);
    await importFile(db, fixture('xlsx/sheets.xlsx'), { org: 'default-sheet' });
    expect(await treeShape(db, 'default-sheet')).toEqual(['Alpha > Alpha One | depth 1 | active | code A-1 | ', 'Alpha | depth 0 | active | code A | ']);
  });

  it.each([
    ['xlsx/zip-bomb.xlsx', 'CORRUPT_WORKBOOK'],
    ['xlsx/truncated.xlsx', 'CORRUPT_WORKBOOK'],
    ['xlsx/old-excel.xls', 'UNSUPPORTED_FORMAT'],
    ['xlsx/open-document.ods', 'UNSUPPORTED_FORMAT'],
  ])('%s fails as a whole with %s, and writes nothing', async (file, code) => {
    const org = `bad-${file.replace(/\W/g, '-')}`;
    const report = await importFile(db, fixture(file), { org });
    expect(report.status).toBe('failed');
    expect(report.fileError?.code).toBe(code);
    expect(await organizationsRepo(db).findByCode(org)).toBeUndefined();
  });

  it('the CLI takes --sheet, and names the sheets when it is wrong', async () => {
    const ok = await importCli(db, [fixture('xlsx/sheets.xlsx'), '--org', 'cli-sheet', '--create-org', '--sheet', 'Archive']);
    expect(ok.code).toBe(0);
    expect(ok.report.counts).toMatchObject({ rows: 1, created: 1 });
    const wrong = await importCli(db, [fixture('xlsx/sheets.xlsx'), '--org', 'cli-sheet', '--sheet', 'Staff']);
    expect(wrong.code).not.toBe(0);
    expect(JSON.stringify(wrong.report)).toContain('SHEET_NOT_FOUND');
  });

  it('--report errors.xlsx: the failed rows, error columns and the failing cells filled, read back by the reader', async () => {
    const path = join(dir, `errors-${dialect}.xlsx`);
    const run = await importCli(db, [fixture('xlsx/failing.xlsx'), '--org', 'failing', '--create-org', '--report', path]);
    expect(run.report.counts).toMatchObject({ rows: 4, failed: 2 });
    // The row numbers are those of the sheet the report names.
    expect((run.report as { sheet?: string }).sheet).toBe('Abteilungen');
    const bytes = readFileSync(path);
    const input = await readInput((async function* () { yield bytes; })(), { fileName: path });
    const rows: Record<string, unknown>[] = [];
    for await (const r of input.records) rows.push({ ...r.values });
    // Rows as Excel numbers them in failing.xlsx: 3 (no name) and 4 (unknown parent).
    expect(rows.map((r) => [r.code, r.error_row, r.error_field])).toEqual([
      ['B', '3', 'name'],
      ['C', '4', 'parent'],
    ]);
    expect(filledCells(bytes)).toEqual(['B2', 'C3']);
    expect(input.sheet).toBe('Abteilungen');
  });
});
