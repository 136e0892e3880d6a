/**
 * `-` as the file: the import reads standard input. Standard input can be read
 * only once, while an import may be attempted again after a transient fault,
 * so it is read whole first (within the source byte cap, as an upload is) and
 * each attempt gets the same bytes. The format comes from --format or is
 * sniffed from the text: there is no file name to go by.
 */
import { Readable } from 'node:stream';
import type { ImportSource } from '../app/importService.js';
import { FileError } from '../core/errors.js';

export const STDIN_NAME = 'stdin';

export function isStdin(file: string): boolean {
  return file === '-';
}

export async function readStdin(maxBytes: number, input: AsyncIterable<Uint8Array> = process.stdin): Promise<() => ImportSource> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    size += chunk.length;
    if (size > maxBytes) throw new FileError('FILE_TOO_LARGE', `standard input is larger than ${maxBytes} bytes, the most accepted here (ORGSYNC_SOURCE_MAX_BYTES)`);
    chunks.push(Buffer.from(chunk));
  }
  const bytes = Buffer.concat(chunks);
  return () => ({ name: STDIN_NAME, bytes: Readable.from([bytes]) });
}
