/**
 * Turns csv-parse's errors into FileErrors a non-programmer can act on.
 *
 * csv-parse reports its own `lines` counter, but it counts a `\r\n` inside a
 * quoted field as two lines, so the line is recomputed here from where the
 * failing record starts (tracked by the reader) plus the record's raw text.
 */
import { CsvError } from 'csv-parse';
import { FileError } from '../errors.js';
import { countLineBreaks } from './lines.js';

/** Offset of the opening quote of a quoted field still open at the end of `raw`, or -1. */
export function unclosedQuoteOffset(raw: string, delimiter: string): number {
  let fieldStart = true;
  let quoted = false;
  let openedAt = -1;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (quoted) {
      if (ch === '"') {
        if (raw[i + 1] === '"') i++; // "" is an escaped quote
        else quoted = false;
      }
      continue;
    }
    if (fieldStart && ch === '"') {
      quoted = true;
      openedAt = i;
      fieldStart = false;
      continue;
    }
    fieldStart = ch === delimiter || ch === '\n' || ch === '\r';
  }
  return quoted ? openedAt : -1;
}

const QUOTING_HINT = 'a value containing quotes must be wrapped in quotes, with each inner quote doubled ("")';

export function quoteNotClosed(line: number): FileError {
  return new FileError(
    'CSV_SYNTAX_ERROR',
    `a quoted value starts here but its closing quote (") is missing; ${QUOTING_HINT}`,
    line,
  );
}

/**
 * Maps an error raised while parsing the record that starts on `recordLine`.
 * FileErrors (thrown by the reader's own checks) pass through; anything that
 * is not a CsvError is a bug and is rethrown untouched.
 */
export function csvFileError(error: Error, recordLine: number, delimiter: string): Error {
  if (error instanceof FileError || !(error instanceof CsvError)) return error;
  const raw = typeof error.raw === 'string' ? error.raw : '';
  // `raw` is the failing record's text up to the character that failed.
  const errorLine = recordLine + countLineBreaks(raw);
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED': {
      const quoteAt = unclosedQuoteOffset(raw, delimiter);
      return quoteNotClosed(quoteAt === -1 ? recordLine : recordLine + countLineBreaks(raw, 0, quoteAt));
    }
    case 'INVALID_OPENING_QUOTE':
      return new FileError(
        'CSV_SYNTAX_ERROR',
        `a quote (") appears in the middle of a value that does not start with a quote; ${QUOTING_HINT}`,
        errorLine,
        { csvCode: error.code },
      );
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new FileError(
        'CSV_SYNTAX_ERROR',
        `a quoted value is followed by more text before the next delimiter; ${QUOTING_HINT}`,
        errorLine,
        { csvCode: error.code },
      );
    case 'CSV_MAX_RECORD_SIZE': {
      // Almost always an unclosed quote swallowing the rest of the file.
      const quoteAt = unclosedQuoteOffset(raw, delimiter);
      if (quoteAt !== -1) return quoteNotClosed(recordLine + countLineBreaks(raw, 0, quoteAt));
      return new FileError(
        'CSV_SYNTAX_ERROR',
        'this row is too long (over a million characters); is the delimiter right?',
        recordLine,
        { csvCode: error.code },
      );
    }
    default:
      return new FileError('CSV_SYNTAX_ERROR', `the CSV is malformed: ${error.message}`, errorLine, {
        csvCode: error.code,
      });
  }
}
