/**
 * The "read" stage: bytes in, records out. Pure: no file system, no database.
 *
 * The text is decoded as it streams; only the first few kilobytes are read
 * before choosing the format. CSV then streams record by record; YAML and
 * JSON are documents and have to be read whole.
 */
import type { InputFormat } from '../model.js';
import type { RecordBatches } from './batches.js';
import { readCsv } from './csv.js';
import { FileError } from '../errors.js';
import { type TextEncoding, decodeText } from './decode.js';
import {
  SNIFF_CHARS,
  canSniff,
  checkFormat,
  csvHeaderComplete,
  detectDelimiter,
  formatFromFileName,
  sniffFormat,
} from './detect.js';
import { isDefaultChildrenKey, iterate } from './document.js';
import { readJson } from './json.js';
import { readNdjson } from './ndjson.js';
import { readYaml } from './yaml.js';
import { isWorkbookContainer, peek, readWorkbook } from './workbookInput.js';

export interface ReadOptions {
  format?: InputFormat;
  fileName?: string;
  maxRows?: number;
  /** Undefined or `auto`: from the byte order mark, else UTF-8. */
  encoding?: TextEncoding;
  /** YAML/JSON/NDJSON: which key of a department holds its nested children (default: `children`, `subDepartments`). */
  isChildrenKey?: (key: string) => boolean;
  /** JSON/YAML documents are parsed whole; larger ones fail with FILE_TOO_LARGE. */
  maxDocumentChars?: number;
  /** Excel: the sheet to read, by name or 1-based number (default: the first with data). */
  sheet?: string;
}

/** 256 M characters: well below V8's string limit (~512 M), so a document never crashes the reader. */
export const MAX_DOCUMENT_CHARS = 256 * 2 ** 20;

export interface ParsedInput {
  format: InputFormat;
  /**
   * CSV: the header names in file order (trimmed). YAML/JSON: the union of the
   * departments' keys, in first-seen order. NDJSON: the keys seen so far; the
   * array grows while `records` is iterated.
   */
  columns: string[];
  /** From a `{ organization, departments }` wrapper document: `organization: acme` or `organization: { code, name }`. */
  organization?: { code?: string; name?: string };
  /** Excel: the sheet read. */
  sheet?: string;
  /** CSV also hands its records out in batches (batches.ts). */
  records: RecordBatches;
}

/** Replays the chunks read ahead for detection, then the rest of the stream. */
async function* replay(head: readonly string[], rest: AsyncIterator<string>): AsyncGenerator<string, void, undefined> {
  let finished = false;
  try {
    yield* head;
    for (;;) {
      const next = await rest.next();
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // Stopped early (a file error, or the caller broke out): release the byte source.
    if (!finished) await rest.return?.();
  }
}

/**
 * Reads an org-chart file. Problems with the file as a whole throw FileError,
 * either from here (format, header, document structure) or while iterating
 * `records` (CSV problems found further down the file).
 */
export async function readInput(bytes: AsyncIterable<Uint8Array>, options: ReadOptions = {}): Promise<ParsedInput> {
  // Explicit choices first, so a bad flag fails before any byte is read.
  const chosen =
    options.format !== undefined
      ? checkFormat(options.format)
      : options.fileName !== undefined
        ? formatFromFileName(options.fileName)
        : undefined;

  // Workbooks are recognised by their first bytes, whatever the file is called.
  const peeked = await peek(bytes);
  if (chosen === 'xlsx' || isWorkbookContainer(peeked.head)) {
    if (peeked.head.length === 0) return { format: 'xlsx', columns: [], records: iterate([]) };
    const { sheet, columns, records } = await readWorkbook(peeked.bytes, { sheet: options.sheet, maxRows: options.maxRows });
    return { format: 'xlsx', sheet, columns, records };
  }
  const text = decodeText(peeked.bytes, { encoding: options.encoding });
  const head: string[] = [];
  let headText = '';
  let ended = false;
  try {
    // Read ahead until the first meaningful line is complete (enough to sniff
    // the format and count the CSV delimiters), or SNIFF_CHARS, or the end.
    // The records are not parsed yet: the chunks are replayed to the reader.
    while (!ended && headText.length < SNIFF_CHARS) {
      const next = await text.next();
      if (next.done) {
        ended = true;
      } else {
        head.push(next.value);
        headText += next.value;
        // Only a new line break can complete a line; saves rescanning tiny chunks.
        if (/[\r\n]/.test(next.value) && canSniff(headText)) {
          // CSV also needs the whole header record (a quoted name may span lines) to count delimiters.
          if ((chosen ?? sniffFormat(headText)) !== 'csv' || csvHeaderComplete(headText)) break;
        }
      }
    }
  } catch (error) {
    await text.return();
    throw error;
  }

  // A blank file is not a reader error; the importer decides what "no rows" means.
  if (ended && headText.trim() === '') {
    return { format: chosen ?? 'csv', columns: [], records: iterate([]) };
  }
  const format = chosen ?? sniffFormat(headText);

  if (format === 'csv') {
    const { columns, records } = await readCsv(replay(head, text), {
      delimiter: detectDelimiter(headText),
      maxRows: options.maxRows,
    });
    return { format, columns, records };
  }
  const isChildrenKey = options.isChildrenKey ?? isDefaultChildrenKey;
  if (format === 'ndjson') {
    const { columns, records } = readNdjson(replay(head, text), { maxRows: options.maxRows, isChildrenKey });
    return { format, columns, records };
  }

  // Documents: gather all the text (decoding errors surface here), then parse.
  // They are parsed whole, so they are bounded: a huge export must come as
  // CSV or NDJSON, which stream.
  const maxChars = options.maxDocumentChars ?? MAX_DOCUMENT_CHARS;
  const chunks = [headText];
  let size = headText.length;
  for await (const chunk of replay([], text)) {
    size += chunk.length;
    if (size > maxChars) {
      throw new FileError(
        'FILE_TOO_LARGE',
        `this ${format.toUpperCase()} document is larger than ${Math.round(maxChars / 2 ** 20)} M characters; JSON and YAML are read whole, so send large exports as CSV or NDJSON (one department per line), which are streamed`,
      );
    }
    chunks.push(chunk);
  }
  const whole = chunks.join('');
  const document = format === 'json' ? readJson(whole, options.maxRows, isChildrenKey) : readYaml(whole, options.maxRows, isChildrenKey);
  return {
    format,
    columns: document.columns,
    ...(document.organization ? { organization: document.organization } : {}),
    records: document.records,
  };
}
