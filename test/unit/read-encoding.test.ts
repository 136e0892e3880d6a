/**
 * Encodings and the quirks spreadsheets leave in files: UTF-16 with BOM
 * (Excel "Unicode Text"), UTF-8 with BOM, declared Windows-1252, invalid bytes
 * as file errors with their line, trailing empty rows and columns.
 */
import { describe, expect, it } from 'vitest';
import { FileError } from '../../src/core/errors.js';
import type { SourceRecord } from '../../src/core/model.js';
import { DECODE_PIECE_BYTES, type TextEncoding, decodeText, findInvalidUtf16, parseEncoding } from '../../src/core/read/decode.js';
import { type ReadOptions, readInput } from '../../src/core/read/index.js';

async function* chunked(bytes: Uint8Array, size = 5): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

function utf16(text: string, littleEndian: boolean, bom = true): Uint8Array {
  const out = new Uint8Array((bom ? 2 : 0) + text.length * 2);
  if (bom) out.set(littleEndian ? [0xff, 0xfe] : [0xfe, 0xff]);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    out.set(littleEndian ? [unit & 0xff, unit >> 8] : [unit >> 8, unit & 0xff], (bom ? 2 : 0) + i * 2);
  }
  return out;
}

/** Windows-1252 bytes of text made of Latin-1 characters and the euro sign. */
function cp1252(text: string): Uint8Array {
  return Uint8Array.from([...text].map((ch) => (ch === '€' ? 0x80 : ch.charCodeAt(0))));
}

async function read(bytes: Uint8Array, options: ReadOptions = {}, size = 5) {
  const parsed = await readInput(chunked(bytes, size), { fileName: 'org.csv', ...options });
  const records: SourceRecord[] = [];
  for await (const r of parsed.records) records.push(r);
  return { parsed, rows: records.map((r) => [r.row, { ...r.values }] as const) };
}

async function failure(bytes: Uint8Array, options: ReadOptions = {}, size = 5): Promise<FileError> {
  try {
    await read(bytes, options, size);
  } catch (error) {
    expect(error).toBeInstanceOf(FileError);
    return error as FileError;
  }
  throw new Error('expected the read to fail');
}

async function decodeAll(bytes: Uint8Array, encoding?: TextEncoding, size = 3): Promise<string> {
  let text = '';
  for await (const chunk of decodeText(chunked(bytes, size), { encoding })) text += chunk;
  return text;
}

