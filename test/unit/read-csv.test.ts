import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileError } from '../../src/core/errors.js';
import type { SourceRecord } from '../../src/core/model.js';
import { type ReadOptions, readInput } from '../../src/core/read/index.js';

const encoder = new TextEncoder();

/** Feeds `input` in chunks of `size` bytes (7 by default: splits multi-byte characters and CRLFs). */
async function* chunked(input: string | Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function collect(records: AsyncIterable<SourceRecord>): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const record of records) out.push(record);
  return out;
}

/** Reads a CSV fully: columns plus `[row, values-as-plain-object]` pairs. */
async function readCsv(input: string | Uint8Array, options: ReadOptions = {}, chunkSize = 7) {
  const parsed = await readInput(chunked(input, chunkSize), { fileName: 'org.csv', ...options });
  const records = await collect(parsed.records);
  return { parsed, records, rows: records.map((r) => [r.row, { ...r.values }] as const) };
}

/** The FileError a full read fails with, wherever it is thrown (readInput or iteration). */
async function failure(input: string | Uint8Array, options: ReadOptions = {}, chunkSize = 7): Promise<FileError> {
  try {
    await readCsv(input, options, chunkSize);
  } catch (error) {
    expect(error).toBeInstanceOf(FileError);
    return error as FileError;
  }
  throw new Error('expected the read to fail');
}

