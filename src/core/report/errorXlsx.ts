/**
 * The fix-and-reimport report as an Excel workbook, for imports that came as
 * .xlsx: the same rows and columns as the CSV report (errorCsv.ts), with the
 * cell of each failing field filled red, or the whole row when the field is
 * not one of the file's columns (a problem with the row as a whole, or a field
 * the mapping renamed).
 *
 * Formula-safe by construction (../xlsxWrite.ts, the workbook writer it
 * shares with the export): inline strings only, quote-prefixed when a cell
 * starts like a formula. Pure: no I/O.
 */
import { ERROR_REPORT_COLUMNS, type ErrorReportInput, errorReportRecords } from './errorCsv.js';
import { FAILED, HEADER, PLAIN, rowXml, SHEET_HEAD, SHEET_TAIL, sheetName, zipWorkbook } from '../xlsxWrite.js';

export interface XlsxReportOptions {
  /** The sheet the input came from: the report's sheet has the same name. */
  sheet?: string;
}

export function errorReportXlsx(input: ErrorReportInput, options: XlsxReportOptions = {}): Uint8Array {
  const { columns, rows } = errorReportRecords(input);
  const header = [...columns, ...ERROR_REPORT_COLUMNS];
  const byName = new Map(columns.map((c, i) => [c.toLowerCase(), i]));
  // A field is its column by name, or by prefix when one column only is named so (`parent` -> `parentCode`).
  const columnOf = (field: string): number | undefined => {
    const lower = field.toLowerCase();
    const exact = byName.get(lower);
    if (exact !== undefined || lower === '') return exact;
    const prefixed = columns.flatMap((c, i) => (c.toLowerCase().startsWith(lower) ? [i] : []));
    return prefixed.length === 1 ? prefixed[0] : undefined;
  };
  const lines: string[] = [rowXml(1, header.map((text) => ({ text, style: HEADER })))];
  rows.forEach((r, index) => {
    const failing = new Set<number>();
    let wholeRow = false;
    for (const field of r.fields) {
      const column = columnOf(field);
      if (column === undefined) wholeRow = true;
      else failing.add(column);
    }
    const cells = [...r.cells, ...r.errorCells].map((text, i) => ({ text, style: wholeRow || failing.has(i) ? FAILED : PLAIN }));
    lines.push(rowXml(index + 2, cells));
  });
  return zipWorkbook(sheetName(options.sheet, 'Errors'), `${SHEET_HEAD}${lines.join('')}${SHEET_TAIL}`);
}
