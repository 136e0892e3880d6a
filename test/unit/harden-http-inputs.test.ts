/**
 * Issue 11, items 1, 5 and 18, the pure parts: the one guarded parser for small
 * YAML/JSON texts, a mapping's `__proto__` key named instead of dropped, and
 * logged errors held to a bounded size.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileError } from '../../src/core/errors.js';
import { parseImportOptions } from '../../src/core/importOptions.js';
import { MAX_DEPTH } from '../../src/core/read/document.js';
import { parseSmallDocument, valueDepth } from '../../src/core/read/smallDocument.js';
import { boundedErrorSerializer, LOGGED_TEXT_MAX_CHARS } from '../../src/adapters/logSerializers.js';
import { readMappingFile } from '../../src/cli/commands/import.js';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof FileError) return err.code;
    throw err;
  }
  return 'no error';
};

describe('parseSmallDocument: the guards of the file readers for small texts', () => {
  it('refuses deep nesting before the parser sees it, in YAML flow, YAML blocks and JSON', () => {
    expect(codeOf(() => parseSmallDocument(`${'['.repeat(2000)}${']'.repeat(2000)}`, 'yaml'))).toBe('INVALID_DOCUMENT');
    expect(codeOf(() => parseSmallDocument(`${'{a: '.repeat(2000)}1${'}'.repeat(2000)}`, 'yaml'))).toBe('INVALID_DOCUMENT');
    const block = Array.from({ length: 300 }, (_, i) => `${' '.repeat(i * 2)}k${i}:`).join('\n');
    expect(codeOf(() => parseSmallDocument(block, 'yaml'))).toBe('INVALID_DOCUMENT');
    expect(codeOf(() => parseSmallDocument(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'json'))).toBe('INVALID_DOCUMENT');
    // Just under the limit parses; one level more does not.
    const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    expect(valueDepth(parseSmallDocument(nested(MAX_DEPTH), 'json'))).toBe(MAX_DEPTH);
    expect(codeOf(() => parseSmallDocument(nested(MAX_DEPTH + 1), 'json'))).toBe('INVALID_DOCUMENT');
    expect(codeOf(() => parseSmallDocument(nested(MAX_DEPTH + 1), 'yaml'))).toBe('INVALID_DOCUMENT');
  });

  it('refuses texts over the size cap, alias floods and bad syntax with their stable codes', () => {
    expect(codeOf(() => parseSmallDocument('a: 1\n'.repeat(100), 'yaml', 100))).toBe('FILE_TOO_LARGE');
    expect(codeOf(() => parseSmallDocument('é'.repeat(60), 'json', 100))).toBe('FILE_TOO_LARGE'); // 120 bytes
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n');
    expect(codeOf(() => parseSmallDocument(laughs, 'yaml'))).toBe('TOO_MANY_ALIASES');
    expect(codeOf(() => parseSmallDocument('a: [1, 2', 'yaml'))).toBe('YAML_SYNTAX_ERROR');
    expect(codeOf(() => parseSmallDocument('a: 1\na: 2\n', 'yaml'))).toBe('YAML_SYNTAX_ERROR');
    expect(codeOf(() => parseSmallDocument('{"a": 1,}', 'json'))).toBe('JSON_SYNTAX_ERROR');
  });

  it('parses what it accepts, keeping a __proto__ key as data', () => {
    expect(parseSmallDocument('columns:\n  Name: name\n', 'yaml')).toEqual({ columns: { Name: 'name' } });
    const value = parseSmallDocument('{"__proto__": {"polluted": true}}', 'json') as object;
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('a mapping with a __proto__ key (issue 11, item 18)', () => {
  const cases = [
    ['top level', '__proto__:\n  a: 1\ncolumns:\n  Name: name\n', 'mapping.__proto__'],
    ['a column', 'columns:\n  __proto__: code\n  Name: name\n', 'mapping.columns.__proto__'],
    ['a default', 'defaults:\n  __proto__: Bern\n', 'mapping.defaults.__proto__'],
    ['inside a default', 'defaults:\n  customData: {__proto__: {a: 1}}\n', 'mapping.defaults.customData.__proto__'],
  ] as const;

  it.each(cases)('is named, not dropped: %s (mapping file)', (_what, text, path) => {
    const file = join(mkdtempSync(join(tmpdir(), 'harden-http-')), 'mapping.yaml');
    writeFileSync(file, text);
    const parsed = parseImportOptions({ mapping: readMappingFile(file) });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(`${path}: "__proto__" is not a key a mapping may have`);
  });

  it('is named when the mapping is given as an object (a JSON schedule option, a stored run)', () => {
    const columns = JSON.parse('{"__proto__": "code", "Name": "name"}') as unknown;
    const parsed = parseImportOptions({ mapping: { columns } });
    expect(parsed.ok).toBe(false);
  });
});

describe('logged errors are bounded (issue 11, item 5)', () => {
  it('cuts a 1 MB err.sql, its bytes bindings and a message that repeats the statement', () => {
    const sql = `insert into import_staging (run_id, bytes) values ('r', X'${'ab'.repeat(512 * 1024)}')`;
    const err = Object.assign(new Error(`${sql} - Data too long for column 'bytes'`), {
      sql,
      bindings: ['r', Buffer.alloc(1024 * 1024, 1), ...Array.from({ length: 1000 }, (_, i) => i)],
      code: 'ER_DATA_TOO_LONG',
    });
    const logged = boundedErrorSerializer(err) as unknown as Record<string, unknown>;
    const line = JSON.stringify(logged);
    expect(sql.length).toBeGreaterThan(1_000_000);
    expect(line.length).toBeLessThan(20_000);
    expect(String(logged.sql).length).toBeLessThan(LOGGED_TEXT_MAX_CHARS + 100);
    expect(String(logged.sql)).toMatch(/^insert into import_staging/);
    expect(String(logged.message)).toMatch(/Data too long for column 'bytes'$/);
    expect((logged.bindings as unknown[])[1]).toBe('[1048576 bytes]');
    expect(logged.code).toBe('ER_DATA_TOO_LONG');
    expect(logged.type).toBe('Error');
  });
});

describe("the worker's logger bounds errors too", () => {
  it('cuts a 1 MB err.sql in a line of the process logger (createLogger)', async () => {
    const { Writable } = await import('node:stream');
    const { createLogger } = await import('../../src/adapters/log.js');
    const lines: string[] = [];
    const log = createLogger('info', new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }));
    const sql = `insert into departments values ${'(?),'.repeat(300_000)}`;
    log.error({ err: Object.assign(new Error(`${sql} - ECONNRESET`), { sql }) }, 'run failed');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.length).toBeLessThan(20_000);
    expect(lines[0]).toContain('ECONNRESET');
  });
});
