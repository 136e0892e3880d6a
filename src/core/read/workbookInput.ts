/**
 * Binary spreadsheet containers, recognised by their first bytes whatever the
 * file is called: a zip (an .xlsx, or an .ods) or an OLE compound file (an old
 * .xls, or an .xlsx that Excel encrypted with a password). Text formats never
 * start with these bytes.
 */
import { FileError } from '../errors.js';
import type { SourceRecord } from '../model.js';

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
/** The packed workbook is held in memory (its parts are read out of order); 256 MB packs ~10 M cells. */
export const MAX_WORKBOOK_BYTES = 256 * 2 ** 20;

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

const startsWith = (head: Uint8Array, magic: readonly number[]): boolean => magic.every((b, i) => head[i] === b);

export function isWorkbookContainer(head: Uint8Array): boolean {
  return startsWith(head, ZIP_MAGIC) || startsWith(head, OLE_MAGIC) || (head.length >= 2 && head[0] === 0x50 && head[1] === 0x4b && head.length < 4);
}

/** UTF-16LE name of a stream in an OLE directory: how Office marks what the container holds. */
function holdsStream(bytes: Uint8Array, name: string): boolean {
  const pattern = new Uint8Array(name.length * 2);
  for (let i = 0; i < name.length; i++) pattern[i * 2] = name.charCodeAt(i);
  outer: for (let i = 0; i + pattern.length <= bytes.length; i++) {
    for (let k = 0; k < pattern.length; k++) if (bytes[i + k] !== pattern[k]) continue outer;
    return true;
  }
  return false;
}

function oleError(bytes: Uint8Array): FileError {
  if (holdsStream(bytes, 'EncryptionInfo') || holdsStream(bytes, 'EncryptedPackage')) {
    return new FileError(
      'ENCRYPTED_WORKBOOK',
      'the workbook is password-protected; open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt with Password, clear it), save, and import it again',
    );
  }
  if (holdsStream(bytes, 'Workbook') || holdsStream(bytes, 'Book')) {
    return new FileError('UNSUPPORTED_FORMAT', 'this is an old Excel 97-2003 workbook (.xls); save it as Excel Workbook (.xlsx) or "CSV UTF-8" and import that file');
  }
  return new FileError('UNSUPPORTED_FORMAT', 'this is a Microsoft Office (OLE) file, not a spreadsheet orgsync reads; save it as .xlsx or "CSV UTF-8"');
}

export interface Peeked {
  head: Uint8Array;
  /** The head again, then the rest of the bytes. */
  bytes: AsyncIterable<Uint8Array>;
}

/** Reads the first chunk(s), at least 8 bytes unless the input is shorter. */
export async function peek(source: AsyncIterable<Uint8Array>): Promise<Peeked> {
  const iterator = source[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let done = false;
  while (size < 8) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    chunks.push(next.value);
    size += next.value.length;
  }
  const head = concat(chunks, size);
  async function* bytes(): AsyncGenerator<Uint8Array, void, undefined> {
    let finished = done;
    try {
      if (head.length > 0) yield head;
      while (!finished) {
        const next = await iterator.next();
        if (next.done) finished = true;
        else yield next.value;
      }
    } finally {
      if (!finished) await iterator.return?.();
    }
  }
  return { head, bytes: bytes() };
}

export interface WorkbookInput {
  sheet: string;
  columns: string[];
  records: AsyncIterable<SourceRecord>;
}

/** Reads a whole workbook container (bounded) and opens the chosen sheet. */
export async function readWorkbook(source: AsyncIterable<Uint8Array>, options: { sheet?: string; maxRows?: number }): Promise<WorkbookInput> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > MAX_WORKBOOK_BYTES) {
      throw new FileError('FILE_TOO_LARGE', `this workbook is larger than ${MAX_WORKBOOK_BYTES / 2 ** 20} MB; split it, or save the sheet as "CSV UTF-8", which is streamed`);
    }
    chunks.push(chunk);
  }
  const bytes = concat(chunks, size);
  if (startsWith(bytes, OLE_MAGIC)) throw oleError(bytes);
  if (!startsWith(bytes, ZIP_MAGIC)) {
    throw new FileError('CORRUPT_WORKBOOK', 'the file is named as an Excel workbook but is not one (it does not start as a zip archive); open it in Excel and save it again as .xlsx');
  }
  // Loaded here, not with the reader: the zip and XML modules (and fflate) are no part of a CSV import's start-up.
  const { readXlsx } = await import('./xlsx.js');
  return readXlsx(bytes, options);
}
