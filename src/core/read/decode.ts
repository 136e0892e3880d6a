/**
 * Bytes → text, streamed. UTF-8 (with or without BOM) is the norm; a UTF-16
 * BOM means Excel's "Unicode Text" export; Windows-1252 (old Excel "CSV" on
 * Western Windows) only when the user declares it, because any byte sequence
 * is "valid" Windows-1252 and guessing would corrupt UTF-8 files silently.
 * Decoding is fatal: a wrong byte would otherwise become U+FFFD and silently
 * corrupt a department name.
 */
import { FileError } from '../errors.js';
import { LineTracker } from './lines.js';
import { pieces } from './decodePieces.js';

export { DECODE_PIECE_BYTES } from './decodePieces.js';

type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** The encodings a user may declare (`--encoding`); `auto` reads the BOM and defaults to UTF-8. */
export const TEXT_ENCODINGS = ['auto', 'utf-8', 'utf-16le', 'utf-16be', 'windows-1252'] as const;
export type TextEncoding = (typeof TEXT_ENCODINGS)[number];

const ENCODING_ALIASES: Record<string, TextEncoding> = {
  auto: 'auto',
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'utf-16le': 'utf-16le',
  utf16le: 'utf-16le',
  'utf-16be': 'utf-16be',
  utf16be: 'utf-16be',
  'windows-1252': 'windows-1252',
  windows1252: 'windows-1252',
  cp1252: 'windows-1252',
};

/** `UTF8`, `cp1252`, ... → the canonical name; undefined when unknown. */
export function parseEncoding(name: string): TextEncoding | undefined {
  return ENCODING_ALIASES[name.trim().toLowerCase()];
}

export interface DecodeOptions {
  /** Undefined or `auto`: from the BOM, else UTF-8. */
  encoding?: TextEncoding;
}

type Bom = 'utf-8' | 'utf-16le' | 'utf-16be' | undefined;

function bomOf(head: Uint8Array): Bom {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return undefined;
}

const BOM_NAMES: Record<Exclude<Bom, undefined>, string> = { 'utf-8': 'UTF-8', 'utf-16le': 'UTF-16LE', 'utf-16be': 'UTF-16BE' };

/**
 * The encoding to decode with. A BOM that contradicts the declared encoding is
 * an error: it means the declaration is wrong (a file saved as UTF-8 with BOM
 * is not Windows-1252), and decoding anyway would garble every non-ASCII name.
 */
function chooseEncoding(declared: TextEncoding | undefined, head: Uint8Array): Encoding {
  const bom = bomOf(head);
  if (declared === undefined || declared === 'auto') return bom ?? 'utf-8';
  if (bom !== undefined && bom !== declared) {
    throw new FileError(
      'INVALID_ENCODING',
      `the file starts with a ${BOM_NAMES[bom]} byte order mark, but ${declared} was declared; drop --encoding (the mark says what the file is) or re-save the file`,
      1,
      { encoding: declared, bom },
    );
  }
  return declared;
}

/** Bytes Windows-1252 leaves undefined: Microsoft's code page has no character for them. */
const CP1252_UNDEFINED = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Length of the UTF-8 sequence a lead byte announces; 0 for a byte that cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0; // continuation byte, overlong C0/C1, or beyond U+10FFFF
}

/**
 * Offset of the first byte of the first invalid UTF-8 sequence, or -1. A
 * sequence cut off by the end of `bytes` is invalid only when `final`.
 * Only called after TextDecoder has already failed, to say *where*.
 */
