/**
 * Authing-style access keys (issue 12, the Authing/GenAuth face) and the nonces
 * their signed requests have used.
 *
 * An access key is an API token (same role, organization and revocation) whose
 * secret the server must be able to use, not only compare: the Authing SDK
 * signs every request with HMAC-SHA1 under the secret. So the secret is stored
 * encrypted (AES-256-GCM under ORGSYNC_SECRET_KEY, app/secretBox.ts), never in
 * plain text; `secret_sha256` of such a row holds the hash of a random value
 * nobody knows, so the key can never be used as a bearer token.
 *
 * authing_nonces: one row per (key, nonce) seen within the date window, so a
 * captured request cannot be replayed, by any server process, until its date
 * is too old to be accepted anyway (then the row is pruned).
 */
import type { Knex } from 'knex';
import type { Dialect } from '../connection.js';
import { TABLES } from '../tables.js';
import { columnTypes } from './columnTypes.js';
import type { OrgsyncMigration } from './types.js';

async function up(knex: Knex, dialect: Dialect): Promise<void> {
  const type = columnTypes(dialect);
  await knex.schema.alterTable(TABLES.apiTokens, (t) => {
    t.specificType('access_key_id', type.binaryText(32)).nullable();
    // v1.<key fingerprint>.<iv>.<tag>.<ciphertext>, base64url parts.
    t.specificType('secret_ciphertext', type.binaryText(255)).nullable();
  });
  // A separate statement: SQLite cannot add a column with a UNIQUE constraint.
  await knex.schema.alterTable(TABLES.apiTokens, (t) => {
    t.unique(['access_key_id'], { indexName: 'api_tokens_access_key_id_uq' });
  });
  await knex.schema.createTable(TABLES.authingNonces, (t) => {
    if (dialect === 'mysql') {
      t.engine('InnoDB');
      t.charset('utf8mb4');
      t.collate('utf8mb4_unicode_ci');
    }
    t.specificType('access_key_id', type.binaryText(32)).notNullable();
    t.specificType('nonce', type.binaryText(64)).notNullable();
    t.specificType('expires_at', type.datetime).notNullable();
    t.primary(['access_key_id', 'nonce']);
    t.index(['expires_at'], 'authing_nonces_expires_idx');
  });
}

async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists(TABLES.authingNonces);
  await knex.schema.alterTable(TABLES.apiTokens, (t) => {
    t.dropUnique(['access_key_id'], 'api_tokens_access_key_id_uq');
  });
  await knex.schema.alterTable(TABLES.apiTokens, (t) => {
    t.dropColumn('secret_ciphertext');
    t.dropColumn('access_key_id');
  });
}

export const authingKeysMigration: OrgsyncMigration = { name: '0011_authing_keys', up, down };
