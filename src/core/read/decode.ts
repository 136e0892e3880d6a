/**
 * Bytes → text, streamed. UTF-8 (with or without BOM) is the norm; a UTF-16
 * BOM means Excel's "Unicode Text" export. Decoding is fatal: a wrong byte
 * would otherwise become U+FFFD and silently corrupt a department name.
 */
import { FileError } from '../errors.js';
import { LineTracker } from './lines.js';

type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** Picks the encoding from the byte order mark; no BOM means UTF-8. */
function encodingFromBom(head: Uint8Array): Encoding {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

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

function invalidEncoding(encoding: Encoding, line: number): FileError {
  const what = encoding === 'utf-8' ? 'UTF-8' : 'UTF-16';
  return new FileError(
    'INVALID_ENCODING',
    `the file is not valid ${what} text here; save it as "CSV UTF-8" (or UTF-8 text) and try again`,
    line,
    { encoding },
  );
}

/**
 * Decodes a byte stream into text chunks. Throws FileError INVALID_ENCODING
 * (with the physical line) on an invalid byte sequence or a NUL character.
 */
export async function* decodeText(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<string, void, undefined> {
  let head: Uint8Array = new Uint8Array(0);
  let decoder: InstanceType<typeof TextDecoder> | undefined;
  let encoding: Encoding = 'utf-8';
  const lines = new LineTracker();
  // UTF-8 bytes the decoder holds back because the chunk ended mid-character.
  let carry: Uint8Array = new Uint8Array(0);

  const decode = (chunk: Uint8Array | undefined): string => {
    const final = chunk === undefined;
    let text: string;
    try {
      text = final ? decoder!.decode() : decoder!.decode(chunk, { stream: true });
    } catch {
      if (encoding !== 'utf-8') throw invalidEncoding(encoding, lines.line);
      const pending = concat(carry, chunk ?? new Uint8Array(0));
      let bad = findInvalidUtf8(pending, final);
      if (bad === -1) bad = pending.length; // should not happen; point past the chunk
      throw invalidEncoding(encoding, lines.lineIn(bytesAsText(pending.subarray(0, bad)), bad));
    }
    if (encoding === 'utf-8' && chunk !== undefined) {
      carry = incompleteTail(chunk.length >= 3 ? chunk : concat(carry, chunk));
    }
    const nul = text.indexOf('\0');
    if (nul !== -1) {
      throw new FileError('INVALID_ENCODING', 'the file contains a NUL byte; is it binary (for example an Excel workbook)?', lines.lineIn(text, nul), {
        encoding,
      });
    }
    lines.feed(text);
    return text;
  };

  const start = (): void => {
    encoding = encodingFromBom(head);
    // ignoreBOM: false (the default) strips the BOM from the text.
    decoder = new TextDecoder(encoding, { fatal: true });
  };

  for await (const chunk of bytes) {
    if (decoder === undefined) {
      // Wait for 3 bytes: enough to recognise a UTF-8 or UTF-16 BOM.
      head = concat(head, chunk);
      if (head.length < 3) continue;
      start();
      const text = decode(head);
      if (text) yield text;
      continue;
    }
    const text = decode(chunk);
    if (text) yield text;
  }
  if (decoder === undefined) {
    start();
    const text = decode(head);
    if (text) yield text;
  }
  const rest = decode(undefined);
  if (rest) yield rest;
}