describe('readInput: CSV basics', () => {
  it('reads a header and records with spreadsheet row numbers', async () => {
    const { parsed, rows } = await readCsv('code,name,parent\nHQ,Head office,\nS1,Sales,HQ\n');
    expect(parsed.format).toBe('csv');
    expect(parsed.columns).toEqual(['code', 'name', 'parent']);
    expect(rows).toEqual([
      [2, { code: 'HQ', name: 'Head office', parent: '' }],
      [3, { code: 'S1', name: 'Sales', parent: 'HQ' }],
    ]);
  });

  it('keeps cells untrimmed but trims header names', async () => {
    const { parsed, rows } = await readCsv(' code , name\n A , Sales \n');
    expect(parsed.columns).toEqual(['code', 'name']);
    expect(rows).toEqual([[2, { code: ' A ', name: ' Sales ' }]]);
  });

  it('strips a UTF-8 BOM and reads CRLF line endings', async () => {
    const { parsed, rows } = await readCsv('\uFEFFcode,name\r\nA,Ünïcødé 部门\r\nB,b\r\n');
    expect(parsed.columns).toEqual(['code', 'name']);
    expect(rows).toEqual([
      [2, { code: 'A', name: 'Ünïcødé 部门' }],
      [3, { code: 'B', name: 'b' }],
    ]);
  });

  it('accepts mixed and old-Mac line endings', async () => {
    const { rows } = await readCsv('code,name\r\nA,a\nB,b\rC,c');
    expect(rows).toEqual([
      [2, { code: 'A', name: 'a' }],
      [3, { code: 'B', name: 'b' }],
      [4, { code: 'C', name: 'c' }],
    ]);
  });

  it('detects a semicolon delimiter (Excel in European locales)', async () => {
    const { parsed, rows } = await readCsv('code;name;note\nA;Sales, EMEA;"x;y"\n');
    expect(parsed.columns).toEqual(['code', 'name', 'note']);
    expect(rows).toEqual([[2, { code: 'A', name: 'Sales, EMEA', note: 'x;y' }]]);
  });

  it('detects a tab delimiter', async () => {
    const { parsed, rows } = await readCsv('code\tname\nA\tSales; EMEA, North\n', { fileName: 'export.tsv' });
    expect(parsed.columns).toEqual(['code', 'name']);
    expect(rows).toEqual([[2, { code: 'A', name: 'Sales; EMEA, North' }]]);
  });

  it('ignores delimiters inside quoted header names when detecting', async () => {
    const { parsed } = await readCsv('"a;b;c",d\n1,2\n');
    expect(parsed.columns).toEqual(['a;b;c', 'd']);
  });

  it('counts a quoted field with embedded newlines as one row', async () => {
    const { rows } = await readCsv('code,description\r\nA,"line 1\r\nline 2\r\nline 3"\r\nB,"x\ny"\nC,plain\n');
    expect(rows).toEqual([
      [2, { code: 'A', description: 'line 1\r\nline 2\r\nline 3' }],
      [3, { code: 'B', description: 'x\ny' }],
      [4, { code: 'C', description: 'plain' }],
    ]);
  });

  it('counts blank lines and empty records as rows without yielding them', async () => {
    const { rows } = await readCsv('code,name\n\nA,a\n,\n   \n  ,  \nB,b\n\n');
    expect(rows).toEqual([
      [3, { code: 'A', name: 'a' }],
      [7, { code: 'B', name: 'b' }],
    ]);
  });

  it('numbers rows from the header even after leading blank lines', async () => {
    const { parsed, rows } = await readCsv('\n\ncode\nA\n');
    expect(parsed.columns).toEqual(['code']);
    expect(rows).toEqual([[4, { code: 'A' }]]);
  });

  it('drops trailing empty header cells and ignores their cells', async () => {
    const { parsed, rows } = await readCsv('code,name,,\nA,a,,\nB,b\nC,c,stray,\n');
    expect(parsed.columns).toEqual(['code', 'name']);
    expect(rows).toEqual([
      [2, { code: 'A', name: 'a' }],
      [3, { code: 'B', name: 'b' }],
      [4, { code: 'C', name: 'c' }],
    ]);
  });

  it('yields no records for a header-only file', async () => {
    for (const input of ['code,name', 'code,name\n', 'code,name\r\n\r\n']) {
      const { parsed, records } = await readCsv(input);
      expect(parsed.columns).toEqual(['code', 'name']);
      expect(records).toEqual([]);
    }
  });

  it('treats an empty or whitespace-only file as no columns and no records', async () => {
    for (const input of ['', '   \n\r\n\t ', '\uFEFF']) {
      const { parsed, records } = await readCsv(input);
      expect(parsed.columns).toEqual([]);
      expect(records).toEqual([]);
    }
  });

  it('builds null-prototype records where __proto__ and constructor are plain columns', async () => {
    const { parsed, records } = await readCsv('__proto__,constructor,prototype\n"{""polluted"":1}",x,y\n');
    expect(parsed.columns).toEqual(['__proto__', 'constructor', 'prototype']);
    const values = records[0]!.values;
    expect(Object.getPrototypeOf(values)).toBeNull();
    expect(Object.keys(values)).toEqual(['__proto__', 'constructor', 'prototype']);
    expect(values['__proto__']).toBe('{"polluted":1}');
    expect(values['constructor']).toBe('x');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('decodes identically whatever the chunk boundaries (multi-byte characters split)', async () => {
    const input = 'code;名前;note\r\n"Å1";"Straße 🏢";"multi\r\nline é"\r\nB;部門;x\r\n';
    const expected = (await readCsv(input, {}, input.length)).rows;
    expect(expected).toEqual([
      [2, { code: 'Å1', 名前: 'Straße 🏢', note: 'multi\r\nline é' }],
      [3, { code: 'B', 名前: '部門', note: 'x' }],
    ]);
    for (let size = 1; size <= 13; size++) expect((await readCsv(input, {}, size)).rows).toEqual(expected);
  });

  it('reads UTF-16 text with a BOM (Excel "Unicode Text")', async () => {
    const text = 'code\tname\r\nA\tVentes é\r\n';
    const le = new Uint8Array(2 + text.length * 2);
    const be = new Uint8Array(2 + text.length * 2);
    le.set([0xff, 0xfe]);
    be.set([0xfe, 0xff]);
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      le.set([unit & 0xff, unit >> 8], 2 + i * 2);
      be.set([unit >> 8, unit & 0xff], 2 + i * 2);
    }
    for (const bytes of [le, be]) {
      const { parsed, rows } = await readCsv(bytes, { fileName: 'export.txt' }, 5);
      expect(parsed.columns).toEqual(['code', 'name']);
      expect(rows).toEqual([[2, { code: 'A', name: 'Ventes é' }]]);
    }
  });

  it('closes the byte source when the caller stops iterating early', async () => {
    let closed = false;
    let pulled = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield encoder.encode('code\n');
        for (let i = 0; ; i++) {
          pulled++;
          yield encoder.encode(`D${i}\n`);
        }
      } finally {
        closed = true;
      }
    }
    const parsed = await readInput(source(), { fileName: 'a.csv' });
    for await (const record of parsed.records) if (record.row === 3) break;
    expect(closed).toBe(true);
    expect(pulled).toBeLessThan(5);
  });
});

