/**
 * The rate limit per client address BEFORE authentication. The per-token
 * limit (app.ts) can only count a request once its token is known good, so a
 * client guessing tokens was never limited at all (issue 11, item 9). Here
 * every request that fails authentication (a missing, wrong or revoked token;
 * a refused dashboard login) counts against its address, and once an address
 * has used up its budget in the window, its requests are refused with 429
 * before their token is even looked up (no database work for a guesser).
 *
 * Requests that authenticate do not count here: many good clients behind one
 * address (a NAT, a proxy) are limited per token, not together.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

export interface AddressLimit {
  /** Throws 429 when the request's address has used up its budget of failed authentications. */
  check(request: FastifyRequest): void;
  /** Counts one failed authentication of the request's address. */
  recordFailure(request: FastifyRequest): void;
}

/** Addresses remembered at once; the oldest window is forgotten first (a flood of addresses cannot grow memory). */
const MAX_ADDRESSES = 10_000;

export function addressLimit(max: number, windowMs: number, now: () => number = Date.now): AddressLimit {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const current = (address: string) => {
    const window = windows.get(address);
    if (window && window.resetAt > now()) return window;
    if (window) windows.delete(address);
    return undefined;
  };
  return {
    check(request) {
      const window = current(request.ip);
      if (window && window.count >= max) {
        const seconds = Math.max(1, Math.ceil((window.resetAt - now()) / 1000));
        throw new ApiError(429, 'RATE_LIMITED', `Too many requests without a valid token from this address; retry in ${seconds} seconds.`, {
          limit: max,
          retry_after: `${seconds} seconds`,
        }).withHeaders({ 'retry-after': String(seconds) });
      }
    },
    recordFailure(request) {
      const window = current(request.ip);
      if (window) {
        window.count++;
        return;
      }
      if (windows.size >= MAX_ADDRESSES) windows.delete(windows.keys().next().value!);
      windows.set(request.ip, { count: 1, resetAt: now() + windowMs });
    },
  };
}
