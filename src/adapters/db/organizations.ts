/**
 * Organizations: the tenant each department tree belongs to.
 */
import type { Knex } from 'knex';
import { NAME_SCOPES, type NameScope, type Organization } from '../../core/model.js';
import { normaliseOrganizationCode, organizationCode } from '../../core/organizationCode.js';
import { newOrganizationId } from '../../ids.js';
import type { Db } from './connection.js';
import { TABLES } from './tables.js';
import { toDbDateTime } from './values.js';

export interface OrganizationRow {
  id: string;
  code: string;
  name: string;
  name_scope: string;
}

const COLUMNS = ['id', 'code', 'name', 'name_scope'];

export function toOrganization(row: OrganizationRow): Organization {
  if (!(NAME_SCOPES as readonly string[]).includes(row.name_scope)) {
    throw new Error(`organization ${row.id} has an unknown name_scope '${row.name_scope}'`);
  }
  return { id: row.id, code: row.code, name: row.name, nameScope: row.name_scope as NameScope };
}

export interface NewOrganization {
  /** Generated (`org_` + ULID) when absent; the import service passes one it already planned with. */
  id?: string;
  code: string;
  name: string;
  nameScope: NameScope;
}

export function organizationsRepo(db: Db) {
  const q = (trx?: Knex.Transaction) => (trx ?? db.knex)(TABLES.organizations);

  return {
    /**
     * Exact (case-sensitive) match of the normalised code (core/organizationCode.ts),
     * so both databases agree: `'coll '` finds `'coll'` on SQLite as on MariaDB.
     */
    async findByCode(code: string, trx?: Knex.Transaction): Promise<Organization | undefined> {
      const row = (await q(trx).select(COLUMNS).where('code', normaliseOrganizationCode(code)).first()) as OrganizationRow | undefined;
      return row === undefined ? undefined : toOrganization(row);
    },

    async findById(id: string, trx?: Knex.Transaction): Promise<Organization | undefined> {
      const row = (await q(trx).select(COLUMNS).where('id', id).first()) as OrganizationRow | undefined;
      return row === undefined ? undefined : toOrganization(row);
    },

    /**
     * Stores the code normalised; a code that cannot be one throws FileError
     * INVALID_ORGANIZATION_CODE, a taken one a duplicate-key error (see isDuplicateKeyError).
     */
    async create(input: NewOrganization, trx?: Knex.Transaction): Promise<Organization> {
      const org: Organization = { id: input.id ?? newOrganizationId(), code: organizationCode(input.code), name: input.name, nameScope: input.nameScope };
      const now = toDbDateTime(new Date());
      await q(trx).insert({
        id: org.id,
        code: org.code,
        name: org.name,
        name_scope: org.nameScope,
        created_at: now,
        updated_at: now,
      });
      return org;
    },

    async list(trx?: Knex.Transaction): Promise<Organization[]> {
      const rows = (await q(trx).select(COLUMNS).orderBy('code')) as OrganizationRow[];
      return rows.map(toOrganization);
    },
  };
}

export type OrganizationsRepo = ReturnType<typeof organizationsRepo>;