describe('readInput: CSV header errors', () => {
  it('rejects duplicate header names, ignoring case and surrounding spaces', async () => {
    const error = await failure('code,name,parent, Name \nA,a,,x\n');
    expect(error.code).toBe('DUPLICATE_HEADER');
    expect(error.line).toBe(1);
    expect(error.message).toContain('columns 2 and 4');
    expect(error.details).toEqual({ name: 'Name', columns: [2, 4] });
  });

  it('rejects an empty header name between named columns', async () => {
    const error = await failure('code,name,,parent\nA,a,,b\n');
    expect(error.code).toBe('EMPTY_HEADER');
    expect(error.line).toBe(1);
    expect(error.message).toContain('column 3 has no name');
  });

  it('reports header errors from readInput itself', async () => {
    await expect(readInput(chunked('a,a\n1,2\n'), { fileName: 'x.csv' })).rejects.toMatchObject({ code: 'DUPLICATE_HEADER' });
  });
});

describe('readInput: CSV syntax errors', () => {
  it('reports an unclosed quote on the line where the quoted field starts', async () => {
    const input = 'code,name\r\nA,"two\r\nlines"\r\nB,"never closed\r\nC,c\r\nD,d\r\n';
    const error = await failure(input);
    expect(error.code).toBe('CSV_SYNTAX_ERROR');
    expect(error.line).toBe(4);
    expect(error.message).toMatch(/closing quote/);
  });

  it('reports an unclosed quote that is not in the first field of a multi-line record', async () => {
    const error = await failure('a,b,c\n1,"x\ny","open\n2,3,4\n');
    expect(error).toMatchObject({ code: 'CSV_SYNTAX_ERROR', line: 3 });
  });

  it('reports a quote inside an unquoted field with its physical line', async () => {
    const error = await failure('code,name\r\nA,"multi\r\nline"\r\nB,5" pipe\r\n');
    expect(error).toMatchObject({ code: 'CSV_SYNTAX_ERROR', line: 4 });
    expect(error.message).toMatch(/quote/);
  });

  it('reports text after a closing quote with its physical line', async () => {
    const error = await failure('code,name\nA,a\nB,"Sales" EMEA\n');
    expect(error).toMatchObject({ code: 'CSV_SYNTAX_ERROR', line: 3 });
  });

  it('reports a record with too many fields', async () => {
    const error = await failure('code,name,parent\nA,a,\nB,b,A,extra\n');
    expect(error).toMatchObject({ code: 'INCONSISTENT_COLUMNS', line: 3 });
    expect(error.message).toContain('this row has 4 fields, the header has 3');
    expect(error.details).toMatchObject({ row: 3, fields: 4, expected: 3 });
  });

  it('reports a record with too few fields on its physical line, not its row number', async () => {
    const error = await failure('code,name,parent\nA,"x\ny",\nB,b\n');
    expect(error).toMatchObject({ code: 'INCONSISTENT_COLUMNS', line: 4 });
    expect(error.details).toMatchObject({ row: 3, fields: 2, expected: 3 });
  });

  it('stops an unclosed quote from swallowing a huge file, still naming its line', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      yield encoder.encode('code,name\r\nA,a\r\nB,"oops\r\n');
      for (let i = 0; i < 1_000_000; i++) {
        pulled++;
        yield encoder.encode(`D${i},${'x'.repeat(1000)}\r\n`);
      }
    }
    const parsed = await readInput(endless(), { fileName: 'big.csv' });
    await expect(collect(parsed.records)).rejects.toMatchObject({ code: 'CSV_SYNTAX_ERROR', line: 3 });
    expect(pulled).toBeLessThan(2000); // about 1 MB, not 1 GB
  });

  it('hands out the records before an error, then throws', async () => {
    const parsed = await readInput(chunked('code\nA\nB\n"C\n', 100), { fileName: 'x.csv' });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const record of parsed.records) seen.push(record.row);
      })(),
    ).rejects.toMatchObject({ code: 'CSV_SYNTAX_ERROR', line: 4 });
    expect(seen).toEqual([2, 3]);
  });
});

describe('readInput: encoding errors', () => {
  const withBytes = (...parts: (string | number[])[]): Uint8Array =>
    new Uint8Array(parts.flatMap((part) => (typeof part === 'string' ? [...encoder.encode(part)] : part)));

  it('names the physical line of an invalid UTF-8 byte, whatever the chunking', async () => {
    const input = withBytes('code,name\r\nA,"x\r\ny"\r\nB,caf', [0xe9], ' latin-1\r\n');
    for (let size = 1; size <= 9; size++) {
      const error = await failure(input, {}, size);
      expect(error).toMatchObject({ code: 'INVALID_ENCODING', line: 4 });
    }
  });

  it('rejects overlong forms, surrogates and a sequence cut off at the end of the file', async () => {
    for (const bad of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]) {
      const error = await failure(withBytes('code\n\nA', bad), {}, 2);
      expect(error).toMatchObject({ code: 'INVALID_ENCODING', line: 3 });
    }
  });

  it('rejects a NUL byte as probably binary', async () => {
    const error = await failure(withBytes('code,name\nA,a\nB,', [0], '\n'));
    expect(error).toMatchObject({ code: 'INVALID_ENCODING', line: 3 });
    expect(error.message).toContain('NUL byte');
  });
});

