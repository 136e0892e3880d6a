/**
 * The "read" stage: bytes in, records out. Pure: no file system, no database.
 *
 * The text is decoded as it streams; only the first few kilobytes are read
 * before choosing the format. CSV then streams record by record; YAML and
 * JSON are documents and have to be read whole.
 */
import type { InputFormat, SourceRecord } from '../model.js';
import { readCsv } from './csv.js';
import { decodeText } from './decode.js';
import {
  SNIFF_CHARS,
  canSniff,
  checkFormat,
  csvHeaderComplete,
  detectDelimiter,
  formatFromFileName,
  sniffFormat,
} from './detect.js';
import { iterate } from './document.js';
import { readJson } from './json.js';
import { readYaml } from './yaml.js';

export interface ReadOptions {
  format?: InputFormat;
  fileName?: string;
  maxRows?: number;
}

export interface ParsedInput {
  format: InputFormat;
  /** CSV: the header names in file order (trimmed). YAML/JSON: the union of top-level keys seen, in first-seen order. */
  columns: string[];
  /** From a `{ organization, departments }` wrapper document: `organization: acme` or `organization: { code, name }`. */
  organization?: { code?: string; name?: string };
  records: AsyncIterable<SourceRecord>;
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

  const text = decodeText(bytes);
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

  // Documents: gather all the text (decoding errors surface here), then parse.
  const chunks = [headText];
  for await (const chunk of replay([], text)) chunks.push(chunk);
  const whole = chunks.join('');
  const document = format === 'json' ? readJson(whole, options.maxRows) : readYaml(whole, options.maxRows);
  return {
    format,
    columns: document.columns,
    ...(document.organization ? { organization: document.organization } : {}),
    records: document.records,
  };
}
