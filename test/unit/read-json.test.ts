import { describe, expect, it } from 'vitest';
import { FileError } from '../../src/core/errors.js';
import type { SourceRecord } from '../../src/core/model.js';
import { type ReadOptions, readInput } from '../../src/core/read/index.js';
import { locateJsonError, scanLayout } from '../../src/core/read/jsonScan.js';

const encoder = new TextEncoder();

async function* chunked(input: string | Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function collect(records: AsyncIterable<SourceRecord>): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const record of records) out.push(record);
  return out;
}

async function readJson(input: string | Uint8Array, options: ReadOptions = {}, chunkSize = 7) {
  const parsed = await readInput(chunked(input, chunkSize), { fileName: 'org.json', ...options });
  const records = await collect(parsed.records);
  return { parsed, records, rows: records.map((r) => [r.row, plain(r.values)] as const) };
}

/** Plain-object view for deep equality (the reader builds null-prototype objects). */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

async function failure(input: string | Uint8Array, options: ReadOptions = {}): Promise<FileError> {
  try {
    await readJson(input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(FileError);
    return error as FileError;
  }
  throw new Error('expected the read to fail');
}

describe('readInput: JSON shapes and rows', () => {
  it('reads a root array with the line each department object starts on', async () => {
    const input = [
      '[',
      '  {"code": "HQ", "name": "Head office"},',
      '',
      '  {',
      '    "code": "S1", "name": "Sales [EU] {x}", "parent": "HQ",',
      '    "note": "a \\"quoted\\" ], tricky\\\\"',
      '  }, {"code": "S2"},',
      '  {"code": "S3", "i18n": {"name": [{"en": "x"}]}}',
      ']',
    ].join('\n');
    const { parsed, rows } = await readJson(input);
    expect(parsed.format).toBe('json');
    expect(parsed.columns).toEqual(['code', 'name', 'parent', 'note', 'i18n']);
    expect(rows.map(([row]) => row)).toEqual([2, 4, 7, 8]);
    expect(rows[1]![1]).toEqual({ code: 'S1', name: 'Sales [EU] {x}', parent: 'HQ', note: 'a "quoted" ], tricky\\' });
  });

  it('reads the { organization, departments } wrapper, finding the list after other keys', async () => {
    const input = [
      '{',
      '  "organization": {"code": "acme", "name": "ACME Corp"},',
      '  "departments": [',
      '    {"code": "A"},',
      '    {"code": "B", "leaderUserIds": ["u1", "u2"]}',
      '  ]',
      '}',
    ].join('\r\n');
    const { parsed, rows } = await readJson(input);
    expect(parsed.organization).toEqual({ code: 'acme', name: 'ACME Corp' });
    expect(rows).toEqual([
      [4, { code: 'A' }],
      [5, { code: 'B', leaderUserIds: ['u1', 'u2'] }],
    ]);
  });

  it('accepts a scalar organization (a number stays a code string)', async () => {
    const { parsed, rows } = await readJson('{"departments": [{"code": 1}], "organization": 42}');
    expect(parsed.organization).toEqual({ code: '42' });
    expect(rows).toEqual([[1, { code: '1' }]]);
  });

  it('sniffs JSON without a file name and strips a BOM', async () => {
    for (const input of ['\uFEFF  [{"code": "A"}]', '\n{"departments": [{"code": "A"}]}']) {
      const parsed = await readInput(chunked(input), {});
      expect(parsed.format).toBe('json');
      expect((await collect(parsed.records)).map((r) => plain(r.values))).toEqual([{ code: 'A' }]);
    }
  });

  it('treats an empty file and an empty list as no records', async () => {
    for (const input of ['', ' \n ', '[]', '{"departments": []}']) {
      const { parsed, records } = await readJson(input);
      expect(parsed.columns).toEqual([]);
      expect(records).toEqual([]);
    }
  });

  it('rejects other shapes with INVALID_DOCUMENT', async () => {
    for (const input of ['"text"', '42', '{"items": []}', '{"departments": {"code": "A"}}', '{"departments": [], "exportedAt": 1}']) {
      expect((await failure(input)).code, input).toBe('INVALID_DOCUMENT');
    }
  });

  it('names the line of a list item that is not an object', async () => {
    const error = await failure('[\n  {"code": "A"},\n  ["B"],\n  {"code": "C"}\n]');
    expect(error).toMatchObject({ code: 'INVALID_DOCUMENT', line: 3 });
    expect(error.message).toContain('item 2');
  });

  it('applies maxRows before handing out records', async () => {
    expect((await readJson('[{"a":1},{"a":2}]', { maxRows: 2 })).records).toHaveLength(2);
    const error = await failure('[\n{"a":1},\n{"a":2},\n{"a":3}\n]', { maxRows: 2 });
    expect(error).toMatchObject({ code: 'ROW_LIMIT_EXCEEDED', line: 4 });
  });

  it('decodes multi-byte text split across chunks', async () => {
    const input = '[{"code": "部門", "name": "Straße 🏢"},\n{"code": "é"}]';
    for (const size of [1, 2, 3, 5]) {
      expect((await readJson(input, {}, size)).rows).toEqual([
        [1, { code: '部門', name: 'Straße 🏢' }],
        [2, { code: 'é' }],
      ]);
    }
  });
});

describe('readInput: JSON values', () => {
  it('turns top-level numbers and booleans into strings and keeps nested types', async () => {
    const { rows } = await readJson(
      '[{"code": 123, "isVirtual": false, "openDepartmentId": 1.5, "parent": null, "customData": {"n": 1, "b": true, "z": null}}]',
    );
    expect(rows).toEqual([
      [1, { code: '123', isVirtual: 'false', openDepartmentId: '1.5', parent: null, customData: { n: 1, b: true, z: null } }],
    ]);
  });

  it('copies __proto__ and constructor keys as plain data into null-prototype objects', async () => {
    const { parsed, records } = await readJson(
      '[{"code": "A", "__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "customData": {"__proto__": {"polluted": true}}}]',
    );
    expect(parsed.columns).toEqual(['code', '__proto__', 'constructor', 'customData']);
    const values = records[0]!.values;
    expect(Object.getPrototypeOf(values)).toBeNull();
    expect(Object.keys(values)).toEqual(['code', '__proto__', 'constructor', 'customData']);
    expect(Object.getPrototypeOf(values['__proto__'])).toBeNull();
    expect(plain(values['__proto__'])).toEqual({ polluted: true });
    expect(values['polluted']).toBeUndefined();
    const customData = values['customData'] as Record<string, unknown>;
    expect(Object.getPrototypeOf(customData)).toBeNull();
    expect(Object.keys(customData)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('readInput: JSON errors and limits', () => {
  const cases: [string, string, number][] = [
    ['V8 reports a position', '[\n  {"code": "A"},\n  {"code" "B"}\n]', 3],
    ['trailing comma', '[\n  {"code": "A"},\n]', 3],
    ['bare word', '[\n  {"code": "A"},\n  {"code": B}\n]', 3],
    ['bad literal', '[\n\n  {"ok": tru}\n]', 3],
    ['unterminated string', '[\n  {"code": "A\n"}]', 2],
    ['missing bracket at the end', '[\n  {"code": "A"},\n  {"code": "B"}\n', 4],
    ['text after the document', '[{"code": "A"}]\n\n{"code": "B"}', 3],
    ['single quotes', "[\n{'code': 'A'}]", 2],
  ];
  for (const [name, input, line] of cases) {
    it(`reports a syntax error with its line: ${name}`, async () => {
      const error = await failure(input);
      expect(error.code).toBe('JSON_SYNTAX_ERROR');
      expect(error.line).toBe(line);
      expect(error.message).toMatch(/the JSON is malformed: .+ \(column \d+\)/);
    });
  }

  it('accepts 64 levels of nesting and rejects 65', async () => {
    // The root array is level 1 and each department object level 2.
    const nested = (levels: number): string => `[\n{"code": "A", "customData": ${'['.repeat(levels)}${']'.repeat(levels)}}]`;
    expect((await readJson(nested(62))).records).toHaveLength(1);
    expect(await failure(nested(63))).toMatchObject({ code: 'INVALID_DOCUMENT', line: 2 });
  });

  it('rejects absurd nesting quickly', async () => {
    const started = performance.now();
    const error = await failure(`{"departments": [{"customData": ${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}}]}`);
    expect(error.code).toBe('INVALID_DOCUMENT');
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe('json-scan helpers', () => {
  it('finds element offsets only in the department list', () => {
    const text = '{"x": [1, 2], "departments": [ {"a": [3]} , "s", 7 ], "organization": [9]}';
    // (shape is checked by the reader; the scanner only finds offsets)
    expect(scanLayout(text, 64).elements).toEqual([text.indexOf('{"a"'), text.indexOf('"s"'), text.indexOf('7 ]')]);
  });

  it('finds no error in valid JSON and the first error otherwise', () => {
    for (const valid of ['[]', '{}', '[1, -2.5e3, "a\\u00e9\\n", true, false, null, {"k": [{}]}]', ' "x" ']) {
      expect(locateJsonError(valid), valid).toBeUndefined();
      expect(() => JSON.parse(valid)).not.toThrow();
    }
    expect(locateJsonError('[1, 2,, 3]')).toMatchObject({ offset: 6 });
    expect(locateJsonError('{"a" 1}')).toMatchObject({ offset: 5 });
    expect(locateJsonError('["a\\x"]')).toMatchObject({ offset: 3 });
  });
});
