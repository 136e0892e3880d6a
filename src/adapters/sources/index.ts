/** Import sources: a file, the newest file matching a glob, or an HTTP(S) URL. */
import type { SourcesConfig } from '../../config.js';
import type { ImportSource } from '../../app/importService.js';
import { capSource, DEFAULT_SOURCE_MAX_BYTES } from './byteCap.js';
import { confinePath } from './confine.js';
import { newestMatchingFile } from './directory.js';
import { fileSource } from './file.js';
import { httpSource } from './http.js';
import type { SourceSpec } from './spec.js';

export { DEFAULT_SOURCE_MAX_BYTES } from './byteCap.js';
export { confinePath, OutsideSourceRootError } from './confine.js';
export { fileSource, SourceUnavailableError } from './file.js';
export { isNonPublicAddress, PrivateAddressError } from './network.js';
export { TransientSourceError } from './http.js';
export { describeSource, InvalidSourceError, parseSourceSpec, redactSourceUrl, type SourceSpec } from './spec.js';

/**
 * Opens a schedule's source, within the configured limits (ORGSYNC_SOURCE_ROOT,
 * ORGSYNC_SOURCE_ALLOW_PRIVATE, ORGSYNC_SOURCE_MAX_BYTES): whatever the kind,
 * reading more than the cap fails FILE_TOO_LARGE.
 */
export async function openSource(spec: SourceSpec, config: SourcesConfig): Promise<ImportSource> {
  return capSource(await openUncapped(spec, config), config.maxBytes ?? DEFAULT_SOURCE_MAX_BYTES);
}

async function openUncapped(spec: SourceSpec, config: SourcesConfig): Promise<ImportSource> {
  switch (spec.kind) {
    case 'file':
      return fileSource(await confinePath(spec.path, config.root));
    case 'glob': {
      // The directory, and then the file chosen in it (which may be a link pointing elsewhere).
      const chosen = await newestMatchingFile(await confinePath(spec.directory, config.root), spec.pattern);
      return fileSource(await confinePath(chosen, config.root));
    }
    case 'http':
      return httpSource(spec.url, config);
  }
}
