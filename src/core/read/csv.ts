/**
 * Streaming CSV reader on top of csv-parse.
 *
 * The parser is driven synchronously: each decoded chunk is written to it and
 * every record it completes is read back from it right after `write()`
 * returns. All checks happen there, in file order, so the first problem in
 * the file is the one reported, and records are handed out exactly up to it.
 */
import { Parser } from 'csv-parse';
import { FileError } from '../errors.js';
import type { SourceRecord } from '../model.js';
import { csvFileError } from './csvErrors.js';
import type { Delimiter } from './detect.js';
import { countLineBreaks } from './lines.js';
import type { RecordBatches } from './batches.js';

export interface CsvReadOptions {
  delimiter: Delimiter;
  maxRows?: number;
}

export interface CsvInput {
  columns: string[];
  records: RecordBatches;
}

/** Guards against a wrong delimiter or a runaway quote holding the whole file in one field. */
const MAX_RECORD_CHARS = 1_000_000;

interface Header {
  /** Trimmed names; trailing empty names (spreadsheet leftovers) are dropped. */
  names: string[];
  /** Number of cells the header row really had, trailing empty ones included. */
  width: number;
}

const isBlank = (cells: readonly string[]): boolean => cells.every((cell) => cell.trim() === '');

function readHeader(cells: readonly string[], line: number): Header {
  const names = cells.map((cell) => cell.trim());
  let width = names.length;
  while (width > 0 && names[width - 1] === '') width--;
  const seen = new Map<string, number>();
  for (let i = 0; i < width; i++) {
    const name = names[i]!;
    if (name === '') {
      throw new FileError('EMPTY_HEADER', `column ${i + 1} has no name; give every column a name in the first row`, line, {
        column: i + 1,
      });
    }
    // Case-insensitive: `Name` and `name` would map to the same field later on.
    const key = name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      const other = names[first]!;
      const both = other === name ? `are both named "${name}"` : `are named "${other}" and "${name}" (upper/lower case does not count)`;
      throw new FileError('DUPLICATE_HEADER', `columns ${first + 1} and ${i + 1} ${both}; each column name may appear only once`, line, {
        name,
        columns: [first + 1, i + 1],
      });
    }
    seen.set(key, i);
  }
  return { names: names.slice(0, width), width: cells.length };
}

/** Holds the parser state between chunks; see the module comment. */
class CsvRecordReader {
  header: Header | undefined;
  /** Records completed by the last write, not yet handed out. */
  queue: SourceRecord[] = [];
  /** The first problem found; handed out after the records that precede it. */
  error: Error | undefined;
  /** Spreadsheet row of the last record: every CSV record is a row, blank ones included. */
  private row = 0;
  /** Physical line where the next record starts. */
  private nextLine = 1;
  private dataRows = 0;
  private readonly parser: Parser;

  constructor(private readonly options: CsvReadOptions) {
    this.parser = new Parser({
      delimiter: options.delimiter,
      quote: '"',
      escape: '"',
      // Explicit list instead of auto-discovery, so a file mixing line endings still parses.
      record_delimiter: ['\r\n', '\n', '\r'],
      // Column counts and blank lines are checked here, with better messages and row numbers.
      relax_column_count: true,
      skip_empty_lines: false,
      // The record's raw text lets errors name the exact physical line.
      raw: true,
      max_record_size: MAX_RECORD_CHARS,
      // No on_record callback: csv-parse builds an info object (and a second
      // copy of the raw text) for each record it calls it with, which was 40%
      // of the parse. Records are read from the stream right after each write
      // instead (see feed).
    });
    // Errors are read synchronously from `parser.errored`; without a listener the emitted event would crash.
    this.parser.on('error', () => {});
  }

