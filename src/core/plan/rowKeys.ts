/**
 * What the planner can look up in the stored departments when it plans one
 * new department alone (a create through the API: mode upsert, matchBy id),
 * so that a request fetches exactly those rows (adapters/db/departmentLookup.ts)
 * instead of the organization. Kept beside the steps that do the lookups
 * (match.ts: matchByKeys, resolveParents; uniqueness.ts: checkUnique): a new
 * lookup there needs its key here.
 */
import type { DepartmentRow } from '../model.js';
import { LOOKUP_TYPES } from './match.js';

export type LookupKeyType = 'id' | 'code' | 'openDepartmentId';

export interface RowLookupKeys {
  /** The stored department the row's own id names (matchBy id). */
  id: string | null;
  /** The parent reference, once per key type resolveParents tries for it. */
  parent: readonly { by: LookupKeyType; value: string }[];
  /**
   * Whether the parent may be the top level: no parent given, an explicit
   * top level, or a `root`/`null` word that no department carries as a key.
   * The name's scope is then the top level (in `siblings` scope).
   */
  parentMayBeRoot: boolean;
  /** Keys whose holders checkUnique compares with (the name in the scope of the parent). */
  code: string | null;
  openDepartmentId: string | null;
  name: string | null;
}

/** The keys one new row's plan looks up; a row linked to another row of a file has none to give. */
export function lookupKeysOf(row: DepartmentRow): RowLookupKeys {
  const f = row.fields;
  const ref = row.parent;
  if (ref.kind === 'link') throw new Error('lookupKeysOf: a row linked to another row is planned with its file');
  const parent = ref.kind === 'ref' ? LOOKUP_TYPES[ref.type].map((by) => ({ by, value: ref.value })) : [];
  return {
    id: row.id ?? null,
    parent,
    parentMayBeRoot: ref.kind !== 'ref' || ref.rootWord === true,
    code: f.code ?? null,
    openDepartmentId: f.openDepartmentId ?? null,
    name: f.name ?? null,
  };
}
