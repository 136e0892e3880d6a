/**
 * NDJSON (JSON Lines) reader: one department object per line, streamed, so a
 * large machine export never has to be one JSON document in memory. Blank
 * lines are skipped; the row number is the line. A line may nest children
 * (`children: [...]`); they get the line of the object they are part of.
 */
import { FileError } from '../errors.js';
import type { SourceRecord } from '../model.js';
import { MAX_DEPTH, invalidDocument, rowLimitExceeded, tooDeep } from './document.js';
import { collectJsonDepartments, describe, isPlainObject, jsonNodeKeys, jsonNodeRecord, syntaxError } from './json.js';
import { refuseDuplicateKeys } from './jsonKeys.js';
import { jsonPathKey, scanArrayObjects, scanLayout } from './jsonScan.js';

export interface NdjsonReadOptions {
  maxRows?: number;
  isChildrenKey: (key: string) => boolean;
}

export interface NdjsonInput {
  /** The keys seen so far, in first-seen order: grows while `records` is iterated. */
  columns: string[];
  records: AsyncIterable<SourceRecord>;
}

/** Splits a stream of text into lines (`\n`, `\r\n` or a lone `\r`), with their 1-based numbers. */
async function* linesOf(source: AsyncIterator<string>): AsyncGenerator<{ line: number; text: string }, void, undefined> {
  let buffer = '';
  let line = 0;
  for (;;) {
    const next = await source.next();
    if (next.done) break;
    buffer += next.value;
    let start = 0;
    for (;;) {
      const lf = buffer.indexOf('\n', start);
      const cr = buffer.indexOf('\r', start);
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      // A CR at the very end may be the first half of a CRLF split over two chunks: wait for more.
      if (end === -1 || (end === cr && end === buffer.length - 1)) break;
      yield { line: ++line, text: buffer.slice(start, end) };
      start = end + (buffer[end] === '\r' && buffer[end + 1] === '\n' ? 2 : 1);
    }
    buffer = buffer.slice(start);
  }
  if (buffer.endsWith('\r')) buffer = buffer.slice(0, -1);
  if (buffer !== '') yield { line: ++line, text: buffer };
}

function parseLine(text: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const problem = syntaxError(text, error);
    // syntaxError numbers lines within `text` (always 1 here): report the file's line.
    throw new FileError('JSON_SYNTAX_ERROR', problem.message.replace(/^line \d+: /, ''), line, problem.details);
  }
}

export function readNdjson(source: AsyncIterator<string>, options: NdjsonReadOptions): NdjsonInput {
  const columns: string[] = [];
  const seen = new Set<string>();
  let started = false;
  let emitted = 0;

  async function* records(): AsyncGenerator<SourceRecord, void, undefined> {
    if (started) throw new Error('the records of a ParsedInput can be iterated only once');
    started = true;
    try {
      for await (const { line, text } of linesOf(source)) {
        if (text.trim() === '') continue;
        const value = parseLine(text, line);
        if (!isPlainObject(value)) {
          throw invalidDocument(`line ${line} is ${describe(value)}, not a department object ({"name": ...}); NDJSON has one department per line`, line);
        }
        const layout = scanLayout(text, MAX_DEPTH);
        if (layout.tooDeepAt !== -1) throw tooDeep(line);
        refuseDuplicateKeys(text, layout.members, value, () => line);
        const nodes: Parameters<typeof collectJsonDepartments>[3] = [];
        const limit = options.maxRows === undefined ? undefined : options.maxRows - emitted;
        let nested: Map<string, number> | undefined;
        collectJsonDepartments(value, line, [], nodes, {
          isChildrenKey: options.isChildrenKey,
          maxRows: limit,
          text,
          lineOf: () => line,
          offsetOf: (path) => (path.length === 0 ? text.indexOf('{') : (nested ??= scanArrayObjects(text)).get(jsonPathKey(path))),
          onTooMany: () => {
            throw rowLimitExceeded(options.maxRows!, line);
          },
        });
        for (const node of nodes) {
          for (const key of jsonNodeKeys(node)) {
            if (!seen.has(key)) {
              seen.add(key);
              columns.push(key);
            }
          }
          const record = jsonNodeRecord(node);
          // Indices of nested parents are relative to this line's nodes: make them global.
          if (record.nestedIn !== undefined) record.nestedIn += emitted;
          yield record;
        }
        emitted += nodes.length;
      }
    } finally {
      await source.return?.();
    }
  }

  return { columns, records: { [Symbol.asyncIterator]: records } };
}
