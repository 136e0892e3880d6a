/**
 * The fix-and-reimport report in the user's own format: an .xlsx report that
 * the reader opens again, with the failing cells (or rows) filled; CSV reports
 * that keep the input's delimiter, encoding and byte order mark; formula-safe.
 */
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readInput } from '../../src/core/read/index.js';
import { errorReportXlsx } from '../../src/core/report/errorXlsx.js';
import { csvStyleOf, errorReportBytes, reportFormatOf } from '../../src/core/report/reportStyle.js';
import type { ErrorReportInput } from '../../src/core/report/errorCsv.js';
import { filledCells } from '../support/xlsxCells.js';

const INPUT: ErrorReportInput = {
  columns: ['Code', 'Name', 'Parent'],
  rows: [
    { row: 4, raw: { Code: 'C', Name: 'Gämma', Parent: 'NOPE' }, errors: [{ code: 'PARENT_NOT_FOUND', field: 'parent', message: 'no department "NOPE"' }] },
    { row: 3, raw: { Code: '007', Name: '', Parent: 'A' }, errors: [{ code: 'NAME_REQUIRED', field: 'name', message: 'name is empty' }] },
    { row: 9, raw: { Code: '=HYPERLINK("http://x")', Name: 'Evil', Parent: '' }, errors: [{ code: 'INVALID_CODE', field: 'code', message: 'bad code' }] },
  ],
};

async function readBack(bytes: Uint8Array): Promise<{ columns: string[]; rows: Record<string, unknown>[] }> {
  const input = await readInput((async function* () { yield bytes; })(), {});
  const rows: Record<string, unknown>[] = [];
  for await (const r of input.records) rows.push({ ...r.values });
  return { columns: input.columns, rows };
}

describe('xlsx report', () => {
  it('opens again with the reader: original columns, error columns, rows in file order, values exact', async () => {
    const bytes = errorReportXlsx(INPUT, { sheet: 'Abteilungen' });
    const { columns, rows } = await readBack(bytes);
    expect(columns).toEqual(['Code', 'Name', 'Parent', 'error_row', 'error_code', 'error_field', 'error_message']);
    expect(rows.map((r) => [r.Code, r.error_row, r.error_code])).toEqual([
      ['007', '3', 'NAME_REQUIRED'],
      ['C', '4', 'PARENT_NOT_FOUND'],
      // Kept exactly: a text cell is never a formula in a workbook.
      ['=HYPERLINK("http://x")', '9', 'INVALID_CODE'],
    ]);
  });

  it('fills the failing field\'s cell, or the whole row when the field is not a column', () => {
    const filled = filledCells(errorReportXlsx(INPUT));
    // Report row 2 = input row 3 (Name), row 3 = input row 4 (field "parent" is the column "Parent"), row 4 = input row 9 (Code).
    expect(filled).toEqual(['B2', 'C3', 'A4']);
    const renamed = errorReportXlsx({ columns: ['DEPT', 'TITLE'], rows: [{ row: 5, raw: { DEPT: 'X', TITLE: '' }, errors: [{ code: 'NAME_REQUIRED', field: 'name', message: 'm' }] }] });
    expect(filledCells(renamed)).toEqual(['A2', 'B2', 'C2', 'D2', 'E2', 'F2']);
  });

  it('writes formula-looking text as text with Excel\'s quote prefix, never as a formula', () => {
    const sheet = new TextDecoder().decode(unzipSync(errorReportXlsx(INPUT))['xl/worksheets/sheet1.xml']);
    expect(sheet).not.toContain('<f>');
    const styles = new TextDecoder().decode(unzipSync(errorReportXlsx(INPUT))['xl/styles.xml']);
    const a4Style = Number(/<c r="A4"[^>]*? s="(\d+)"/.exec(sheet)?.[1]);
    const xf = [...styles.matchAll(/<xf [^>]*?\/>/g)].slice(1)[a4Style]?.[0];
    expect(xf).toContain('quotePrefix="1"');
  });

  it('is the default for an .xlsx input when --report has no known extension', () => {
    expect(reportFormatOf('fix-me', 'xlsx')).toBe('xlsx');
    expect(reportFormatOf('fix-me', 'csv')).toBe('csv');
    expect(reportFormatOf('errors.csv', 'xlsx')).toBe('csv');
    expect(reportFormatOf('errors.XLSX', 'csv')).toBe('xlsx');
  });
});

describe('CSV report in the input\'s style', () => {
  const text = (bytes: Uint8Array, label = 'utf-8'): string => new TextDecoder(label, { ignoreBOM: true }).decode(bytes);

  it('a semicolon file with a UTF-8 BOM (German Excel) gets a semicolon report with a BOM', () => {
    const style = csvStyleOf(new TextEncoder().encode('\uFEFFCode;Name;Parent\r\nA;Alpha;\r\n'));
    expect(style).toEqual({ delimiter: ';', bom: true, encoding: 'utf-8' });
    const out = errorReportBytes(INPUT, 'csv', style);
    expect([...out.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(text(out).split('\r\n')[0]).toBe('\uFEFF"Code";"Name";"Parent";"error_row";"error_code";"error_field";"error_message"');
  });

  it('a comma file without BOM gets none', () => {
    const style = csvStyleOf(new TextEncoder().encode('Code,Name\nA,b\n'));
    expect(style).toEqual({ delimiter: ',', bom: false, encoding: 'utf-8' });
    expect(errorReportBytes(INPUT, 'csv', style)[0]).toBe(0x22);
  });

  it('Excel "Unicode Text" (UTF-16LE, BOM, tabs) gets the same', () => {
    const input = new Uint8Array([0xff, 0xfe, ...[...'Code\tName\r\n'].flatMap((c) => [c.charCodeAt(0), 0])]);
    const style = csvStyleOf(input);
    expect(style).toEqual({ delimiter: '\t', bom: true, encoding: 'utf-16le' });
    const out = errorReportBytes(INPUT, 'csv', style);
    expect([...out.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(text(out, 'utf-16le')).toContain('"Gämma"\t"NOPE"');
  });

  it('a declared Windows-1252 file gets Windows-1252 bytes, formula cells neutralised', () => {
    const style = csvStyleOf(new Uint8Array([0x43, 0x6f, 0x64, 0x65, 0x3b, 0x4e, 0x61, 0x6d, 0x65, 0x0a]), 'windows-1252');
    expect(style).toEqual({ delimiter: ';', bom: false, encoding: 'windows-1252' });
    const out = errorReportBytes(INPUT, 'csv', style);
    expect(out.includes(0xe4)).toBe(true); // ä as one byte
    expect(text(out, 'windows-1252')).toContain(`"'=HYPERLINK(""http://x"")"`);
  });
});
