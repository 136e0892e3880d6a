/**
 * The byte cap of a scheduled source, counted on the bytes the import will
 * read: after decompression. A 970 KB gzip answer that inflates to 300 MB
 * (a gzip bomb) is stopped at the cap, not staged whole.
 */
import { FileError } from '../../core/errors.js';
import type { ImportSource } from '../../app/importService.js';

/** ORGSYNC_SOURCE_MAX_BYTES when unset: the default upload limit (ORGSYNC_HTTP_UPLOAD_LIMIT_BYTES). */
export const DEFAULT_SOURCE_MAX_BYTES = 50 * 1024 * 1024;

async function* capped(bytes: AsyncIterable<Uint8Array>, maxBytes: number, name: string): AsyncGenerator<Uint8Array> {
  let seen = 0;
  const iterator = bytes[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      seen += next.value.byteLength;
      if (seen > maxBytes) {
        throw new FileError('FILE_TOO_LARGE', `the source ${name} is larger than ${maxBytes} bytes (ORGSYNC_SOURCE_MAX_BYTES, counted after decompression); nothing was imported`, undefined, {
          limitBytes: maxBytes,
        });
      }
      yield next.value;
    }
  } finally {
    // Stops the download (and the decompression) instead of draining it.
    await iterator.return?.();
  }
}

export function capSource(source: ImportSource, maxBytes: number): ImportSource {
  return { ...source, bytes: capped(source.bytes, maxBytes, source.name) };
}
