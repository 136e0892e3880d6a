/**
 * Where a scheduled sync reads its input, written as one string (the
 * `--source` of `orgsync schedule add`):
 * - `https://hris.example.com/export/departments.csv`: fetched over HTTP(S),
 *   with the headers configured for that origin (ORGSYNC_SOURCE_HTTP_HEADERS);
 * - `/mnt/hr/exports/departments-*.csv`: the newest file matching a glob in
 *   the last path segment (`*`, `?`, `[abc]`), for exports dropped daily;
 * - `/mnt/hr/departments.csv`: one file (a mounted share).
 */
import { basename, dirname } from 'node:path';
import { OrgsyncError } from '../../core/errors.js';

export type SourceSpec =
  | { kind: 'file'; path: string }
  | { kind: 'glob'; directory: string; pattern: string }
  | { kind: 'http'; url: string };

export class InvalidSourceError extends OrgsyncError {
  override readonly name = 'InvalidSourceError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INVALID_SOURCE', message, { ...options });
  }
}

const GLOB_CHARS = /[*?[]/;

export function parseSourceSpec(text: string): SourceSpec {
  const source = text.trim();
  if (source === '') throw new InvalidSourceError('the source is empty: give a file, a directory glob or an http(s) URL');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    let url: URL;
    try {
      url = new URL(source);
    } catch {
      throw new InvalidSourceError('the source is not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidSourceError(`unsupported source protocol "${url.protocol}": use http(s), or a path`);
    }
    // A schedule's source is stored in Redis as given: credentials belong in
    // ORGSYNC_SOURCE_HTTP_HEADERS on the workers, never in the URL.
    if (url.username !== '' || url.password !== '') {
      throw new InvalidSourceError('the URL holds credentials (user:password@): put them in ORGSYNC_SOURCE_HTTP_HEADERS on the workers instead');
    }
    return { kind: 'http', url: url.toString() };
  }
  const directory = dirname(source);
  if (GLOB_CHARS.test(directory)) {
    throw new InvalidSourceError('only the file name may contain glob characters (*, ?, [...]), not the directory');
  }
  return GLOB_CHARS.test(basename(source)) ? { kind: 'glob', directory, pattern: basename(source) } : { kind: 'file', path: source };
}

/**
 * A URL safe to store and log: no user info, and query values masked (API
 * tokens often travel as `?token=...`). Paths pass through.
 */
export function redactSourceUrl(text: string): string {
  try {
    const url = new URL(text);
    url.username = '';
    url.password = '';
    for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, '***');
    return url.toString();
  } catch {
    return '<invalid url>';
  }
}

/** The source as it may appear in logs, `schedule list` and the run history. */
export function describeSource(spec: SourceSpec): string {
  if (spec.kind === 'http') return redactSourceUrl(spec.url);
  return spec.kind === 'glob' ? `${spec.directory}/${spec.pattern}` : spec.path;
}
