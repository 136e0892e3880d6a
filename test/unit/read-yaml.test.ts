import { describe, expect, it } from 'vitest';
import { FileError } from '../../src/core/errors.js';
import type { SourceRecord } from '../../src/core/model.js';
import { type ReadOptions, readInput } from '../../src/core/read/index.js';

const encoder = new TextEncoder();

async function* chunked(input: string, size = 7): AsyncGenerator<Uint8Array> {
  const bytes = encoder.encode(input);
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function collect(records: AsyncIterable<SourceRecord>): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const record of records) out.push(record);
  return out;
}

async function readYaml(input: string, options: ReadOptions = {}, chunkSize = 7) {
  const parsed = await readInput(chunked(input, chunkSize), { fileName: 'org.yaml', ...options });
  const records = await collect(parsed.records);
  return { parsed, records };
}

/** Plain-object view for deep equality (the reader builds null-prototype objects). */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

async function failure(input: string, options: ReadOptions = {}): Promise<FileError> {
  try {
    await readYaml(input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(FileError);
    return error as FileError;
  }
  throw new Error('expected the read to fail');
}

describe('readInput: YAML shapes', () => {
  it('reads a list of departments with the line each one starts on', async () => {
    const { parsed, records } = await readYaml(
      ['# org chart', '- code: HQ', '  name: Head office', '', '- code: S1', '  name: Sales', '  parent: HQ', '-', '  code: S2', '  name: Ops'].join('\n'),
    );
    expect(parsed.format).toBe('yaml');
    expect(parsed.columns).toEqual(['code', 'name', 'parent']);
    expect(parsed.organization).toBeUndefined();
    expect(records.map((r) => [r.row, plain(r.values)])).toEqual([
      [2, { code: 'HQ', name: 'Head office' }],
      [5, { code: 'S1', name: 'Sales', parent: 'HQ' }],
      [9, { code: 'S2', name: 'Ops' }],
    ]);
  });

  it('reads the { organization, departments } wrapper with a scalar organization', async () => {
    const { parsed, records } = await readYaml('organization: 007\ndepartments:\n  - code: A\n  - code: B\n');
    expect(parsed.organization).toEqual({ code: '007' });
    expect(records.map((r) => [r.row, plain(r.values)])).toEqual([
      [3, { code: 'A' }],
      [4, { code: 'B' }],
    ]);
  });

  it('reads an organization mapping with code and name', async () => {
    const { parsed, records } = await readYaml('departments: []\norganization:\n  code: acme\n  name: "ACME Corp"\n');
    expect(parsed.organization).toEqual({ code: 'acme', name: 'ACME Corp' });
    expect(records).toEqual([]);
  });

  it('treats an empty document or a comment-only one as no records', async () => {
    for (const input of ['', '# nothing yet\n', '---\n', 'departments:\n', 'departments: ~\n', 'organization: a\ndepartments: []\n']) {
      const { parsed, records } = await readYaml(input);
      expect(parsed.columns).toEqual([]);
      expect(records).toEqual([]);
    }
  });

  it('sniffs YAML without a file name', async () => {
    for (const input of ['- code: A\n', 'departments:\n  - code: A\n', '---\n- code: A\n', '# comment\n\n- code: A\n']) {
      const parsed = await readInput(chunked(input), {});
      expect(parsed.format).toBe('yaml');
      expect((await collect(parsed.records)).map((r) => plain(r.values))).toEqual([{ code: 'A' }]);
    }
  });

  it('rejects documents of any other shape', async () => {
    const cases: [string, number | undefined][] = [
      ['just text\n', 1],
      ['departments: {a: 1}\n', 1],
      ['organization: acme\n', 1],
      ['departments: []\nversion: 2\n', 2],
      ['organization: {code: a, id: 3}\ndepartments: []\n', 1],
    ];
    for (const [input, line] of cases) {
      const error = await failure(input);
      expect(error.code, input).toBe('INVALID_DOCUMENT');
      expect(error.line, input).toBe(line);
    }
  });

  it('names the line of a list item that is not a mapping', async () => {
    const error = await failure('- code: A\n- code: B\n-   just a name\n- code: C\n');
    expect(error).toMatchObject({ code: 'INVALID_DOCUMENT', line: 3 });
    expect(error.message).toContain('item 3');
  });

  it('applies maxRows to the list', async () => {
    expect((await readYaml('- code: A\n- code: B\n', { maxRows: 2 })).records).toHaveLength(2);
    const error = await failure('- code: A\n- code: B\n- code: C\n', { maxRows: 2 });
    expect(error).toMatchObject({ code: 'ROW_LIMIT_EXCEEDED', line: 3 });
  });
});

describe('readInput: YAML values', () => {
  it('never coerces plain top-level scalars: identifiers stay as written', async () => {
    const source = [
      '- a: 00123',
      '  b: 010',
      '  c: 1E3',
      '  d: NO',
      '  e: 12:30',
      '  f: 2024-01-01',
      '  g: true',
      '  h: 0x1F',
      '  i: 3.10',
      '  j: .inf',
      '  k: 123456789012345678901',
      '  l: yes',
      '  m: plain text   # a comment',
    ].join('\n');
    const { records } = await readYaml(source);
    expect(plain(records[0]!.values)).toEqual({
      a: '00123',
      b: '010',
      c: '1E3',
      d: 'NO',
      e: '12:30',
      f: '2024-01-01',
      g: 'true',
      h: '0x1F',
      i: '3.10',
      j: '.inf',
      k: '123456789012345678901',
      l: 'yes',
      m: 'plain text',
    });
  });

  it('maps null, ~, Null, NULL and empty values to null, and keeps quoted scalars as text', async () => {
    const { records } = await readYaml(
      '- a: null\n  b: ~\n  c: Null\n  d: NULL\n  e:\n  f: "null"\n  g: \'010\'\n  h: "00123"\n  i: !!str null\n  j: |\n    multi\n    line\n',
    );
    const values = records[0]!.values;
    expect(values).toMatchObject({ a: null, b: null, c: null, d: null, e: null, f: 'null', g: '010', h: '00123', i: 'null' });
    expect(values['j']).toBe('multi\nline\n');
  });

  it('converts nested values with core-schema types into null-prototype objects', async () => {
    const { records } = await readYaml(
      [
        '- code: A',
        '  i18n:',
        '    name: {en: Sales, fr: Ventes}',
        '  leaderUserIds: [u1, 0042, 12345678901234567890]',
        '  customData: {budget: 1.5, active: true, note: ~, size: 010}',
      ].join('\n'),
    );
    const values = records[0]!.values;
    expect(plain(values)).toEqual({
      code: 'A',
      i18n: { name: { en: 'Sales', fr: 'Ventes' } },
      leaderUserIds: ['u1', 42, '12345678901234567890'],
      customData: { budget: 1.5, active: true, note: null, size: 10 },
    });
    expect(Object.getPrototypeOf(values)).toBeNull();
    const i18n = values['i18n'] as Record<string, unknown>;
    expect(Object.getPrototypeOf(i18n)).toBeNull();
    expect(Object.getPrototypeOf(i18n['name'])).toBeNull();
    expect(Array.isArray(values['leaderUserIds'])).toBe(true);
  });

  it('keeps __proto__, constructor, prototype and << as plain keys', async () => {
    const { parsed, records } = await readYaml(
      [
        '- code: A',
        '  __proto__: {polluted: yes}',
        '  constructor: {prototype: {polluted: yes}}',
        '  prototype: x',
        '  <<: {name: merged}',
        '  customData: {__proto__: {polluted: yes}}',
      ].join('\n'),
    );
    expect(parsed.columns).toEqual(['code', '__proto__', 'constructor', 'prototype', '<<', 'customData']);
    const values = records[0]!.values;
    expect(Object.getPrototypeOf(values)).toBeNull();
    expect(Object.keys(values)).toEqual(['code', '__proto__', 'constructor', 'prototype', '<<', 'customData']);
    expect(plain(values['__proto__'])).toEqual({ polluted: 'yes' });
    expect(values['name']).toBeUndefined();
    expect(Object.getPrototypeOf(values['customData'])).toBeNull();
    expect(Object.keys(values['customData'] as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('expands a few aliases', async () => {
    const { records } = await readYaml('- code: A\n  i18n: &names {en: Sales}\n  tag: &t 007\n- code: B\n  i18n: *names\n  tag: *t\n');
    expect(plain(records[1]!.values)).toEqual({ code: 'B', i18n: { en: 'Sales' }, tag: '007' });
  });

  it('decodes multi-byte text split across chunks', async () => {
    const input = '- code: 部門1\n  name: "Straße 🏢"\n- code: é\n';
    for (const size of [1, 2, 3, 5, 7]) {
      const { records } = await readYaml(input, {}, size);
      expect(records.map((r) => [r.row, plain(r.values)])).toEqual([
        [1, { code: '部門1', name: 'Straße 🏢' }],
        [3, { code: 'é' }],
      ]);
    }
  });
});

describe('readInput: YAML errors and limits', () => {
  it('reports syntax errors with their line', async () => {
    const error = await failure('- code: A\n  name: "unclosed\n- code: B\n  name: [a, b\n');
    expect(error.code).toBe('YAML_SYNTAX_ERROR');
    expect(error.line).toBeGreaterThanOrEqual(2);
    const indent = await failure('- code: A\n  name: x\n bad: y\n');
    expect(indent.code).toBe('YAML_SYNTAX_ERROR');
    expect(indent.line).toBe(3);
  });

  it('reports duplicate keys as a syntax error on the second key', async () => {
    const error = await failure('- code: A\n  name: a\n  code: B\n');
    expect(error).toMatchObject({ code: 'YAML_SYNTAX_ERROR', line: 3 });
    expect(error.message).toContain('twice');
  });

  it('reports keys that only collide as text (1 and "1")', async () => {
    const error = await failure('- 1: a\n  "1": b\n');
    expect(error).toMatchObject({ code: 'YAML_SYNTAX_ERROR', line: 2 });
  });

  it('reports an alias without an anchor and a second document', async () => {
    expect(await failure('- code: A\n  i18n: *missing\n')).toMatchObject({ code: 'YAML_SYNTAX_ERROR', line: 2 });
    expect(await failure('- code: A\n---\n- code: B\n')).toMatchObject({ code: 'YAML_SYNTAX_ERROR', line: 2 });
  });

  it('stops a billion-laughs document fast with TOO_MANY_ALIASES', async () => {
    const lines = ['- code: A', '  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 10; i++) lines.push(`  l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]`);
    const started = performance.now();
    const error = await failure(lines.join('\n'));
    expect(error.code).toBe('TOO_MANY_ALIASES');
    expect(error.line).toBeGreaterThanOrEqual(3);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('counts aliases across the whole document', async () => {
    const items = Array.from({ length: 101 }, (_, i) => `- code: D${i}\n  i18n: *shared`);
    const error = await failure(`- code: A\n  i18n: &shared {en: x}\n${items.join('\n')}\n`);
    expect(error.code).toBe('TOO_MANY_ALIASES');
  });

  it('accepts 64 levels of nesting and rejects 65', async () => {
    // The root list is level 1 and each department level 2, so 62 more levels reach 64.
    const nested = (levels: number): string => `- code: A\n  customData: ${'['.repeat(levels)}${']'.repeat(levels)}\n`;
    const { records } = await readYaml(nested(62));
    expect(records).toHaveLength(1);
    expect(await failure(nested(63))).toMatchObject({ code: 'INVALID_DOCUMENT', line: 2 });
  });

  it('rejects deep block nesting', async () => {
    let source = '- code: A\n  customData:\n';
    for (let i = 0; i < 70; i++) source += `${' '.repeat(4 + 2 * i)}k${i}:\n`;
    expect(await failure(source)).toMatchObject({ code: 'INVALID_DOCUMENT' });
  });

  it('refuses absurd nesting before the YAML library sees it', async () => {
    const started = performance.now();
    const flow = await failure(`- code: A\n  customData: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    expect(flow).toMatchObject({ code: 'INVALID_DOCUMENT', line: 2 });
    const block = await failure(`- a:\n${Array.from({ length: 2_000 }, (_, i) => `${' '.repeat(i + 4)}k:`).join('\n')}\n`);
    expect(block.code).toBe('INVALID_DOCUMENT');
    const compact = await failure(`${'- '.repeat(10_000)}x\n`);
    expect(compact.code).toBe('INVALID_DOCUMENT');
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('is not fooled by brackets in quoted text, comments and block scalars', async () => {
    const deepText = '['.repeat(300);
    const { records } = await readYaml(
      `- code: A\n  name: "${deepText}"\n  note: '${deepText}'\n  # ${deepText}\n  description: |\n    ${deepText}\n`,
    );
    expect(records[0]!.values['name']).toBe(deepText);
    expect(records[0]!.values['description']).toBe(`${deepText}\n`);
  });
});
