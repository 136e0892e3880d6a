/**
 * The HTTP server's settings (`orgsync serve`), merged into the configuration
 * by config.ts. Kept apart so each file stays about one thing; nothing here
 * reads process.env.
 */
import { z } from 'zod';
import { envFlag } from './core/boolish.js';

const positiveInt = z.coerce.number().int().positive();

export const HttpEnv = {
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  // Loopback by default: exposing the API is a deliberate choice (docker-compose sets 0.0.0.0).
  ORGSYNC_HTTP_HOST: z.string().trim().min(1).default('127.0.0.1'),
  // JSON routes (create department, schedules, approve...) need little; uploads need room.
  ORGSYNC_HTTP_JSON_LIMIT_BYTES: positiveInt.default(256 * 1024),
  ORGSYNC_HTTP_UPLOAD_LIMIT_BYTES: positiveInt.default(50 * 1024 * 1024),
  ORGSYNC_HTTP_RATE_LIMIT: positiveInt.default(600),
  ORGSYNC_HTTP_RATE_WINDOW_SECONDS: positiveInt.default(60),
  // Seconds a server reuses a successful API-token lookup (adapters/http/tokenCache.ts): also how long a
  // revoked token may still be accepted by a server that used it just before. 0: looked up on every request.
  ORGSYNC_HTTP_TOKEN_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(5),
  // The longest `?wait=true&timeout=` an import request may hold its connection.
  ORGSYNC_HTTP_MAX_WAIT_SECONDS: positiveInt.default(60),
  // Signs dashboard session cookies. Unset: a random key per process, so sessions
  // end when the server restarts and do not carry across several server processes.
  ORGSYNC_SESSION_SECRET: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(32, { message: 'must be at least 32 characters' }).optional()),
  ORGSYNC_SESSION_TTL_SECONDS: positiveInt.default(8 * 3600),
  // Behind a TLS-terminating proxy: honour X-Forwarded-* (client ip, https for secure cookies).
  ORGSYNC_HTTP_TRUST_PROXY: envFlag,
  ORGSYNC_ALLOW_SELF_APPROVAL: envFlag,
  // Encrypts the secrets of Authing-style access keys (they must be usable, so not only hashed):
  // 32 random bytes, as 64 hex characters or base64 (`openssl rand -base64 32`).
  ORGSYNC_SECRET_KEY: z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().optional()).transform((v, ctx) => {
    if (v === undefined) return undefined;
    const key = /^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(v) ? Buffer.from(v, 'base64') : undefined;
    if (key?.length === 32) return key;
    ctx.addIssue({ code: 'custom', message: 'must be 32 random bytes as 64 hex characters or base64 (openssl rand -base64 32)' });
    return z.NEVER;
  }),
};

type HttpEnvValues = z.output<z.ZodObject<typeof HttpEnv>>;

export interface HttpConfig {
  port: number;
  host: string;
  jsonBodyLimit: number;
  uploadLimit: number;
  rateLimit: { max: number; windowMs: number };
  /** Seconds a successful token lookup is reused (0: never): the revocation delay. */
  tokenCacheSeconds: number;
  maxWaitSeconds: number;
  sessionSecret: string | undefined;
  sessionTtlSeconds: number;
  trustProxy: boolean;
  /** The token that submitted a held run may approve it too (default false: four eyes). */
  allowSelfApproval: boolean;
  /** ORGSYNC_SECRET_KEY: encrypts Authing access-key secrets (app/secretBox.ts); unset: no such key can be created or used. */
  secretKey: Buffer | undefined;
}

export function httpConfigOf(e: HttpEnvValues): { http: HttpConfig } {
  return {
    http: {
      port: e.PORT,
      host: e.ORGSYNC_HTTP_HOST,
      jsonBodyLimit: e.ORGSYNC_HTTP_JSON_LIMIT_BYTES,
      uploadLimit: e.ORGSYNC_HTTP_UPLOAD_LIMIT_BYTES,
      rateLimit: { max: e.ORGSYNC_HTTP_RATE_LIMIT, windowMs: e.ORGSYNC_HTTP_RATE_WINDOW_SECONDS * 1000 },
      tokenCacheSeconds: e.ORGSYNC_HTTP_TOKEN_CACHE_SECONDS,
      maxWaitSeconds: e.ORGSYNC_HTTP_MAX_WAIT_SECONDS,
      sessionSecret: e.ORGSYNC_SESSION_SECRET,
      sessionTtlSeconds: e.ORGSYNC_SESSION_TTL_SECONDS,
      trustProxy: e.ORGSYNC_HTTP_TRUST_PROXY,
      allowSelfApproval: e.ORGSYNC_ALLOW_SELF_APPROVAL,
      secretKey: e.ORGSYNC_SECRET_KEY,
    },
  };
}
