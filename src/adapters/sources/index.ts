/** Import sources: a file, the newest file matching a glob, or an HTTP(S) URL. */
import type { SourcesConfig } from '../../config.js';
import type { ImportSource } from '../../app/importService.js';
import { newestMatchingFile } from './directory.js';
import { fileSource } from './file.js';
import { httpSource } from './http.js';
import type { SourceSpec } from './spec.js';

export { fileSource, SourceUnavailableError } from './file.js';
export { TransientSourceError } from './http.js';
export { describeSource, InvalidSourceError, parseSourceSpec, redactSourceUrl, type SourceSpec } from './spec.js';

export function openSource(spec: SourceSpec, config: SourcesConfig): Promise<ImportSource> {
  switch (spec.kind) {
    case 'file':
      return fileSource(spec.path);
    case 'glob':
      return newestMatchingFile(spec.directory, spec.pattern);
    case 'http':
      return httpSource(spec.url, config);
  }
}
