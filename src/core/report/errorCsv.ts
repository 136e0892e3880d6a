/**
 * The fix-and-reimport error report: the failed rows of an import, as they were
 * read, plus four error columns. A person opens it in a spreadsheet, fixes the
 * rows and imports the same file again.
 *
 * - ONE line per failed row (several errors on a row are joined with ` | `), so
 *   re-importing the fixed file cannot create a department twice.
 * - The original columns come first, in their original order; the error columns
 *   are unknown to the importer and ignored on re-import.
 * - Every cell is neutralised against formula injection; values come from
 *   uploaded files and end up in someone's spreadsheet.
 * - By default UTF-8 with BOM (so Excel shows umlauts and CJK correctly), commas and
 *   CRLF line ends; the CLI passes the input's own delimiter and BOM (reportStyle.ts).
 *
 * Pure: no I/O.
 */
import { stringify } from 'csv-stringify/sync';
import { neutraliseFormula } from './formulaSafe.js';

export const ERROR_REPORT_COLUMNS = ['error_row', 'error_code', 'error_field', 'error_message'] as const;

/** Joins the codes, fields and messages of several errors on one row. */
export const ERROR_JOINER = ' | ';

export interface ErrorReportIssue {
  code: string;
  field: string;
  message: string;
}

export interface ErrorReportRow {
  /** The record as read (column name → value); see DepartmentRow.raw. */
  raw: Record<string, unknown>;
  /** Spreadsheet (CSV) or editor (YAML/JSON) line of the record. */
  row: number;
  errors: ErrorReportIssue[];
}

export interface ErrorReportInput {
  /** The input's column names in file order (for YAML/JSON: the keys seen, in first-seen order). */
  columns: string[];
  rows: ErrorReportRow[];
}

const ERROR_COLUMN_SET: ReadonlySet<string> = new Set(ERROR_REPORT_COLUMNS);

export interface ErrorReportRecord {
  row: number;
  /** The original columns' cells, as text, not yet neutralised. */
  cells: string[];
  /** error_row, error_code, error_field, error_message. */
  errorCells: string[];
  /** The fields of the row's errors (for highlighting the failing cells). */
  fields: string[];
}

/** The report's columns and rows, before they are written in a format. */
export function errorReportRecords(input: ErrorReportInput): { columns: string[]; rows: ErrorReportRecord[] } {
  // A re-imported error report already has error_* columns: drop the stale ones
  // (and any duplicate names) so the new report has each column exactly once and
  // can itself be imported again.
  const columns = [...new Set(input.columns)].filter((c) => !ERROR_COLUMN_SET.has(c));
  const rows = mergeByRow(input.rows).map((r) => ({
    row: r.row,
    cells: columns.map((c) => cellText(Object.hasOwn(r.raw, c) ? r.raw[c] : undefined)),
    errorCells: [
      String(r.row),
      r.errors.map((e) => e.code).join(ERROR_JOINER),
      r.errors.map((e) => e.field).join(ERROR_JOINER),
      r.errors.map((e) => e.message).join(ERROR_JOINER),
    ],
    fields: r.errors.map((e) => e.field),
  }));
  return { columns, rows };
}

export interface ErrorCsvOptions {
  /** The input's delimiter, so a `;` file from a German Excel gets a `;` report. Default `,`. */
  delimiter?: string;
  /** Start with a byte order mark (default true: Excel needs it to read UTF-8). */
  bom?: boolean;
}

export function errorReportCsv(input: ErrorReportInput, options: ErrorCsvOptions = {}): string {
  const { columns, rows } = errorReportRecords(input);
  const records: string[][] = [[...columns, ...ERROR_REPORT_COLUMNS], ...rows.map((r) => [...r.cells, ...r.errorCells])];
  return stringify(
    records.map((cells) => cells.map(neutraliseFormula)),
    {
      bom: options.bom ?? true,
      delimiter: options.delimiter ?? ',',
      record_delimiter: '\r\n',
      // Quote every non-empty cell (OWASP): a delimiter inside a cell can never
      // start a new, unneutralised cell, even in a spreadsheet that splits on `;`.
      quoted: true,
    },
  );
}

/** Rows in file order; entries for the same row number are merged into one line. */
function mergeByRow(rows: ErrorReportRow[]): ErrorReportRow[] {
  const byRow = new Map<number, ErrorReportRow>();
  for (const r of rows) {
    const seen = byRow.get(r.row);
    if (seen) seen.errors.push(...r.errors);
    else byRow.set(r.row, { raw: r.raw, row: r.row, errors: [...r.errors] });
  }
  return [...byRow.values()].sort((a, b) => a.row - b.row);
}

/** The text a cell shows: strings as they are, scalars printed, objects/arrays (from YAML/JSON) as JSON. */
function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}
