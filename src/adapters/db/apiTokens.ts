/**
 * API tokens: hash-only storage. See migrations/0004_tokens.ts for the format.
 */
import type { Knex } from 'knex';
import type { Db } from './connection.js';
import { TABLES } from './tables.js';
import { fromDbBoolean, fromDbDateTime, fromDbDateTimeOrNull, toDbDateTime } from './values.js';

export interface ApiTokenRecord {
  id: string;
  name: string;
  /** The organization the token acts for; null only for admin tokens created without --org. */
  organizationId: string | null;
  isAdmin: boolean;
  /** Hex SHA-256 of the secret part. Never leaves the server. */
  secretSha256: string;
  createdAt: string;
  revokedAt: string | null;
}

interface TokenRow {
  id: string;
  name: string;
  organization_id: string | null;
  is_admin: unknown;
  secret_sha256: string;
  created_at: unknown;
  revoked_at: unknown;
}

function toRecord(row: TokenRow): ApiTokenRecord {
  return {
    id: row.id,
    name: row.name,
    organizationId: row.organization_id,
    isAdmin: fromDbBoolean(row.is_admin),
    secretSha256: row.secret_sha256,
    createdAt: fromDbDateTime(row.created_at),
    revokedAt: fromDbDateTimeOrNull(row.revoked_at),
  };
}

export function apiTokensRepo(db: Db) {
  const q = (trx?: Knex.Transaction) => (trx ?? db.knex)(TABLES.apiTokens);
  return {
    async insert(token: Omit<ApiTokenRecord, 'createdAt' | 'revokedAt'>): Promise<void> {
      await q().insert({
        id: token.id,
        name: token.name,
        organization_id: token.organizationId,
        is_admin: token.isAdmin,
        secret_sha256: token.secretSha256,
        created_at: toDbDateTime(new Date()),
        revoked_at: null,
      });
    },

    async findById(id: string): Promise<ApiTokenRecord | undefined> {
      const row = (await q().select('*').where('id', id).first()) as TokenRow | undefined;
      return row === undefined ? undefined : toRecord(row);
    },

    /** Returns false when there is no such token or it was already revoked. */
    async revoke(id: string): Promise<boolean> {
      const changed = await q().where('id', id).whereNull('revoked_at').update({ revoked_at: toDbDateTime(new Date()) });
      return changed > 0;
    },

    async list(): Promise<ApiTokenRecord[]> {
      const rows = (await q().select('*').orderBy('id')) as TokenRow[];
      return rows.map(toRecord);
    },
  };
}

export type ApiTokensRepo = ReturnType<typeof apiTokensRepo>;