export function findInvalidUtf8(bytes: Uint8Array, final: boolean): number {
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    const length = sequenceLength(lead);
    if (length === 0) return i;
    for (let k = 1; k < length; k++) {
      if (i + k >= bytes.length) return final ? i : -1;
      const byte = bytes[i + k]!;
      // The second byte's range is narrower for a few leads: it rules out
      // overlong forms (E0, F0), UTF-16 surrogates (ED) and > U+10FFFF (F4).
      let min = 0x80;
      let max = 0xbf;
      if (k === 1) {
        if (lead === 0xe0) min = 0xa0;
        else if (lead === 0xed) max = 0x9f;
        else if (lead === 0xf0) min = 0x90;
        else if (lead === 0xf4) max = 0x8f;
      }
      if (byte < min || byte > max) return i;
    }
    i += length;
  }
  return -1;
}

/** The bytes of an incomplete UTF-8 sequence at the end of `bytes` (the decoder is holding them). */
function incompleteTail(bytes: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if (byte < 0x80) break; // ASCII: nothing pending
    if (byte >= 0xc0) return sequenceLength(byte) > back ? bytes.subarray(bytes.length - back) : new Uint8Array(0);
  }
  return new Uint8Array(0);
}

/** Line breaks in raw bytes (UTF-8 never uses 0x0A/0x0D inside a multi-byte character). */
function bytesAsText(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += byte === 10 ? '\n' : byte === 13 ? '\r' : 'x';
  return text;
}

const ENCODING_NAMES: Record<Encoding, string> = {
  'utf-8': 'UTF-8',
  'utf-16le': 'UTF-16LE',
  'utf-16be': 'UTF-16BE',
  'windows-1252': 'Windows-1252',
};

function invalidEncoding(encoding: Encoding, line: number, what?: string): FileError {
  const hint =
    encoding === 'windows-1252'
      ? 'it is probably not Windows-1252 (try without --encoding, or --encoding utf-8)'
      : encoding === 'utf-8'
        ? 'save it as "CSV UTF-8" (or UTF-8 text) and try again, or, if it was saved by an older Excel on Windows, import it with --encoding windows-1252'
        : 'save it as "CSV UTF-8" (or UTF-8 text) and try again';
  return new FileError(
    'INVALID_ENCODING',
    `the file is not valid ${ENCODING_NAMES[encoding]} text here${what ? ` (${what})` : ''}; ${hint}`,
    line,
    { encoding },
  );
}

/** Offset of the first byte Windows-1252 leaves undefined, or -1. */
export function findInvalidCp1252(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) if (CP1252_UNDEFINED.has(bytes[i]!)) return i;
  return -1;
}

/**
 * Where UTF-16 decoding fails in `bytes` (2-byte units): the offset of the
 * first unpaired surrogate, or of a trailing odd byte when `final`; -1 if the
 * bytes are fine so far. Only called after TextDecoder has failed, to say where.
 */
export function findInvalidUtf16(bytes: Uint8Array, littleEndian: boolean, final: boolean): number {
  const unit = (i: number): number => (littleEndian ? bytes[i]! | (bytes[i + 1]! << 8) : (bytes[i]! << 8) | bytes[i + 1]!);
  let i = 0;
  for (; i + 1 < bytes.length; i += 2) {
    const u = unit(i);
    if (u >= 0xdc00 && u <= 0xdfff) return i; // a low surrogate with no high one before it
    if (u >= 0xd800 && u <= 0xdbff) {
      if (i + 3 >= bytes.length) return final ? i : -1;
      const next = unit(i + 2);
      if (next < 0xdc00 || next > 0xdfff) return i;
      i += 2;
    }
  }
  return final && i < bytes.length ? i : -1;
}

/** The UTF-16 bytes a streaming decoder holds back: an odd byte and/or a high surrogate at the end. */
function utf16Tail(bytes: Uint8Array, littleEndian: boolean): Uint8Array {
  let end = bytes.length - (bytes.length % 2);
  if (end >= 2) {
    const u = littleEndian ? bytes[end - 2]! | (bytes[end - 1]! << 8) : (bytes[end - 2]! << 8) | bytes[end - 1]!;
    if (u >= 0xd800 && u <= 0xdbff) end -= 2;
  }
  return bytes.subarray(end);
}

