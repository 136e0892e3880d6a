/**
 * Bearer-token authentication with a short-lived in-process cache of
 * successful lookups.
 *
 * Every authenticated request used to read its token (and the token's
 * organization) from the database: one statement per request, about a tenth
 * of a department create's Node CPU (mysql2 and knex work plus the socket
 * write), for an answer that almost never changes. A token that authenticated
 * is remembered for ORGSYNC_HTTP_TOKEN_CACHE_SECONDS (default 5; 0 turns the
 * cache off), so a client sending many requests pays the lookup once per TTL.
 *
 * The price is the revocation delay: `orgsync token revoke` runs in another
 * process and writes only the database, so a server that authenticated the
 * token less than TTL seconds ago keeps accepting it until its entry expires
 * (docs/operations.md, "API token cache"). Nothing else a cached entry holds
 * can go stale: organizations are never renamed, re-scoped or deleted, and a
 * token's role and organization never change.
 *
 * - The key is the SHA-256 of the whole presented token (id and secret), so a
 *   wrong secret for a cached token id is a different key and goes to the
 *   database (and fails there); the secret itself is not kept.
 * - The entry is the token's own principal and organization: the organization
 *   scope check (auth.ts) still runs on every request against the path's
 *   organization, so a cached entry never lets a token into another one.
 * - Only successes are cached. Failures keep counting against the client's
 *   address (addressLimit.ts) and are looked up every time.
 * - Bounded: at most MAX_ENTRIES tokens; the oldest entry goes first.
 */
import { hash } from 'node:crypto';
import { authenticateToken } from '../../app/tokens.js';
import type { Repositories } from '../../app/ports.js';

export type Authenticated = NonNullable<Awaited<ReturnType<typeof authenticateToken>>>;

/** The principal and organization a presented bearer token stands for, or undefined. */
export type Authenticate = (token: string) => Promise<Authenticated | undefined>;

/** Tokens remembered at once: far more than the clients of one server, and a few hundred KB at most. */
export const MAX_ENTRIES = 1_000;

interface Entry {
  found: Authenticated;
  expiresAt: number;
}

export interface TokenCacheOptions {
  /** Seconds a successful lookup is reused; 0: every request reads the database. */
  ttlSeconds: number;
  maxEntries?: number;
  /** The clock (tests). */
  now?: () => number;
}

// crypto.hash: the one-shot form, a quarter of createHash's cost for a string this short.
const keyOf = (token: string): string => hash('sha256', token, 'base64');

/** authenticateToken, remembered for `ttlSeconds` after each success. */
export function cachedAuthentication(repos: Pick<Repositories, 'tokens'>, options: TokenCacheOptions): Authenticate {
  const ttlMs = options.ttlSeconds * 1000;
  if (ttlMs <= 0) return (token) => authenticateToken(repos, token);
  const maxEntries = options.maxEntries ?? MAX_ENTRIES;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  return async (token) => {
    const key = keyOf(token);
    const entry = entries.get(key);
    if (entry !== undefined) {
      if (entry.expiresAt > now()) return entry.found;
      entries.delete(key);
    }
    const found = await authenticateToken(repos, token);
    if (found === undefined) return undefined;
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
    // Frozen: every request of the token shares these objects.
    Object.freeze(found.principal);
    if (found.organization) Object.freeze(found.organization);
    entries.set(key, { found: Object.freeze(found), expiresAt: now() + ttlMs });
    return found;
  };
}