describe('encodings', () => {
  it('reads Excel "Unicode Text": UTF-16LE with BOM, tab separated, CRLF', async () => {
    const text = 'name\tcode\r\nMüller GmbH\tMG\r\n研发中心\tRD\r\n';
    for (const size of [1, 2, 3, 7, 64]) {
      const { parsed, rows } = await read(utf16(text, true), {}, size);
      expect(parsed.columns).toEqual(['name', 'code']);
      expect(rows).toEqual([
        [2, { name: 'Müller GmbH', code: 'MG' }],
        [3, { name: '研发中心', code: 'RD' }],
      ]);
    }
  });

  it('reads UTF-16BE with BOM, and UTF-16 without BOM when it is declared', async () => {
    const text = 'name,code\nZürich,ZH\n';
    expect((await read(utf16(text, false))).rows).toEqual([[2, { name: 'Zürich', code: 'ZH' }]]);
    expect((await read(utf16(text, true, false), { encoding: 'utf-16le' })).rows).toEqual([[2, { name: 'Zürich', code: 'ZH' }]]);
  });

  it('keeps a character outside the BMP (a surrogate pair) split across chunks', async () => {
    const text = 'name\n𠀋 Team\n';
    for (const size of [1, 3, 5]) expect((await read(utf16(text, true), {}, size)).rows).toEqual([[2, { name: '𠀋 Team' }]]);
  });

  it('reports an unpaired surrogate in UTF-16 as INVALID_ENCODING on its line', async () => {
    const good = utf16('name\nA\nB', true);
    const bad = new Uint8Array(good.length + 6);
    bad.set(good);
    bad.set([0x00, 0xd8, 0x43, 0x00, 0x0a, 0x00], good.length); // lone high surrogate then "C\n", on line 3
    for (const size of [1, 4, 100]) {
      const error = await failure(bad, {}, size);
      expect(error).toMatchObject({ code: 'INVALID_ENCODING', line: 3 });
      expect(error.message).toContain('UTF-16LE');
    }
    expect(findInvalidUtf16(Uint8Array.from([0x41, 0x00, 0x00, 0xdc]), true, true)).toBe(2); // a lone low surrogate
    expect(findInvalidUtf16(Uint8Array.from([0x41, 0x00, 0x42]), true, true)).toBe(2); // an odd trailing byte
    expect(findInvalidUtf16(Uint8Array.from([0x41, 0x00, 0x42]), true, false)).toBe(-1); // ...which may still complete
  });

  it('reads Windows-1252 when declared, with the euro sign and umlauts', async () => {
    const bytes = cp1252('name;code\r\nMüller €;M1\r\nCafé;C1\r\n');
    const { rows } = await read(bytes, { encoding: 'windows-1252' });
    expect(rows).toEqual([
      [2, { name: 'Müller €', code: 'M1' }],
      [3, { name: 'Café', code: 'C1' }],
    ]);
  });

  it('rejects the five bytes Windows-1252 leaves undefined, with the line, never as U+FFFD', async () => {
    for (const byte of [0x81, 0x8d, 0x8f, 0x90, 0x9d]) {
      const bytes = Uint8Array.from([...cp1252('name\r\nok\r\nbad'), byte, 0x0d, 0x0a]);
      const error = await failure(bytes, { encoding: 'windows-1252' }, 4);
      expect(error).toMatchObject({ code: 'INVALID_ENCODING', line: 3 });
      expect(error.message).toContain(`0x${byte.toString(16).toUpperCase()}`);
    }
  });

  it('without --encoding, Windows-1252 bytes are invalid UTF-8: a file error that suggests the flag', async () => {
    const error = await failure(cp1252('name\nok\nMüller\n'));
    expect(error).toMatchObject({ code: 'INVALID_ENCODING', line: 3 });
    expect(error.message).toContain('--encoding windows-1252');
  });

  it('refuses a declared encoding that the byte order mark contradicts', async () => {
    const utf8Bom = Uint8Array.from([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('name\nA\n')]);
    expect(await failure(utf8Bom, { encoding: 'windows-1252' })).toMatchObject({ code: 'INVALID_ENCODING', line: 1 });
    expect(await failure(utf16('name\nA\n', true), { encoding: 'utf-8' })).toMatchObject({ code: 'INVALID_ENCODING', line: 1 });
    expect(await failure(utf16('name\nA\n', true), { encoding: 'utf-16be' })).toMatchObject({ code: 'INVALID_ENCODING' });
    // A matching BOM is fine (and stripped).
    expect((await read(utf8Bom, { encoding: 'utf-8' })).rows).toEqual([[2, { name: 'A' }]]);
  });

  it('strips a UTF-8 BOM split over chunks', async () => {
    const bytes = Uint8Array.from([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('name\nÄ\n')]);
    expect(await decodeAll(bytes, undefined, 1)).toBe('name\nÄ\n');
  });

  it('decodes a large chunk in pieces: no text chunk above 32 K units, characters split at a piece boundary kept whole', async () => {
    // Multi-byte characters and surrogate pairs at every offset around the piece boundaries.
    const line = 'Ä€𠀋 Team, ';
    const text = `name\n${line.repeat(Math.ceil((3 * DECODE_PIECE_BYTES) / line.length))}\n`;
    const cases: [Uint8Array, TextEncoding | undefined][] = [
      [new TextEncoder().encode(text), undefined],
      [Uint8Array.from([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]), undefined],
      [utf16(text, true), undefined],
      [utf16(text, false), undefined],
    ];
    for (const [bytes, encoding] of cases) {
      for (const size of [bytes.length, 256 * 1024, DECODE_PIECE_BYTES + 1]) {
        const chunks: string[] = [];
        for await (const chunk of decodeText(chunked(bytes, size), { encoding })) chunks.push(chunk);
        expect(chunks.join('')).toBe(text);
        expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(DECODE_PIECE_BYTES);
      }
    }
  });

  it('reports an invalid byte beyond the first piece of a large chunk on its line', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `Department ${i}`).join('\n');
    const good = new TextEncoder().encode(`name\n${rows}\n`);
    expect(good.length).toBeGreaterThan(2 * DECODE_PIECE_BYTES);
    const bad = new Uint8Array(good.length + 2);
    bad.set(good);
    bad.set([0xff, 0x0a], good.length); // an invalid byte on line 5002
    const error = await failure(bad, {}, bad.length);
    expect(error).toMatchObject({ code: 'INVALID_ENCODING', line: 5002 });
  });

  it('knows the usual names of the encodings', () => {
    expect(parseEncoding('UTF8')).toBe('utf-8');
    expect(parseEncoding('cp1252')).toBe('windows-1252');
    expect(parseEncoding(' Windows-1252 ')).toBe('windows-1252');
    expect(parseEncoding('UTF-16LE')).toBe('utf-16le');
    expect(parseEncoding('latin9')).toBeUndefined();
  });
});

describe('spreadsheet leftovers', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  it('ignores trailing empty rows and trailing empty columns, also beyond the header', async () => {
    const { parsed, rows } = await read(bytes('name,code,,\nA,a,,\nB,b,,,\n,,,\n\n,,\n'));
    expect(parsed.columns).toEqual(['name', 'code']);
    expect(rows).toEqual([
      [2, { name: 'A', code: 'a' }],
      [3, { name: 'B', code: 'b' }],
    ]);
  });

  it('still refuses a row with a value beyond the header', async () => {
    expect(await failure(bytes('name,code\nA,a,,x\n'))).toMatchObject({ code: 'INCONSISTENT_COLUMNS', line: 2 });
  });

  it('reads a header-only file as no rows (a valid import of nothing)', async () => {
    const { parsed, rows } = await read(bytes('name,code\r\n'));
    expect(parsed.columns).toEqual(['name', 'code']);
    expect(rows).toEqual([]);
  });
});
