/**
 * Export file formats: each writes a header, one chunk per record and a
 * footer, so an export is written as it is read and never held whole.
 * Every format is one the importer reads back with the same values.
 * xlsx writes its sheet's XML here; the app zips it as it is written
 * (xlsxWrite.ts streamWorkbook).
 */
import type { JsonValue } from '../model.js';
import { neutraliseFormula } from '../report/formulaSafe.js';
import { HEADER, PLAIN, rowXml, SHEET_HEAD, SHEET_TAIL } from '../xlsxWrite.js';

export const EXPORT_FORMATS = ['csv', 'xlsx', 'json', 'yaml', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

export interface ExportWriter {
  contentType: string;
  extension: string;
  /** The writer's text is a workbook's sheet XML, to be zipped (xlsx). */
  workbook?: true;
  header(columns: readonly string[]): string;
  /** `index`: how many records were written before this one (JSON needs it for commas, xlsx for row numbers). */
  record(columns: readonly string[], values: readonly JsonValue[], index: number): string;
  /** `empty`: no record was written at all. */
  footer(empty: boolean): string;
}

/** A value as the text of a spreadsheet cell: objects as JSON, null empty. */
function cellText(value: JsonValue): string {
  if (value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** A CSV cell: formula-safe (the importer removes the `'` again), quoted when it must be. */
export function csvCell(value: JsonValue): string {
  const text = typeof value === 'string' ? neutraliseFormula(value) : cellText(value);
  // Leading/trailing spaces are quoted too, so no spreadsheet or reader trims them away.
  return /[",\r\n]|^\s|\s$/u.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function jsonObject(columns: readonly string[], values: readonly JsonValue[]): string {
  // Built as text, key by key, so the key order is the column order.
  return `{${columns.map((c, i) => `${JSON.stringify(c)}:${JSON.stringify(values[i] ?? null)}`).join(',')}}`;
}

const csv: ExportWriter = {
  contentType: 'text/csv; charset=utf-8',
  extension: 'csv',
  header: (columns) => `${columns.map(csvCell).join(',')}\r\n`,
  record: (_columns, values) => `${values.map(csvCell).join(',')}\r\n`,
  footer: () => '',
};

const json: ExportWriter = {
  contentType: 'application/json; charset=utf-8',
  extension: 'json',
  header: () => '[',
  record: (columns, values, index) => `${index === 0 ? '\n' : ',\n'}  ${jsonObject(columns, values)}`,
  footer: (empty) => (empty ? ']\n' : '\n]\n'),
};

const ndjson: ExportWriter = {
  contentType: 'application/x-ndjson; charset=utf-8',
  extension: 'ndjson',
  header: () => '',
  record: (columns, values) => `${jsonObject(columns, values)}\n`,
  footer: () => '',
};

/**
 * YAML written as JSON scalars and flow collections (valid YAML 1.2): every
 * string double-quoted, so `00123`, `NO` or `2024-01-01` can never be read as
 * anything but the text they are.
 */
/** JSON text with the characters YAML does not allow raw (DEL, C1 controls) or reads as line breaks escaped. */
function yamlScalar(value: JsonValue): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const yaml: ExportWriter = {
  contentType: 'application/yaml; charset=utf-8',
  extension: 'yaml',
  header: () => '',
  record: (columns, values) => columns.map((c, i) => `${i === 0 ? '- ' : '  '}${c}: ${yamlScalar(values[i] ?? null)}\n`).join(''),
  footer: (empty) => (empty ? '[]\n' : ''),
};

/**
 * Every cell an inline string (formula-safe and exact, xlsxWrite.ts): a code
 * like `00123` stays text, `true` is the text the importer reads as CSV's.
 */
const xlsx: ExportWriter = {
  contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  extension: 'xlsx',
  workbook: true,
  header: (columns) => SHEET_HEAD + rowXml(1, columns.map((text) => ({ text, style: HEADER }))),
  record: (_columns, values, index) => rowXml(index + 2, values.map((v) => ({ text: cellText(v), style: PLAIN }))),
  footer: () => SHEET_TAIL,
};

export const EXPORT_WRITERS: Record<ExportFormat, ExportWriter> = { csv, xlsx, json, yaml, ndjson };
