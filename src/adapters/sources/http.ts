/**
 * An HTTP(S) export as an import source. Headers (an HRIS API token) come
 * from configuration, by origin, so they are never stored in Redis or MySQL
 * nor sent to another host after a redirect to it.
 *
 * Made with node:http(s) rather than fetch so the connection's DNS lookup can
 * be checked (network.ts): loopback and private addresses are refused unless
 * the configuration allows them.
 */
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { extname } from 'node:path';
import { pipeline } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { SourcesConfig } from '../../config.js';
import type { ImportSource } from '../../app/importService.js';
import { SourceUnavailableError } from './file.js';
import { checkLiteralHost, PrivateAddressError, publicOnlyLookup } from './network.js';
import { redactSourceUrl } from './spec.js';
import { OrgsyncError } from '../../core/errors.js';

/** The server or the network failed in a way a later attempt may not: retry. */
export class TransientSourceError extends OrgsyncError {
  override readonly name = 'TransientSourceError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('SOURCE_TEMPORARILY_UNAVAILABLE', message, { ...options, transient: true });
  }
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
function sourceName(url: URL, contentType: string | undefined): string {
  const name = `${url.origin}${url.pathname}`;
  if (extname(url.pathname) !== '') return name;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return `${name}${EXTENSION_BY_TYPE[type] ?? ''}`;
}

function get(url: URL, headers: Record<string, string>, signal: AbortSignal, publicOnly: boolean): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, { method: 'GET', headers, signal, ...(publicOnly ? { lookup: publicOnlyLookup } : {}) }, resolve);
    req.on('error', reject); // after the response too: the body stream carries those errors
    req.end();
  });
}

/** The body, decompressed when the server compressed it (we accept what fetch accepted). */
function bodyOf(response: IncomingMessage): AsyncIterable<Uint8Array> {
  const encoding = (response.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
  return decoder ? pipeline(response, decoder, () => undefined) : response;
}

export async function httpSource(urlText: string, config: SourcesConfig): Promise<ImportSource> {
  const url = new URL(urlText);
  const shown = redactSourceUrl(urlText);
  const publicOnly = !config.allowPrivateNetworks;
  if (publicOnly) checkLiteralHost(url.hostname);
  const headers = { 'accept-encoding': 'gzip, deflate, br', ...config.httpHeaders[url.origin] };
  let response: IncomingMessage;
  try {
    response = await get(url, headers, AbortSignal.timeout(config.httpTimeoutSeconds * 1000), publicOnly);
  } catch (err) {
    if (err instanceof PrivateAddressError) throw err;
    throw new TransientSourceError(`cannot fetch ${shown}: ${(err as Error).message}`, { cause: err });
  }
  const status = response.statusCode ?? 0;
  if (status >= 300 && status < 400) {
    response.destroy();
    // Do not follow redirects blindly: a redirect to another origin would receive the token meant for this one.
    throw new SourceUnavailableError(`${shown} redirects (HTTP ${status}); configure the final URL instead`);
  }
  if (status < 200 || status >= 300) {
    response.destroy();
    const message = `fetching ${shown} failed: HTTP ${status} ${response.statusMessage ?? ''}`.trimEnd();
    throw RETRYABLE_STATUS.has(status) ? new TransientSourceError(message) : new SourceUnavailableError(message);
  }
  return { name: sourceName(url, response.headers['content-type']), bytes: bodyOf(response), remote: true };
}
