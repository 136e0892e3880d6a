/**
 * The .xlsx reader (src/core/read/xlsx*), on workbooks written by LibreOffice
 * Calc (fixtures/xlsx/make.py): cells as the user sees them, sheets, merged
 * cells, the same records as the CSV each shape fixture was made from, and the
 * file-level errors for what is not a readable workbook.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInput, type ReadOptions } from '../../src/core/read/index.js';
import { formatNumber } from '../../src/core/read/xlsx/numberFormat.js';

const ROOT = resolve(import.meta.dirname, '../..');
const bytesOf = (path: string): Uint8Array => readFileSync(resolve(ROOT, path));

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  // Small chunks: the container check must not depend on one big first chunk.
  for (let i = 0; i < bytes.length; i += 4096) yield bytes.subarray(i, i + 4096);
}

async function read(path: string, options: ReadOptions = {}): Promise<{ format: string; sheet?: string; columns: string[]; rows: [number, Record<string, unknown>][] }> {
  const input = await readInput(once(bytesOf(path)), { fileName: path, ...options });
  const rows: [number, Record<string, unknown>][] = [];
  for await (const r of input.records) rows.push([r.row, { ...r.values }]);
  return { format: input.format, sheet: input.sheet, columns: input.columns, rows };
}

describe('xlsx: cells as the user sees them', () => {
  it('keeps leading zeros, applies number formats, gives ISO dates and cached formula values', async () => {
    const { format, sheet, columns, rows } = await read('fixtures/xlsx/formats.xlsx');
    expect(format).toBe('xlsx');
    expect(sheet).toBe('Org');
    expect(columns).toEqual(['code', 'name', 'parentCode', 'description', 'founded', 'budget', 'share', 'headcount', 'note']);
    expect(rows).toEqual([
      // Text "00100"; a hidden column is read like a visible one.
      [2, { code: '00100', name: 'Zentrale', parentCode: '', description: 'Zentrale (HQ)', founded: '2024-03-01', budget: '1234.50', share: '25%', headcount: '7', note: 'hidden column' }],
      // 123 formatted 00000; a formula =A2 gives its cached "00100"; =0.1+0.2 shows 0.3.
      [3, { code: '00123', name: 'Technik', parentCode: '00100', description: 'Technik (HQ)', founded: '1999-12-31', budget: '0.50', share: '100%', headcount: '0.3', note: 'x' }],
      [4, { code: '00124', name: 'Vertrieb', parentCode: '00100', description: '', founded: '', budget: '', share: '', headcount: '12', note: '' }],
    ]);
  });

  it('formats numbers as Excel displays them', () => {
    expect(formatNumber(123, '00000', false)).toBe('00123');
    expect(formatNumber(1234567.891, '#,##0.00', false)).toBe('1,234,567.89');
    expect(formatNumber(0.125, '0.0%', false)).toBe('12.5%');
    expect(formatNumber(42, '"D-"0000', false)).toBe('D-0042');
    expect(formatNumber(-5, '0.00', false)).toBe('-5.00');
    expect(formatNumber(45352, 'yyyy-mm-dd', false)).toBe('2024-03-01');
    expect(formatNumber(45352.5, 'dd/mm/yyyy hh:mm', false)).toBe('2024-03-01T12:00:00');
    // The 1904 date system (old Mac Excel) counts from 1904-01-01.
    expect(formatNumber(43890, 'yyyy-mm-dd', true)).toBe('2024-03-01');
    expect(formatNumber(2 ** 60, 'General', false)).toBe('1.15292E+18');
    expect(formatNumber(0.1 + 0.2, 'General', false)).toBe('0.3');
    expect(formatNumber(1.5, '[$€-407] #,##0.00', false)).toBe('€ 1.50');
  });

  it('skips a title merged across the table and repeats a vertically merged cell down its rows', async () => {
    const { columns, rows } = await read('fixtures/xlsx/merged.xlsx');
    expect(columns).toEqual(['parentCode', 'code', 'name']);
    expect(rows).toEqual([
      [4, { parentCode: '', code: 'TECH', name: 'Technik' }],
      [5, { parentCode: 'TECH', code: 'T-1', name: 'Konstruktion' }],
      [6, { parentCode: 'TECH', code: 'T-2', name: 'Fertigung' }],
      [7, { parentCode: 'TECH', code: 'T-3', name: 'Montage' }],
    ]);
  });
});

describe('xlsx: sheets', () => {
  it('reads the first sheet with data by default, or the one --sheet names or numbers', async () => {
    expect((await read('fixtures/xlsx/sheets.xlsx')).sheet).toBe('Departments');
    const byName = await read('fixtures/xlsx/sheets.xlsx', { sheet: 'Archive' });
    expect(byName.rows).toEqual([[2, { code: 'OLD', name: 'Old Department' }]]);
    expect((await read('fixtures/xlsx/sheets.xlsx', { sheet: 'archive' })).sheet).toBe('Archive');
    expect((await read('fixtures/xlsx/sheets.xlsx', { sheet: '3' })).rows).toEqual(byName.rows);
    expect((await read('fixtures/xlsx/sheets.xlsx', { sheet: '1' })).rows).toEqual([]);
  });

  it('names the sheets it has when --sheet names none of them', async () => {
    await expect(read('fixtures/xlsx/sheets.xlsx', { sheet: 'Staff' })).rejects.toMatchObject({
      code: 'SHEET_NOT_FOUND',
      message: expect.stringContaining('its sheets are "Leer", "Departments", "Archive"'),
    });
    await expect(read('fixtures/xlsx/sheets.xlsx', { sheet: '4' })).rejects.toMatchObject({ code: 'SHEET_NOT_FOUND' });
  });
});

describe('xlsx: every shape gives the same records as its CSV', () => {
  it.each(['hr-app', 'hris-path', 'hris-levels', 'hris-employees', 'authing-style'])('%s', async (name) => {
    const csv = await read(`fixtures/${name}.csv`);
    const xlsx = await read(`fixtures/xlsx/${name}.xlsx`);
    expect(xlsx.columns).toEqual(csv.columns);
    // Calc made the CSV's true/false real booleans, which a sheet shows as TRUE/FALSE.
    const shown = csv.rows.map(([row, values]) => [row, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === 'true' || v === 'false' ? String(v).toUpperCase() : v]))]);
    expect(xlsx.rows).toEqual(shown);
    expect(xlsx.rows.length).toBeGreaterThan(10);
  });

  it('recognises a workbook by its content, whatever it is called', async () => {
    const input = await readInput(once(bytesOf('fixtures/xlsx/hris-levels.xlsx')), { fileName: 'export.csv' });
    expect(input.format).toBe('xlsx');
  });
});

describe('xlsx: what is not a readable workbook fails as a whole', () => {
  it.each([
    ['fixtures/xlsx/truncated.xlsx', 'CORRUPT_WORKBOOK', 'damaged'],
    ['fixtures/xlsx/zip-bomb.xlsx', 'CORRUPT_WORKBOOK', 'zip bomb'],
    ['fixtures/xlsx/old-excel.xls', 'UNSUPPORTED_FORMAT', 'Excel 97-2003'],
    ['fixtures/xlsx/open-document.ods', 'UNSUPPORTED_FORMAT', 'OpenDocument'],
  ])('%s: %s', async (path, code, words) => {
    // Named .csv: the content decides, not the name.
    const attempt = readInput(once(bytesOf(path)), { fileName: 'departments.csv' });
    await expect(attempt).rejects.toMatchObject({ code, message: expect.stringContaining(words) });
  });

  it('says .xls and .ods by their names too', async () => {
    await expect(read('fixtures/xlsx/old-excel.xls')).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
    await expect(read('fixtures/xlsx/open-document.ods')).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
  });

  it('a password-protected workbook (an OLE container holding EncryptionInfo) is ENCRYPTED_WORKBOOK', async () => {
    // Excel stores an encrypted .xlsx as an OLE compound file with the streams
    // EncryptionInfo and EncryptedPackage; the reader looks for their names.
    const ole = new Uint8Array(2048);
    ole.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    const name = 'EncryptionInfo';
    for (let i = 0; i < name.length; i++) ole[1024 + i * 2] = name.charCodeAt(i);
    await expect(readInput(once(ole), { fileName: 'org.xlsx' })).rejects.toMatchObject({ code: 'ENCRYPTED_WORKBOOK' });
  });

  it('a file named .xlsx that is no zip is CORRUPT_WORKBOOK', async () => {
    await expect(readInput(once(new TextEncoder().encode('code,name\nA,a\n')), { fileName: 'org.xlsx' })).rejects.toMatchObject({ code: 'CORRUPT_WORKBOOK' });
  });
});
