/**
 * What every CLI command needs: validated config and an open, migrated database,
 * closed again however the command ends.
 */
import { type Config, loadConfig } from '../config.js';
import { checkDatabase, type Db, migrateLatest, openDatabase, pendingMigrations, repositories } from '../adapters/db/index.js';
import type { Repositories } from '../app/ports.js';
import { OrgsyncError } from '../core/errors.js';

/** A mistake in how the command was called: exit code 2. */
export class UsageError extends OrgsyncError {
  override readonly name = 'UsageError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('USAGE_ERROR', message, { ...options });
  }
}

let cachedConfig: Config | undefined;
export function config(): Config {
  cachedConfig ??= loadConfig();
  return cachedConfig;
}

/**
 * Opens the database for one command. The embedded SQLite database migrates
 * itself, so a new user needs no setup step; MySQL is migrated explicitly with
 * `orgsync migrate` (one deliberate step per deployment), and a missing
 * migration is reported instead of being applied behind the operator's back.
 */
export async function withDatabase<T>(fn: (db: Db, config: Config, repos: Repositories) => Promise<T>, opts: { migrate?: boolean } = {}): Promise<T> {
  const cfg = config();
  const db = await openDatabase(cfg.database);
  try {
    if (opts.migrate || db.dialect === 'sqlite') {
      // What a migration changed in stored data is never silent (stderr: stdout may be a command's JSON).
      for (const note of (await migrateLatest(db)).notes) process.stderr.write(`orgsync: migration ${note}\n`);
    } else {
      const pending = await pendingMigrations(db);
      if (pending.length > 0) {
        throw new UsageError(`the database schema is not up to date (${pending.length} pending migration(s)): run "orgsync migrate" first`);
      }
    }
    await checkDatabase(db);
    return await fn(db, cfg, repositories(db));
  } finally {
    await db.close();
  }
}

/**
 * The database as the use cases take it: its repositories (the CLI's one
 * place that builds them). Commands that only call use cases open this.
 */
export function withRepositories<T>(fn: (repos: Repositories, config: Config) => Promise<T>, opts: { migrate?: boolean } = {}): Promise<T> {
  return withDatabase((_db, cfg, repos) => fn(repos, cfg), opts);
}