function nulByte(line: number, encoding: Encoding): FileError {
  return new FileError('INVALID_ENCODING', 'the file contains a NUL byte; is it binary (for example an Excel workbook)?', line, { encoding });
}

/**
 * Decodes a byte stream into text chunks. Throws FileError INVALID_ENCODING
 * (with the physical line) on an invalid byte sequence or a NUL character.
 */
export async function* decodeText(
  bytes: AsyncIterable<Uint8Array>,
  options: DecodeOptions = {},
): AsyncGenerator<string, void, undefined> {
  let head: Uint8Array = new Uint8Array(0);
  let decoder: InstanceType<typeof TextDecoder> | undefined;
  let encoding: Encoding = 'utf-8';
  const lines = new LineTracker();
  // Bytes the decoder holds back because the chunk ended mid-character.
  let carry: Uint8Array = new Uint8Array(0);

  /** The line of `bad` in `pending` (carry + chunk), decoding the valid prefix to count line breaks. */
  const lineOfByte = (pending: Uint8Array, bad: number): number => {
    if (encoding === 'utf-8') return lines.lineIn(bytesAsText(pending.subarray(0, bad)), bad);
    const prefix = new TextDecoder(encoding).decode(pending.subarray(0, bad));
    return lines.lineIn(prefix, prefix.length);
  };

  const decode = (chunk: Uint8Array | undefined): string => {
    const final = chunk === undefined;
    if (encoding === 'windows-1252' && chunk !== undefined) {
      const bad = findInvalidCp1252(chunk);
      if (bad !== -1) {
        throw invalidEncoding(encoding, lineOfByte(chunk, bad), `byte 0x${chunk[bad]!.toString(16).toUpperCase()} has no character in Windows-1252`);
      }
    }
    let text: string;
    try {
      text = final ? decoder!.decode() : decoder!.decode(chunk, { stream: true });
    } catch {
      const pending = concat(carry, chunk ?? new Uint8Array(0));
      let bad =
        encoding === 'utf-8' ? findInvalidUtf8(pending, final) : encoding === 'windows-1252' ? -1 : findInvalidUtf16(pending, encoding === 'utf-16le', final);
      if (bad === -1) bad = pending.length; // should not happen; point past the chunk
      // A NUL before the bad sequence is the first problem in the file: report that one.
      const nul = encoding === 'utf-8' ? pending.indexOf(0) : -1;
      if (nul !== -1 && nul < bad) throw nulByte(lineOfByte(pending, nul), encoding);
      throw invalidEncoding(encoding, lineOfByte(pending, bad));
    }
    if (chunk !== undefined) {
      if (encoding === 'utf-8') carry = incompleteTail(chunk.length >= 3 ? chunk : concat(carry, chunk));
      else if (encoding !== 'windows-1252') carry = utf16Tail(concat(carry, chunk), encoding === 'utf-16le');
    }
    const nul = text.indexOf('\0');
    if (nul !== -1) throw nulByte(lines.lineIn(text, nul), encoding);
    lines.feed(text);
    return text;
  };

  const start = (): void => {
    encoding = chooseEncoding(options.encoding, head);
    // ignoreBOM: false (the default) strips the BOM from the text (Windows-1252 has none: chooseEncoding refused it).
    decoder = new TextDecoder(encoding, { fatal: true });
  };

  for await (const chunk of bytes) {
    let bytesNow = chunk;
    if (decoder === undefined) {
      // Wait for 3 bytes: enough to recognise a UTF-8 or UTF-16 BOM.
      head = concat(head, chunk);
      if (head.length < 3) continue;
      start();
      bytesNow = head;
    }
    for (const piece of pieces(bytesNow)) {
      const text = decode(piece);
      if (text) yield text;
    }
  }
  if (decoder === undefined) {
    start();
    for (const piece of pieces(head)) {
      const text = decode(piece);
      if (text) yield text;
    }
  }
  const rest = decode(undefined);
  if (rest) yield rest;
}
