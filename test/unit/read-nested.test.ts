/**
 * Nested org charts (YAML/JSON `children:`) and NDJSON: every department
 * becomes one record with the line it starts on and the index of the record
 * it is nested in.
 */
import { describe, expect, it } from 'vitest';
import { FileError } from '../../src/core/errors.js';
import type { SourceRecord } from '../../src/core/model.js';
import { sniffFormat } from '../../src/core/read/detect.js';
import { type ReadOptions, readInput } from '../../src/core/read/index.js';

const encoder = new TextEncoder();

async function* chunked(input: string, size = 7): AsyncGenerator<Uint8Array> {
  const bytes = encoder.encode(input);
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function read(input: string, fileName: string, options: ReadOptions = {}) {
  const parsed = await readInput(chunked(input), { fileName, ...options });
  const records: SourceRecord[] = [];
  for await (const r of parsed.records) records.push(r);
  return {
    parsed,
    records,
    // [row, nestedIn, name or code]
    rows: records.map((r) => [r.row, r.nestedIn ?? null, (r.values.name ?? r.values.code) as string] as const),
  };
}

async function failure(input: string, fileName: string, options: ReadOptions = {}): Promise<FileError> {
  try {
    await read(input, fileName, options);
  } catch (error) {
    expect(error).toBeInstanceOf(FileError);
    return error as FileError;
  }
  throw new Error('expected the read to fail');
}

const YAML_TREE = `organization: acme
departments:
  - name: Company
    code: CO
    children:
      - name: Engineering
        code: 00123
        children:
          - name: Backend
          - name: Frontend
            children: []
      - name: Sales
  - name: Board
`;

describe('nested YAML', () => {
  it('flattens children pre-order, each with its own line and its parent record', async () => {
    const { rows, parsed, records } = await read(YAML_TREE, 'org.yaml');
    expect(rows).toEqual([
      [3, null, 'Company'],
      [6, 0, 'Engineering'],
      [9, 1, 'Backend'],
      [10, 1, 'Frontend'],
      [12, 0, 'Sales'],
      [13, null, 'Board'],
    ]);
    // The children key is structure, not a column; nested codes are never coerced.
    expect(parsed.columns).toEqual(['name', 'code']);
    expect(records[1]!.values.code).toBe('00123');
    expect(Object.keys(records[0]!.values)).toEqual(['name', 'code']);
  });

  it('accepts subDepartments (any case and separators) or the key the caller names', async () => {
    const yaml = '- name: A\n  Sub_Departments:\n    - name: B\n';
    expect((await read(yaml, 'org.yaml')).rows).toEqual([
      [1, null, 'A'],
      [3, 0, 'B'],
    ]);
    const custom = '- name: A\n  Unterabteilungen:\n    - name: B\n';
    const { rows } = await read(custom, 'org.yaml', { isChildrenKey: (k) => k === 'Unterabteilungen' });
    expect(rows).toEqual([
      [1, null, 'A'],
      [3, 0, 'B'],
    ]);
  });

  it('refuses children that are not a list of departments, naming the line', async () => {
    expect(await failure('- name: A\n  children: B\n', 'org.yaml')).toMatchObject({ code: 'INVALID_DOCUMENT', line: 2 });
    const item = await failure('- name: A\n  children:\n    - B\n', 'org.yaml');
    expect(item).toMatchObject({ code: 'INVALID_DOCUMENT', line: 3 });
    expect(item.message).toContain('item 1 of "children"');
    expect(await failure('- name: A\n  children: []\n  subDepartments: []\n', 'org.yaml')).toMatchObject({ code: 'INVALID_DOCUMENT' });
  });

  it('counts nested departments against --max-rows', async () => {
    expect(await failure(YAML_TREE, 'org.yaml', { maxRows: 3 })).toMatchObject({ code: 'ROW_LIMIT_EXCEEDED', line: 10 });
  });
});

describe('nested JSON', () => {
  it('gives nested departments the line their object starts on', async () => {
    const json = `{
  "organization": "acme",
  "departments": [
    { "name": "Company", "code": 42,
      "children": [
        { "name": "Engineering",
          "children": [ { "name": "Backend" }, { "name": "Frontend" } ] },
        { "name": "Sales" }
      ]
    },
    { "name": "Board" }
  ]
}`;
    const { rows, records, parsed } = await read(json, 'org.json');
    expect(rows).toEqual([
      [4, null, 'Company'],
      [6, 0, 'Engineering'],
      [7, 1, 'Backend'],
      [7, 1, 'Frontend'],
      [8, 0, 'Sales'],
      [11, null, 'Board'],
    ]);
    expect(records[0]!.values.code).toBe('42');
    expect(parsed.columns).toEqual(['name', 'code']);
  });

  it('finds lines by path, whatever order JSON.parse gives the keys in', async () => {
    const json = '[\n{"children":\n [\n  {"2": "x", "name": "B",\n   "children": [\n {"name": "C"}]}],\n "name": "A"}\n]';
    expect((await read(json, 'org.json')).rows).toEqual([
      [2, null, 'A'],
      [4, 0, 'B'],
      [6, 1, 'C'],
    ]);
  });

  it('refuses children that are not a list of objects', async () => {
    expect(await failure('[{"name": "A", "children": {"name": "B"}}]', 'org.json')).toMatchObject({ code: 'INVALID_DOCUMENT' });
    // A child that is not an object is reported on the line of the department holding it.
    expect(await failure('[\n{"name": "A",\n "children": [\n "B"]}]', 'org.json')).toMatchObject({ code: 'INVALID_DOCUMENT', line: 2 });
  });
});

describe('NDJSON', () => {
  it('streams one department per line, skipping blank lines, with CRLF or LF', async () => {
    const text = '{"name": "A", "code": 7}\r\n\r\n{"name": "B", "parentCode": "7"}\n{"name": "C", "children": [{"name": "D"}]}\n';
    const { parsed, rows, records } = await read(text, 'export.ndjson');
    expect(parsed.format).toBe('ndjson');
    expect(rows).toEqual([
      [1, null, 'A'],
      [3, null, 'B'],
      [4, null, 'C'],
      [4, 2, 'D'],
    ]);
    expect(records[0]!.values.code).toBe('7');
    expect(parsed.columns).toEqual(['name', 'code', 'parentCode']);
  });

  it('is recognised by extension (.ndjson, .jsonl) and by content', async () => {
    expect((await read('{"name":"A"}\n', 'x.jsonl')).parsed.format).toBe('ndjson');
    expect((await read('{"name":"A"}\n{"name":"B"}\n', 'upload')).parsed.format).toBe('ndjson');
    expect(sniffFormat('{"name":"A"}')).toBe('ndjson');
    expect(sniffFormat('{"departments": []}\n')).toBe('json');
    expect(sniffFormat('{\n  "departments": []\n}')).toBe('json');
    expect(sniffFormat('[{"name":"A"}]')).toBe('json');
  });

  it('reports a malformed line with its line number', async () => {
    const error = await failure('{"name":"A"}\n{"name":"B"}\n{"name": C}\n', 'x.ndjson');
    expect(error).toMatchObject({ code: 'JSON_SYNTAX_ERROR', line: 3 });
    expect(error.message).toMatch(/^line 3: the JSON is malformed/);
  });

  it('refuses a line that is not an object, and counts --max-rows across lines', async () => {
    expect(await failure('{"name":"A"}\n["B"]\n', 'x.ndjson')).toMatchObject({ code: 'INVALID_DOCUMENT', line: 2 });
    expect(await failure('{"name":"A"}\n{"name":"B","children":[{"name":"C"}]}\n', 'x.ndjson', { maxRows: 2 })).toMatchObject({
      code: 'ROW_LIMIT_EXCEEDED',
      line: 2,
    });
  });

  it('keeps keys such as __proto__ as plain data', async () => {
    const { records } = await read('{"name":"A","__proto__":{"polluted":true}}\n', 'x.ndjson');
    expect(Object.hasOwn(records[0]!.values, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
