/**
 * One POST of a webhook body. The SSRF guard of the http source applies: a
 * URL on a loopback, private or link-local address is refused, both as a
 * literal and as what its name resolves to at the moment of connecting (so a
 * name that was public when the webhook was added and resolves to 10.x now,
 * DNS rebinding, is refused too). Redirects are not followed (the signed body
 * would go somewhere nobody added), and the answer's body is not read beyond
 * its status.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkLiteralHost, publicOnlyLookup } from '../sources/network.js';
import { SIGNATURE_HEADER, signatureHeader } from './signing.js';

export interface SendResult {
  statusCode: number | null;
  durationMs: number;
  /** Set when the receiver did not answer 2xx (or could not be reached). */
  error: string | null;
}

export interface SendOptions {
  allowPrivateNetworks: boolean;
  timeoutMs: number;
  /** Headers describing the delivery (event, delivery id). */
  headers: Record<string, string>;
}

export async function sendWebhook(urlText: string, secret: string, body: string, opts: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const done = (statusCode: number | null, error: string | null): SendResult => ({ statusCode, durationMs: Math.round(performance.now() - started), error });
  let url: URL;
  try {
    url = new URL(urlText);
    if (!opts.allowPrivateNetworks) checkLiteralHost(url.hostname);
  } catch (err) {
    return done(null, (err as Error).message);
  }
  return new Promise<SendResult>((resolve) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(
      url,
      {
        method: 'POST',
        signal: AbortSignal.timeout(opts.timeoutMs),
        ...(opts.allowPrivateNetworks ? {} : { lookup: publicOnlyLookup }),
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'orgsync-webhooks',
          [SIGNATURE_HEADER]: signatureHeader(secret, body),
          ...opts.headers,
        },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        response.resume(); // drain, unread: a receiver's answer is not ours to store
        response.on('end', () => resolve(done(status, status >= 200 && status < 300 ? null : `HTTP ${status}`)));
        response.on('error', (err) => resolve(done(status, err.message)));
      },
    );
    req.on('error', (err) => resolve(done(null, err.message)));
    req.end(body);
  });
}
