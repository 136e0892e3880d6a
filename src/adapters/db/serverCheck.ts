/**
 * Refuses to run against a MySQL/MariaDB server configured in a way that would
 * silently corrupt imports. Called at start-up, after migrations.
 */
import type { Knex } from 'knex';
import type { Db } from './connection.js';
import { ALL_TABLES, TABLES } from './tables.js';
import { OrgsyncError } from '../../core/errors.js';

export class DatabaseCheckError extends OrgsyncError {
  override readonly name = 'DatabaseCheckError';
  constructor(readonly problems: readonly string[]) {
    super('DATABASE_NOT_READY', `The database is not set up the way orgsync needs:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Columns whose exact (binary) comparison the planner relies on; see migrations/0001_initial.ts. */
const BINARY_COLUMNS: readonly { table: string; column: string; definition: string }[] = [
  { table: TABLES.organizations, column: 'code', definition: 'varchar(191) NOT NULL' },
  { table: TABLES.departments, column: 'name', definition: 'varchar(255) NOT NULL' },
  { table: TABLES.departments, column: 'code', definition: 'varchar(512) NULL' },
  { table: TABLES.departments, column: 'open_department_id', definition: 'varchar(512) NULL' },
];

type Rows<T> = [T[], unknown];

/**
 * Throws a DatabaseCheckError listing every problem and its fix. No-op on SQLite.
 *
 * `runner` is what the check runs on. sql_mode is a per-session setting: every
 * connection of our pool starts from the server's global default, so checking
 * one pooled connection (the default) checks what the imports will get. Tests
 * pass a transaction to check a session they changed.
 */
export async function checkDatabase(db: Db, runner: Knex | Knex.Transaction = db.knex): Promise<void> {
  if (db.dialect !== 'mysql') return;
  const problems: string[] = [];

  const [[session]] = (await runner.raw('SELECT @@SESSION.sql_mode AS sql_mode')) as Rows<{ sql_mode: string }>;
  const modes = (session?.sql_mode ?? '').toUpperCase().split(',');
  if (!modes.includes('STRICT_TRANS_TABLES') && !modes.includes('STRICT_ALL_TABLES')) {
    problems.push(
      `sql_mode is '${session?.sql_mode ?? ''}', which is not strict: an over-long or invalid value would be ` +
        `silently truncated or coerced instead of rejected. Fix: add STRICT_TRANS_TABLES to the server's sql_mode ` +
        `(MySQL 8: SET PERSIST sql_mode = CONCAT(@@GLOBAL.sql_mode, ',STRICT_TRANS_TABLES'); MariaDB: ` +
        `sql_mode=... under [mysqld] in the server configuration, or SET GLOBAL sql_mode for the running server).`,
    );
  }

  const [tables] = (await runner.raw(
    `SELECT TABLE_NAME AS table_name, TABLE_COLLATION AS table_collation, ENGINE AS engine
       FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${ALL_TABLES.map(() => '?').join(', ')})`,
    [...ALL_TABLES],
  )) as Rows<{ table_name: string; table_collation: string | null; engine: string | null }>;
  const found = new Map(tables.map((t) => [t.table_name, t]));
  for (const name of ALL_TABLES) {
    const table = found.get(name);
    if (table === undefined) {
      problems.push(`table ${name} is missing. Fix: run the migrations (they run on start-up unless disabled).`);
      continue;
    }
    if (!(table.table_collation ?? '').startsWith('utf8mb4')) {
      problems.push(
        `table ${name} has collation ${table.table_collation ?? 'unknown'}, not utf8mb4: 4-byte characters ` +
          `(emoji, rare CJK) would be rejected or mangled. Fix: ALTER TABLE \`${name}\` DEFAULT CHARACTER SET utf8mb4 ` +
          `COLLATE utf8mb4_unicode_ci and convert its text columns to utf8mb4, keeping the charsets and ` +
          `collations of migration 0001_initial (ids, names and codes utf8mb4_bin).`,
      );
    }
    if ((table.engine ?? '').toLowerCase() !== 'innodb') {
      problems.push(
        `table ${name} uses the ${table.engine ?? 'unknown'} engine: without InnoDB there are no transactions, ` +
          `so a failed import would be half-written. Fix: ALTER TABLE \`${name}\` ENGINE = InnoDB.`,
      );
    }
  }

  const [columns] = (await runner.raw(
    `SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name, COLLATION_NAME AS collation_name
       FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?, ?)`,
    [TABLES.organizations, TABLES.departments],
  )) as Rows<{ table_name: string; column_name: string; collation_name: string | null }>;
  for (const expected of BINARY_COLUMNS) {
    const column = columns.find((c) => c.table_name === expected.table && c.column_name === expected.column);
    if (column === undefined || !found.has(expected.table) || column.collation_name === 'utf8mb4_bin') continue;
    problems.push(
      `column ${expected.table}.${expected.column} has collation ${column.collation_name ?? 'none'}, not utf8mb4_bin: ` +
        `the database would treat names or codes differing only in case or accents as duplicates, unlike orgsync. ` +
        `Fix: ALTER TABLE \`${expected.table}\` MODIFY \`${expected.column}\` ${expected.definition.replace(
          / (NOT )?NULL$/,
          ' CHARACTER SET utf8mb4 COLLATE utf8mb4_bin$&',
        )}.`,
    );
  }

  if (problems.length > 0) throw new DatabaseCheckError(problems);
}
