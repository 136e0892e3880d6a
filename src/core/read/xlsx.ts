/**
 * Excel workbooks (.xlsx) in: one sheet becomes the same record stream the CSV
 * reader gives, with each record's row number as Excel shows it.
 *
 * Choices (docs/formats.md, "Excel"): the header row is the first non-blank
 * row, as for CSV, except that a title above the table (a row whose only
 * value is one cell merged across columns) is skipped; empty trailing rows and columns are ignored; a column with
 * an empty header cell is ignored while it holds no value (the cells a merged
 * header covers), and is an error as soon as one of its cells has a value;
 * hidden rows and columns are read like visible ones (hiding is not deleting);
 * a vertically merged cell's value is repeated down the rows it spans.
 */
import { FileError } from '../errors.js';
import type { SourceRecord } from '../model.js';
import { columnName, hasData, sheetRows } from './xlsx/sheet.js';
import { type SheetInfo, type Workbook, openWorkbook } from './xlsx/workbook.js';

export interface XlsxReadOptions {
  /** A sheet name, or its 1-based position as text (`2`); default: the first visible sheet with data. */
  sheet?: string;
  maxRows?: number;
}

export interface XlsxInput {
  sheet: string;
  columns: string[];
  records: AsyncIterable<SourceRecord>;
}

function selectSheet(workbook: Workbook, wanted: string | undefined): SheetInfo {
  const { sheets } = workbook;
  if (wanted === undefined || wanted.trim() === '') {
    return sheets.find((s) => !s.hidden && hasData(workbook, s)) ?? sheets.find((s) => !s.hidden) ?? sheets[0]!;
  }
  const exact = sheets.find((s) => s.name === wanted) ?? sheets.find((s) => s.name.toLowerCase() === wanted.trim().toLowerCase());
  if (exact) return exact;
  if (/^\d+$/.test(wanted.trim())) {
    const byNumber = sheets[Number(wanted.trim()) - 1];
    if (byNumber) return byNumber;
  }
  const names = sheets.map((s) => `"${s.name}"`).join(', ');
  throw new FileError('SHEET_NOT_FOUND', `the workbook has no sheet "${wanted}"; its sheets are ${names} (--sheet takes a name or a number from 1 to ${sheets.length})`, undefined, {
    sheet: wanted,
    sheets: sheets.map((s) => s.name),
  });
}

function where(sheet: string, row: number): string {
  return `sheet "${sheet}", row ${row}`;
}

function readHeader(cells: readonly string[], sheet: string, row: number): string[] {
  const names = cells.map((cell) => cell.trim());
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    if (name === '') return;
    const key = name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      throw new FileError(
        'DUPLICATE_HEADER',
        `${where(sheet, row)}: columns ${columnName(first)} and ${columnName(i)} are both named "${name}" (upper/lower case does not count); each column name may appear only once`,
        undefined,
        { sheet, row, name, columns: [first + 1, i + 1] },
      );
    }
    seen.set(key, i);
  });
  return names;
}

/** Opens the workbook and reads the header now (its problems reject this promise); data rows stream. */
export async function readXlsx(bytes: Uint8Array, options: XlsxReadOptions = {}): Promise<XlsxInput> {
  const workbook = openWorkbook(bytes);
  const sheet = selectSheet(workbook, options.sheet);
  const rows = sheetRows(workbook, sheet);
  let header: { names: string[]; row: number } | undefined;
  for (let next = rows.next(); !next.done; next = rows.next()) {
    // A title merged across the table above it is not the header.
    if (!next.value.title && next.value.cells.some((c) => c.trim() !== '')) {
      header = { names: readHeader(next.value.cells, sheet.name, next.value.row), row: next.value.row };
      break;
    }
  }
  const names = header?.names ?? [];
  const columns = names.filter((n) => n !== '');
  let started = false;
  async function* records(): AsyncGenerator<SourceRecord, void, undefined> {
    if (started) throw new Error('the records of a ParsedInput can be iterated only once');
    started = true;
    if (header === undefined) return;
    let count = 0;
    for (const { row, cells } of rows) {
      if (cells.every((c) => c.trim() === '')) continue;
      for (let i = 0; i < cells.length; i++) {
        if ((names[i] ?? '') === '' && cells[i]!.trim() !== '') {
          throw new FileError(
            'EMPTY_HEADER',
            `${where(sheet.name, row)}: cell ${columnName(i)}${row} has a value, but column ${columnName(i)} has no name in the header row (row ${header.row}); name the column or clear its cells`,
            undefined,
            { sheet: sheet.name, row, column: i + 1 },
          );
        }
      }
      if (options.maxRows !== undefined && ++count > options.maxRows) {
        throw new FileError('ROW_LIMIT_EXCEEDED', `the sheet has more than ${options.maxRows} rows, the most allowed (--max-rows)`, undefined, {
          sheet: sheet.name,
          row,
          maxRows: options.maxRows,
        });
      }
      // Null prototype, set on a literal: see the CSV reader for why.
      const values: Record<string, unknown> = Object.setPrototypeOf({}, null) as Record<string, unknown>;
      for (let i = 0; i < names.length; i++) if (names[i] !== '') values[names[i]!] = cells[i] ?? '';
      yield { row, values };
    }
  }
  return { sheet: sheet.name, columns, records: { [Symbol.asyncIterator]: records } };
}
