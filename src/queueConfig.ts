/**
 * The queue, worker and source settings of the configuration (see config.ts,
 * which reads the environment once and merges these in). Kept apart so each
 * file stays about one thing; nothing here reads process.env.
 */
import { z } from 'zod';
import { envFlag } from './core/boolish.js';

const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().nonnegative();

/** `{"https://hris.example.com": {"Authorization": "Bearer ..."}}`: headers sent to one origin only. */
const HttpHeadersSchema = z
  .string()
  .trim()
  .default('{}')
  .transform((text, ctx) => {
    try {
      return JSON.parse(text === '' ? '{}' : text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON: {"https://host": {"Header": "value"}}' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string(), z.record(z.string(), z.string())))
  .transform((byUrl, ctx) => {
    const byOrigin: Record<string, Record<string, string>> = {};
    for (const [url, headers] of Object.entries(byUrl)) {
      try {
        byOrigin[new URL(url).origin] = headers;
      } catch {
        // Never echo the value: it holds credentials.
        ctx.addIssue({ code: 'custom', message: 'every key must be an http(s) origin such as https://hris.example.com' });
        return z.NEVER;
      }
    }
    return byOrigin;
  });

export const QueueEnv = {
  // Redis Cluster keeps all keys of one queue in one slot only if they share a
  // hash tag: BullMQ keys are `<prefix>:<queue>:...`, so the tag goes in the prefix.
  ORGSYNC_QUEUE_PREFIX: z
    .string()
    .trim()
    .default('{orgsync}')
    .refine((v) => /\{[^{}]+\}/.test(v) && !v.includes(' '), {
      message: 'must contain a Redis Cluster hash tag in braces, e.g. {orgsync}',
    }),
  ORGSYNC_QUEUE_NAME: z
    .string()
    .trim()
    .default('imports')
    .refine((v) => /^[A-Za-z0-9_.-]+$/.test(v), { message: 'letters, digits, _ . - only' }),
  ORGSYNC_JOB_ATTEMPTS: positiveInt.default(5),
  ORGSYNC_JOB_BACKOFF_MS: positiveInt.default(10_000),
  ORGSYNC_JOB_LOCK_MS: positiveInt.default(30_000),
  ORGSYNC_STALLED_INTERVAL_MS: positiveInt.default(30_000),
  ORGSYNC_MAX_STALLED_COUNT: nonNegativeInt.default(2),
  ORGSYNC_COMPLETED_JOBS_KEEP: nonNegativeInt.default(1000),
  ORGSYNC_COMPLETED_JOBS_MAX_AGE_HOURS: positiveInt.default(24 * 7),
  ORGSYNC_FAILED_JOBS_KEEP: nonNegativeInt.default(5000),
  ORGSYNC_FAILED_JOBS_MAX_AGE_HOURS: positiveInt.default(24 * 30),
  // Each running job pins one of the 10 pooled MySQL connections while it holds
  // (or waits for) its organization's lock; 8 leaves room for everything else.
  ORGSYNC_WORKER_CONCURRENCY: positiveInt.max(8).default(2),
  ORGSYNC_SHUTDOWN_GRACE_SECONDS: positiveInt.default(120),
  ORGSYNC_REQUEUE_INTERVAL_SECONDS: positiveInt.default(60),
  ORGSYNC_REQUEUE_MIN_AGE_SECONDS: nonNegativeInt.default(30),
  ORGSYNC_SOURCE_HTTP_HEADERS: HttpHeadersSchema,
  ORGSYNC_SOURCE_HTTP_TIMEOUT_SECONDS: positiveInt.default(120),
  // File and glob sources must lie under this directory (symbolic links resolved). Unset: anywhere.
  ORGSYNC_SOURCE_ROOT: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z
      .string()
      .trim()
      .refine((v) => v.startsWith('/'), { message: 'must be an absolute path, e.g. /mnt/hr' })
      .optional(),
  ),
  // http(s) sources on loopback, private or link-local addresses are refused unless this is true.
  ORGSYNC_SOURCE_ALLOW_PRIVATE: envFlag,
  // Bytes a source may yield, counted after decompression (a gzip bomb stops here). Unset: the upload limit.
  ORGSYNC_SOURCE_MAX_BYTES: positiveInt.optional(),
};

type QueueEnvValues = z.output<z.ZodObject<typeof QueueEnv>>;

export interface Retention {
  /** How many finished jobs Redis keeps at most. */
  count: number;
  /** And for how long, in seconds (BullMQ's unit). */
  ageSeconds: number;
}

export interface QueueConfig {
  prefix: string;
  name: string;
  attempts: number;
  /** Base of the exponential backoff between attempts. */
  backoffMs: number;
  /** A worker that stops renewing a job's lock for this long is considered dead. */
  lockMs: number;
  stalledIntervalMs: number;
  /** How many times a job may be recovered from a dead worker before it fails. */
  maxStalledCount: number;
  completed: Retention;
  failed: Retention;
}

export interface WorkerConfig {
  concurrency: number;
  shutdownGraceSeconds: number;
  /** How often a worker looks for runs left `queued` with no job in Redis. */
  requeueIntervalSeconds: number;
  /** Younger runs are left alone by that sweep: their submitter may be adding the job right now. */
  requeueMinAgeSeconds: number;
}

export interface SourcesConfig {
  /** Extra request headers by URL origin (an HRIS API token, say). */
  httpHeaders: Readonly<Record<string, Readonly<Record<string, string>>>>;
  httpTimeoutSeconds: number;
  /** File and glob sources must lie under this directory; undefined: anywhere. */
  root: string | undefined;
  /** Whether http(s) sources may be on loopback, private or link-local addresses (an intranet HRIS). */
  allowPrivateNetworks: boolean;
  /** Most bytes a source may yield, after decompression; unset: DEFAULT_SOURCE_MAX_BYTES (50 MiB, the upload limit). */
  maxBytes?: number;
}

export function queueConfigOf(e: QueueEnvValues): { queue: QueueConfig; worker: WorkerConfig; sources: SourcesConfig } {
  return {
    queue: {
      prefix: e.ORGSYNC_QUEUE_PREFIX,
      name: e.ORGSYNC_QUEUE_NAME,
      attempts: e.ORGSYNC_JOB_ATTEMPTS,
      backoffMs: e.ORGSYNC_JOB_BACKOFF_MS,
      lockMs: e.ORGSYNC_JOB_LOCK_MS,
      stalledIntervalMs: e.ORGSYNC_STALLED_INTERVAL_MS,
      maxStalledCount: e.ORGSYNC_MAX_STALLED_COUNT,
      completed: { count: e.ORGSYNC_COMPLETED_JOBS_KEEP, ageSeconds: e.ORGSYNC_COMPLETED_JOBS_MAX_AGE_HOURS * 3600 },
      failed: { count: e.ORGSYNC_FAILED_JOBS_KEEP, ageSeconds: e.ORGSYNC_FAILED_JOBS_MAX_AGE_HOURS * 3600 },
    },
    worker: {
      concurrency: e.ORGSYNC_WORKER_CONCURRENCY,
      shutdownGraceSeconds: e.ORGSYNC_SHUTDOWN_GRACE_SECONDS,
      requeueIntervalSeconds: e.ORGSYNC_REQUEUE_INTERVAL_SECONDS,
      requeueMinAgeSeconds: e.ORGSYNC_REQUEUE_MIN_AGE_SECONDS,
    },
    sources: {
      httpHeaders: e.ORGSYNC_SOURCE_HTTP_HEADERS,
      httpTimeoutSeconds: e.ORGSYNC_SOURCE_HTTP_TIMEOUT_SECONDS,
      root: e.ORGSYNC_SOURCE_ROOT,
      allowPrivateNetworks: e.ORGSYNC_SOURCE_ALLOW_PRIVATE,
      ...(e.ORGSYNC_SOURCE_MAX_BYTES === undefined ? {} : { maxBytes: e.ORGSYNC_SOURCE_MAX_BYTES }),
    },
  };
}
