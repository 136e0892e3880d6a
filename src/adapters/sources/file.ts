/**
 * A local file as an import source, streamed so a large export never has to fit
 * in one string.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ImportSource } from '../../app/importService.js';
import { OrgsyncError } from '../../core/errors.js';

export class SourceUnavailableError extends OrgsyncError {
  // A string, not the literal: subclasses (outside the source root, a private address) name themselves.
  override readonly name: string = 'SourceUnavailableError';
  constructor(message: string, code: 'SOURCE_UNAVAILABLE' | 'SOURCE_OUTSIDE_ROOT' | 'SOURCE_PRIVATE_ADDRESS' = 'SOURCE_UNAVAILABLE') {
    super(code, message);
  }
}

export async function fileSource(path: string): Promise<ImportSource> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new SourceUnavailableError(`${path} is not a file`);
  } catch (err) {
    if (err instanceof SourceUnavailableError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new SourceUnavailableError(code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path} (${code ?? 'error'})`);
  }
  return { name: path, bytes: createReadStream(path, { highWaterMark: 256 * 1024 }) };
}
