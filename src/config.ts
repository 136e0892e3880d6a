/**
 * Configuration, read and validated once at start-up. Nothing else in the code
 * reads process.env: entry points call loadConfig() and pass the result down.
 */
import { z } from 'zod';
import { DEFAULT_MAX_ROWS_PER_RUN } from './core/rowLimit.js';
import { HttpEnv, httpConfigOf, type HttpConfig } from './httpConfig.js';
import { QueueEnv, queueConfigOf, type QueueConfig, type SourcesConfig, type WorkerConfig } from './queueConfig.js';
import { OrgsyncError } from './core/errors.js';
import { WebhookEnv, webhookConfigOf, type WebhookConfig } from './webhookConfig.js';

export type { QueueConfig, SourcesConfig, WorkerConfig } from './queueConfig.js';
export type { HttpConfig } from './httpConfig.js';
export type { WebhookConfig } from './webhookConfig.js';

const EnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || /^(mysql2?|mariadb):\/\//.test(v), {
      message: 'must be a mysql:// URL (leave it unset for the embedded SQLite database)',
    }),
  ORGSYNC_SQLITE_PATH: z.string().trim().min(1).default('.orgsync/orgsync.sqlite'),
  REDIS_URL: z.string().trim().min(1).default('redis://127.0.0.1:6379'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ORGSYNC_LOCK_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(600),
  ORGSYNC_RUN_LEASE_SECONDS: z.coerce.number().int().positive().max(86_400).default(120),
  ORGSYNC_MAX_ROWS_PER_RUN: z.coerce.number().int().positive().default(DEFAULT_MAX_ROWS_PER_RUN),
  // Department history older than this is pruned once a day by the worker (jobs/pruneHistory.ts).
  ORGSYNC_HISTORY_RETENTION_DAYS: z.coerce.number().int().positive().max(36_500).default(400),
  ...QueueEnv,
  ...HttpEnv,
  ...WebhookEnv,
});

export interface DatabaseConfig {
  /** mysql://user:pass@host:port/db; undefined means the embedded SQLite file. */
  url: string | undefined;
  sqlitePath: string;
  /** How long an import waits for another import of the same organization. */
  lockTimeoutSeconds: number;
}

export interface Config {
  database: DatabaseConfig;
  redisUrl: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /** BullMQ: where jobs live and how they are retried and retained. */
  queue: QueueConfig;
  /** `orgsync worker`. */
  worker: WorkerConfig;
  /** Where scheduled syncs fetch their input. */
  sources: SourcesConfig;
  /** `orgsync serve`. */
  http: HttpConfig;
  /** Webhook deliveries (by the workers). */
  webhooks: WebhookConfig;
  /** Import runs: how long a run stays leased to its process without a heartbeat (then the sweep fails it RUN_ABANDONED). */
  runs: {
    leaseSeconds: number;
    /** The most rows one run may read (its memory bound); a run's --max-rows may only lower it. */
    maxRows: number;
  };
  /** Department history: kept this many days (ORGSYNC_HISTORY_RETENTION_DAYS), then pruned by the worker. */
  history: { retentionDays: number };
}

export class ConfigError extends OrgsyncError {
  override readonly name = 'ConfigError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('CONFIG_INVALID', message, { ...options });
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const config: Config = {
    database: { url: e.DATABASE_URL, sqlitePath: e.ORGSYNC_SQLITE_PATH, lockTimeoutSeconds: e.ORGSYNC_LOCK_TIMEOUT_SECONDS },
    runs: { leaseSeconds: e.ORGSYNC_RUN_LEASE_SECONDS, maxRows: e.ORGSYNC_MAX_ROWS_PER_RUN },
    history: { retentionDays: e.ORGSYNC_HISTORY_RETENTION_DAYS },
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
    ...queueConfigOf(e),
    ...httpConfigOf(e),
    ...webhookConfigOf(e),
  };
  // A scheduled source gets the same byte cap as an upload unless it is given its own.
  config.sources.maxBytes ??= config.http.uploadLimit;
  return config;
}

/** A URL with its password replaced, safe to print. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}

/**
 * Reads `.env` from the working directory when there is one (as .env.example
 * says), with Node's own loader. Variables already in the environment win:
 * process.loadEnvFile never overwrites one that is set.
 */
export function loadDotEnv(path = '.env'): void {
  try {
    process.loadEnvFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`);
  }
}
