/**
 * API tokens: hash-only storage. See migrations/0004_tokens.ts for the format.
 */
import type { Knex } from 'knex';
import type { Db } from './connection.js';
import { isTokenRole, type TokenRole } from '../../core/tokenRoles.js';
import { isDuplicateKeyError } from './dbErrors.js';
import { toOrganization } from './organizations.js';
import type { Organization } from '../../core/model.js';
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
  /** Authing-style access keys (migration 0011): the public key id, and the secret encrypted (app/secretBox.ts). */
  accessKeyId?: string | null;
  secretCiphertext?: string | null;
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
  access_key_id?: string | null;
  secret_ciphertext?: string | null;
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
    accessKeyId: row.access_key_id ?? null,
    secretCiphertext: row.secret_ciphertext ?? null,
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
        ...(token.accessKeyId ? { access_key_id: token.accessKeyId, secret_ciphertext: token.secretCiphertext ?? null } : {}),
        created_at: toDbDateTime(new Date()),
        revoked_at: null,
      });
    },

    async findById(id: string): Promise<ApiTokenRecord | undefined> {
      const row = (await q().select('*').where('id', id).first()) as TokenRow | undefined;
      return row === undefined ? undefined : toRecord(row);
    },

    /**
     * The token and, for an organization token, its organization, in one
     * statement: every authenticated request needs both (auth.ts). The HTTP
     * server reuses a success for a few seconds (adapters/http/tokenCache.ts).
     */
    async findByIdWithOrganization(id: string): Promise<{ token: ApiTokenRecord; organization: Organization | undefined } | undefined> {
      const row = (await db
        .knex(`${TABLES.apiTokens} as t`)
        .leftJoin(`${TABLES.organizations} as o`, 'o.id', 't.organization_id')
        .select('t.*', 'o.code as org_code', 'o.name as org_name', 'o.name_scope as org_name_scope')
        .where('t.id', id)
        .first()) as (TokenRow & { org_code: string | null; org_name: string | null; org_name_scope: string | null }) | undefined;
      if (row === undefined) return undefined;
      const organization =
        row.organization_id !== null && row.org_code !== null
          ? toOrganization({ id: row.organization_id, code: row.org_code, name: row.org_name ?? '', name_scope: row.org_name_scope ?? '' })
          : undefined;
      return { token: toRecord(row), organization };
    },

    async findByAccessKeyId(accessKeyId: string): Promise<ApiTokenRecord | undefined> {
      const row = (await q().select('*').where('access_key_id', accessKeyId).first()) as TokenRow | undefined;
      return row === undefined ? undefined : toRecord(row);
    },

    /**
     * Records a signed request's nonce; false when this key already used it
     * (the primary key decides, so two server processes cannot both accept it).
     */
    async claimNonce(accessKeyId: string, nonce: string, expiresAt: Date): Promise<boolean> {
      try {
        await db.knex(TABLES.authingNonces).insert({ access_key_id: accessKeyId, nonce, expires_at: toDbDateTime(expiresAt) });
        return true;
      } catch (err) {
        if (isDuplicateKeyError(err)) return false;
        throw err;
      }
    },

    /** Forgets nonces whose request date can no longer be accepted. */
    async pruneNonces(now: Date): Promise<number> {
      return db.knex(TABLES.authingNonces).where('expires_at', '<', toDbDateTime(now)).delete();
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
