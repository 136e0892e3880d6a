/**
 * Format and CSV-delimiter detection. Explicit beats implicit: the caller's
 * `format`, then the file name's extension, then a look at the first lines.
 */
import { FileError } from '../errors.js';
import type { InputFormat } from '../model.js';

const FORMATS: readonly InputFormat[] = ['csv', 'yaml', 'json', 'ndjson', 'xlsx'];

const EXTENSIONS: Record<string, InputFormat> = {
  csv: 'csv',
  tsv: 'csv',
  txt: 'csv',
  yaml: 'yaml',
  yml: 'yaml',
  json: 'json',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  xlsx: 'xlsx',
  xlsm: 'xlsx',
};

/** Workbooks other than .xlsx: reading them as CSV would only produce a confusing encoding error. */
const SPREADSHEET_EXTENSIONS = new Set(['xls', 'ods', 'numbers']);

/** How much text the sniffers look at; also the most `readInput` reads ahead before choosing. */
export const SNIFF_CHARS = 64 * 1024;

/** Validates an explicit format (it may come from a CLI flag or an HTTP field at run time). */
export function checkFormat(format: string): InputFormat {
  if ((FORMATS as readonly string[]).includes(format)) return format as InputFormat;
  throw new FileError('UNSUPPORTED_FORMAT', `unknown format "${format}"; use csv, yaml, json, ndjson or xlsx`);
}

/** The format a file name's extension announces, if any. */
export function formatFromFileName(fileName: string): InputFormat | undefined {
  const dot = fileName.lastIndexOf('.');
  if (dot === -1) return undefined;
  const extension = fileName.slice(dot + 1).toLowerCase();
  if (SPREADSHEET_EXTENSIONS.has(extension)) {
    throw new FileError(
      'UNSUPPORTED_FORMAT',
      `"${fileName}" is a spreadsheet format orgsync does not read; save it as Excel Workbook (.xlsx) or "CSV UTF-8" and import that file`,
    );
  }
  return EXTENSIONS[extension];
}

/** The first line that says something: not blank, not a YAML comment (`# ...`). */
function firstMeaningfulLine(text: string): { line: string; complete: boolean } | undefined {
  let start = 0;
  while (start < text.length) {
    let end = text.slice(start).search(/[\r\n]/);
    const complete = end !== -1;
    end = complete ? start + end : text.length;
    const line = text.slice(start, end);
    const trimmed = line.trim();
    // `#` alone or followed by a space is a comment; `#,name` is a CSV header with a column called "#".
    if (trimmed !== '' && !/^#(\s|$)/.test(trimmed)) return { line, complete };
    if (!complete) return undefined;
    start = end + 1;
  }
  return undefined;
}

/** Whether `text` holds enough to sniff: the first meaningful line is complete. */
export function canSniff(text: string): boolean {
  return firstMeaningfulLine(text)?.complete === true;
}

/** `key:` at the start of a line: a YAML mapping. The key may not contain a CSV delimiter. */
const YAML_KEY = /^(?:"[^"]*"|'[^']*'|[^\s#,;\t"'[\]{}][^,;\t]*?)\s*:(?:\s|$)/;

/** Guesses the format from the text itself; anything unclear is CSV. */
export function sniffFormat(text: string): InputFormat {
  const first = /\S/.exec(text)?.[0];
  if (first === '{' && looksLikeNdjson(text)) return 'ndjson';
  if (first === '[' || first === '{') return 'json';
  const meaningful = firstMeaningfulLine(text);
  if (meaningful === undefined) {
    // Only comments (or nothing): comments are a YAML thing.
    return first === '#' ? 'yaml' : 'csv';
  }
  const line = meaningful.line.trimStart();
  if (line.startsWith('---') || line.startsWith('%YAML') || /^-(\s|$)/.test(line)) return 'yaml';
  if (YAML_KEY.test(line)) return 'yaml';
  return 'csv';
}

/**
 * `{` opens both a JSON document and NDJSON. NDJSON when the first non-blank
 * line is a complete object by itself that is not the `{ departments: [...] }`
 * wrapper (a document holding one department object is no valid input anyway).
 */
function looksLikeNdjson(text: string): boolean {
  // An incomplete line (cut off by the read-ahead) does not parse: JSON, as before.
  const line = firstMeaningfulLine(text);
  if (line === undefined) return false;
  let value: unknown;
  try {
    value = JSON.parse(line.line);
  } catch {
    return false;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Object.hasOwn(value, 'departments');
}

const DELIMITERS = [',', ';', '\t'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

/** Scans the header record (the first non-blank one; quoted fields may span lines), counting delimiters outside quotes. */
function scanHeader(text: string): { complete: boolean; counts: Map<string, number> } {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  let seenContent = false;
  for (const ch of text.slice(0, SNIFF_CHARS)) {
    if (ch === '"') {
      quoted = !quoted; // a doubled quote toggles twice: no net change
    } else if (!quoted) {
      if (ch === '\n' || ch === '\r') {
        // Leading blank lines are not the header; stop at the end of the first non-blank one.
        if (seenContent) return { complete: true, counts };
        continue;
      }
      const count = counts.get(ch);
      if (count !== undefined) counts.set(ch, count + 1);
    }
    if (ch.trim() !== '') seenContent = true;
  }
  return { complete: false, counts };
}

/** Whether `text` holds the whole CSV header record, so its delimiters can be counted. */
export function csvHeaderComplete(text: string): boolean {
  return scanHeader(text).complete;
}

/**
 * Counts `,` `;` and tab in the header record, outside quotes; the most
 * frequent wins, ties go to the earlier of `, ; \t`. Excel in many European
 * locales writes `;`, and "Unicode Text" exports are tab separated.
 */
export function detectDelimiter(text: string): Delimiter {
  const { counts } = scanHeader(text);
  let best: Delimiter = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}
