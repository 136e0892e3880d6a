/**
 * Just enough of the zip format to read a workbook held in memory: the
 * central directory (which, unlike the local headers, has trustworthy sizes)
 * and one entry at a time, inflated in bounded chunks by fflate.
 *
 * Workbooks are read from their compressed bytes (small) rather than streamed
 * entry by entry, because Excel writes the sheets before the shared strings
 * and styles they need; inflating a sheet is streamed, so the decompressed
 * XML is never held whole. Zip bombs are bounded by construction: the number
 * of entries, the declared size and ratio of each entry, and the bytes an
 * entry really inflates to (never more than it declared).
 */
import { Inflate, inflateSync } from 'fflate';
import { FileError } from '../../errors.js';

export interface ZipEntry {
  name: string;
  method: number;
  encrypted: boolean;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** A workbook has a dozen parts; thousands mean a crafted file. */
export const MAX_ENTRIES = 10_000;
/** Decompressed bytes of one part: a full 1,048,576-row sheet of a few columns fits. */
export const MAX_ENTRY_BYTES = 1024 * 2 ** 20;
/** Real sheets compress 5-50x; a bomb compresses by 1000x. */
export const MAX_RATIO = 200;
/** Below this, ratios are not checked: tiny parts (an empty sheet) compress by any ratio. */
const RATIO_FLOOR = 1024 * 1024;
const CHUNK = 64 * 1024;

export function corrupt(what: string): FileError {
  return new FileError('CORRUPT_WORKBOOK', `the workbook is damaged (${what}); open it in Excel, save it again as .xlsx and import that file`);
}

function zipBomb(name: string, why: string): FileError {
  return new FileError('CORRUPT_WORKBOOK', `the workbook part "${name}" ${why}; this looks like a zip bomb, not a spreadsheet, so it was not read`, undefined, {
    part: name,
  });
}

/** Reads the central directory; every entry's offsets are checked against the file. */
export function listEntries(bytes: Uint8Array): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd === -1) throw corrupt('the zip directory at its end is missing; the file may be cut off');
  const count = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  if (count === 0xffff || at === 0xffffffff) throw corrupt('it uses the zip64 extension, which workbooks under 4 GB never need');
  if (count > MAX_ENTRIES) throw zipBomb('(directory)', `lists ${count} parts, more than the ${MAX_ENTRIES} allowed`);
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder();
  for (let n = 0; n < count; n++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50) throw corrupt('a zip directory entry is unreadable');
    const nameLength = view.getUint16(at + 28, true);
    const skip = nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    const entry: ZipEntry = {
      name: decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      encrypted: (view.getUint16(at + 8, true) & 1) === 1,
      method: view.getUint16(at + 10, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      localOffset: view.getUint32(at + 42, true),
    };
    entries.set(entry.name, entry);
    at += 46 + skip;
  }
  return entries;
}

function checkBounds(entry: ZipEntry, limit: number): void {
  if (entry.encrypted) {
    throw new FileError('ENCRYPTED_WORKBOOK', 'the workbook is password-protected; remove the password in Excel (File > Info > Protect Workbook) and import it again');
  }
  if (entry.method !== 0 && entry.method !== 8) throw corrupt(`part "${entry.name}" uses zip method ${entry.method}`);
  if (entry.size > limit) throw zipBomb(entry.name, `unpacks to ${entry.size} bytes, more than the ${limit} allowed`);
  if (entry.size > RATIO_FLOOR && entry.size > entry.compressedSize * MAX_RATIO) {
    throw zipBomb(entry.name, `unpacks to ${Math.round(entry.size / Math.max(1, entry.compressedSize))} times its packed size`);
  }
}

function compressedData(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== 0x04034b50) throw corrupt(`part "${entry.name}" cannot be found`);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + entry.compressedSize > bytes.length) throw corrupt(`part "${entry.name}" is cut off`);
  return bytes.subarray(start, start + entry.compressedSize);
}

/** A small part (workbook, styles, relationships), inflated whole. */
export function readEntry(bytes: Uint8Array, entry: ZipEntry, limit = MAX_ENTRY_BYTES): Uint8Array {
  checkBounds(entry, limit);
  const data = compressedData(bytes, entry);
  let out: Uint8Array;
  try {
    out = entry.method === 0 ? data : inflateSync(data, { out: new Uint8Array(entry.size) });
  } catch {
    throw corrupt(`part "${entry.name}" does not unpack`);
  }
  if (out.length !== entry.size) throw corrupt(`part "${entry.name}" is not the size its directory says`);
  return out;
}

/**
 * A large part (a sheet), inflated 64 KB of input at a time. The bytes out
 * may never exceed the size the directory declared, and that size was bounded.
 */
export function* streamEntry(bytes: Uint8Array, entry: ZipEntry, limit = MAX_ENTRY_BYTES): Generator<Uint8Array, void, undefined> {
  checkBounds(entry, limit);
  const data = compressedData(bytes, entry);
  if (entry.method === 0) {
    for (let i = 0; i < data.length; i += CHUNK) yield data.subarray(i, i + CHUNK);
    return;
  }
  let pending: Uint8Array[] = [];
  let total = 0;
  const inflater = new Inflate((chunk) => {
    total += chunk.length;
    if (total > entry.size) throw zipBomb(entry.name, 'unpacks to more bytes than its directory says');
    pending.push(chunk);
  });
  for (let i = 0; i < data.length; i += CHUNK) {
    try {
      inflater.push(data.subarray(i, i + CHUNK), i + CHUNK >= data.length);
    } catch (error) {
      if (error instanceof FileError) throw error;
      throw corrupt(`part "${entry.name}" does not unpack`);
    }
    const ready = pending;
    pending = [];
    yield* ready;
  }
  if (total !== entry.size) throw corrupt(`part "${entry.name}" is not the size its directory says`);
}
