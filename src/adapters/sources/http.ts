/**
 * An HTTP(S) export as an import source. Headers (an HRIS API token) come
 * from configuration, by origin, so they are never stored in Redis or MySQL
 * nor sent to another host after a redirect to it.
 */
import { extname } from 'node:path';
import type { SourcesConfig } from '../../config.js';
import type { ImportSource } from '../../app/importService.js';
import { SourceUnavailableError } from './file.js';
import { redactSourceUrl } from './spec.js';

/** The server or the network failed in a way a later attempt may not: retry. */
export class TransientSourceError extends Error {
  override readonly name = 'TransientSourceError';
}

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

const EXTENSION_BY_TYPE: Record<string, string> = {
  'text/csv': '.csv',
  'application/json': '.json',
  'application/x-ndjson': '.ndjson',
  'application/yaml': '.yaml',
  'application/x-yaml': '.yaml',
  'text/yaml': '.yaml',
};

/** Origin + path (never the query), with an extension from Content-Type when the path has none: the reader detects formats by name. */
function sourceName(url: URL, contentType: string | null): string {
  const name = `${url.origin}${url.pathname}`;
  if (extname(url.pathname) !== '') return name;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return `${name}${EXTENSION_BY_TYPE[type] ?? ''}`;
}

export async function httpSource(urlText: string, config: SourcesConfig): Promise<ImportSource> {
  const url = new URL(urlText);
  const shown = redactSourceUrl(urlText);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { ...config.httpHeaders[url.origin] },
      // Do not follow redirects blindly: a redirect to another origin would
      // receive the token meant for this one.
      redirect: 'manual',
      signal: AbortSignal.timeout(config.httpTimeoutSeconds * 1000),
    });
  } catch (err) {
    throw new TransientSourceError(`cannot fetch ${shown}: ${(err as Error).message}`, { cause: err });
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    throw new SourceUnavailableError(`${shown} redirects (HTTP ${response.status}); configure the final URL instead`);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    const message = `fetching ${shown} failed: HTTP ${response.status} ${response.statusText}`;
    throw RETRYABLE_STATUS.has(response.status) ? new TransientSourceError(message) : new SourceUnavailableError(message);
  }
  return { name: sourceName(url, response.headers.get('content-type')), bytes: response.body as AsyncIterable<Uint8Array> };
}
