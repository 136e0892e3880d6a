/**
 * API tokens for the HTTP server (issue 5).
 *
 * A token is `<id>.<secret>`; only the SHA-256 of the secret is stored, so a
 * database dump cannot be replayed against the API. The id is not secret: it
 * is how a token is looked up (then the secret's hash is compared in constant
 * time), shown in `orgsync token list` and revoked by.
 *
 * organization_id NULL means an admin token that is not tied to one
 * organization; an admin token created with --org keeps the organization for
 * the record but may act on any.
 */
import type { Knex } from 'knex';
import type { Dialect } from '../connection.js';
import { TABLES } from '../tables.js';
import { columnTypes } from './columnTypes.js';
import type { OrgsyncMigration } from './types.js';

async function up(knex: Knex, dialect: Dialect): Promise<void> {
  const type = columnTypes(dialect);
  await knex.schema.createTable(TABLES.apiTokens, (t) => {
    if (dialect === 'mysql') {
      t.engine('InnoDB');
      t.charset('utf8mb4');
      t.collate('utf8mb4_unicode_ci');
    }
    t.specificType('id', type.binaryText(32)).notNullable().primary(); // tok_ + ULID
    t.string('name', 255).notNullable();
    t.specificType('organization_id', type.binaryText(32))
      .nullable()
      .references('id')
      .inTable(TABLES.organizations)
      .onDelete('CASCADE');
    t.boolean('is_admin').notNullable().defaultTo(false);
    t.specificType('secret_sha256', type.binaryText(64)).notNullable(); // hex
    t.specificType('created_at', type.datetime).notNullable();
    t.specificType('revoked_at', type.datetime).nullable();
  });
}

async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists(TABLES.apiTokens);
}

export const tokensMigration: OrgsyncMigration = { name: '0004_tokens', up, down };