  private onRecord(cells: string[]): void {
    this.row++;
    const line = this.nextLine;
    // Unquoted cells cannot hold line breaks, so the record spans 1 + the breaks inside quoted cells.
    let breaks = 0;
    for (const cell of cells) {
      // Native pre-check: almost no cell holds a line break.
      if (cell.includes('\n') || cell.includes('\r')) breaks += countLineBreaks(cell);
    }
    this.nextLine += 1 + breaks;
    if (isBlank(cells)) return; // a blank row still counts for numbering
    if (this.header === undefined) {
      this.header = readHeader(cells, line);
      return;
    }
    const { names, width } = this.header;
    // Cells under dropped trailing header cells are ignored, so rows may stop anywhere in between;
    // so are empty cells beyond the header (a spreadsheet's leftover columns).
    if (cells.length < names.length || (cells.length > width && !isBlank(cells.slice(width)))) {
      const expected = cells.length > width ? width : names.length;
      throw new FileError(
        'INCONSISTENT_COLUMNS',
        `this row has ${cells.length} fields, the header has ${expected}; ` +
          'check for a missing or extra delimiter, or a value containing the delimiter that is not in quotes',
        line,
        { row: this.row, fields: cells.length, expected },
      );
    }
    this.dataRows++;
    const { maxRows } = this.options;
    if (maxRows !== undefined && this.dataRows > maxRows) {
      throw new FileError('ROW_LIMIT_EXCEEDED', `the file has more than ${maxRows} rows, the most allowed (--max-rows)`, line, {
        maxRows,
      });
    }
    // Null prototype: a column named `__proto__` or `constructor` is plain data.
    // Set on an empty literal rather than Object.create(null), which V8 makes a
    // hash-table (dictionary) object: this way records share one hidden class
    // and take ~40 bytes instead of ~260 (225 MB less for a 1,000,000-row file).
    const values: Record<string, unknown> = Object.setPrototypeOf({}, null) as Record<string, unknown>;
    for (let i = 0; i < names.length; i++) values[names[i]!] = cells[i];
    this.queue.push({ row: this.row, values });
  }

  /**
   * Feeds a chunk (or the end of input); a problem is kept in `error`, never thrown mid-queue.
   * The parser pushes every record the chunk completes before write() returns
   * (and, on a syntax error, the ones before it); they are checked here in
   * file order, so a record failing a check here stops the reading exactly
   * where the parser's own error would have.
   */
  feed(chunk: string | undefined): void {
    if (this.error !== undefined) return;
    if (chunk === undefined) this.parser.end();
    else this.parser.write(chunk);
    try {
      for (let item = this.parser.read() as { record: string[] } | null; item !== null; item = this.parser.read() as { record: string[] } | null) {
        this.onRecord(item.record);
      }
    } catch (error) {
      this.error = csvFileError(error as Error, this.nextLine, this.options.delimiter);
      return;
    }
    const failure = this.parser.errored;
    if (failure) this.error = csvFileError(failure, this.nextLine, this.options.delimiter);
  }

  close(): void {
    this.parser.destroy();
  }

  take(): SourceRecord[] {
    const records = this.queue;
    this.queue = [];
    return records;
  }
}

/**
 * Reads the header now (header problems reject this promise) and streams the
 * data records. `source` is consumed lazily and closed when iteration stops.
 */
export async function readCsv(source: AsyncIterator<string>, options: CsvReadOptions): Promise<CsvInput> {
  const reader = new CsvRecordReader(options);
  let ended = false;
  const pull = async (): Promise<void> => {
    const next = await source.next();
    ended = next.done === true;
    reader.feed(ended ? undefined : next.value);
  };
  const stop = async (): Promise<void> => {
    reader.close();
    if (!ended) await source.return?.();
  };

  try {
    while (reader.header === undefined && reader.error === undefined && !ended) await pull();
  } catch (error) {
    await stop();
    throw error;
  }
  if (reader.header === undefined && reader.error !== undefined) {
    await stop();
    throw reader.error;
  }

  let started = false;
  /** The records each write completed, in file order; the first problem is thrown after the records before it. */
  async function* batches(): AsyncGenerator<readonly SourceRecord[], void, undefined> {
    if (started) throw new Error('the records of a ParsedInput can be iterated only once');
    started = true;
    try {
      for (;;) {
        const batch = reader.take();
        if (batch.length > 0) yield batch;
        if (reader.error !== undefined) throw reader.error;
        if (ended) return;
        await pull();
      }
    } finally {
      await stop();
    }
  }
  async function* records(): AsyncGenerator<SourceRecord, void, undefined> {
    for await (const batch of batches()) yield* batch;
  }

  return { columns: reader.header?.names ?? [], records: { [Symbol.asyncIterator]: records, batches } };
}
