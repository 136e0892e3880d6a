/**
 * API tokens: hash-only storage. See migrations/0004_tokens.ts for the format.
 */
import type { Knex } from 'knex';
import type { Db } from './connection.js';
import { isTokenRole, type TokenRole } from '../../core/tokenRoles.js';
import { TABLES } from './tables.js';
import { fromDbBoolean, fromDbDateTime, fromDbDateTimeOrNull, toDbDateTime } from './values.js';

export interface ApiTokenRecord {
  id: string;
  name: string;
  /** The organization the token acts for; null only for admin tokens created without --org. */
  organizationId: string | null;
  isAdmin: boolean;
  /** What an organization token may do (migration 0009): read, write (the default) or admin (also approve). */
  role: TokenRole;
  /** A token that may approve held runs whatever its role. */
  canApprove: boolean;
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
  role?: string | null;
  can_approve?: unknown;
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
    // An unknown role (a newer version's) can do no more than read.
    role: isTokenRole(row.role ?? 'write') ? ((row.role ?? 'write') as TokenRole) : 'read',
    canApprove: fromDbBoolean(row.can_approve ?? false),
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
        role: token.role,
        can_approve: token.canApprove,
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