describe('readInput: maxRows', () => {
  it('accepts exactly maxRows records (blank rows do not count)', async () => {
    const { records } = await readCsv('code\nA\n\nB\n', { maxRows: 2 });
    expect(records.map((r) => r.row)).toEqual([2, 4]);
  });

  it('fails as soon as one record too many is seen, without reading the rest', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      yield encoder.encode('code,name\n');
      for (let i = 0; ; i++) {
        pulled++;
        yield encoder.encode(`D${i},Dept ${i}\n`);
      }
    }
    const parsed = await readInput(endless(), { format: 'csv', maxRows: 3 });
    const seen: number[] = [];
    const error = await (async () => {
      try {
        for await (const record of parsed.records) seen.push(record.row);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toMatchObject({ code: 'ROW_LIMIT_EXCEEDED', line: 5 });
    expect(seen).toEqual([2, 3, 4]);
    expect(pulled).toBeLessThan(10);
  });
});

describe('readInput: format choice', () => {
  const formatOf = async (input: string, options: ReadOptions) => (await readInput(chunked(input), options)).format;

  it('uses the explicit format first, then the extension, then the content', async () => {
    expect(await formatOf('- a: 1\n', { format: 'csv', fileName: 'x.yaml' })).toBe('csv');
    expect(await formatOf('a,b\n', { fileName: 'X.CSV' })).toBe('csv');
    expect(await formatOf('a\tb\n', { fileName: 'x.tsv' })).toBe('csv');
    expect(await formatOf('code: 1\n', { fileName: 'notes.txt' })).toBe('csv');
    expect(await formatOf('code,name\nA,a\n', {})).toBe('csv');
    expect(await formatOf('code,name\nA,a\n', { fileName: 'export.dat' })).toBe('csv');
    expect(await formatOf('#,name\n1,a\n', {})).toBe('csv');
    expect(await formatOf('- code: A\n', { fileName: 'export' })).toBe('yaml');
  });

  it('rejects an unknown format and spreadsheet workbooks', async () => {
    await expect(readInput(chunked('a'), { format: 'xml' as never })).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
    // .xlsx is read (test/unit/xlsx-read.test.ts); older and other workbooks are not.
    await expect(readInput(chunked('PK'), { fileName: 'org.xls' })).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
  });
});

describe('readInput: CSV round trip (property)', () => {
  const special = fc.constantFrom('"', '""', ',', ';', '\t', '\n', '\r\n', '\r', ' ', 'é', '部門', '🏢', '\u00a0');
  const text = fc
    .array(fc.oneof(special, fc.string({ unit: 'grapheme', maxLength: 4 })), { maxLength: 6 })
    .map((parts) => parts.join('').replace(/\0/g, ''));
  const headerName = text.map((s) => s.trim()).filter((s) => s !== '');

  const quote = (cell: string): string => (/[",;\t\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);

  it('reads back what proper CSV quoting wrote, with the right row numbers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .uniqueArray(headerName, { minLength: 1, maxLength: 4, selector: (s) => s.toLowerCase() })
          .chain((header) =>
            fc.record({
              header: fc.constant(header),
              rows: fc.array(fc.array(text, { minLength: header.length, maxLength: header.length }), { maxLength: 6 }),
              delimiter: fc.constantFrom(',', ';', '\t'),
              newline: fc.constantFrom('\n', '\r\n'),
              bom: fc.boolean(),
              chunkSize: fc.integer({ min: 1, max: 64 }),
            }),
          ),
        async ({ header, rows, delimiter, newline, bom, chunkSize }) => {
          const lines = [header, ...rows].map((cells) => cells.map(quote).join(delimiter));
          const input = (bom ? '\uFEFF' : '') + lines.join(newline) + newline;
          const { parsed, rows: read } = await readCsv(input, {}, chunkSize);
          expect(parsed.columns).toEqual(header);
          const expected = rows
            .map((cells, i) => [i + 2, Object.fromEntries(header.map((name, k) => [name, cells[k]]))] as const)
            .filter(([, values]) => Object.values(values).some((cell) => cell!.trim() !== ''));
          expect(read).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
