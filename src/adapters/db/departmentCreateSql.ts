/**
 * The statements of an API create's read round trip on MySQL/MariaDB
 * (departmentCreate.ts): the same rows departmentLookup.ts's lockParents and
 * candidates read, in one batch after the organization's row lock, with what
 * candidates derived from the parents (their ancestors, the name's scope
 * under them) derived by the server instead, so no second read waits for
 * the first's answer.
 */
import type { RowLookupKeys } from '../../core/plan/rowKeys.js';
import { MODEL_COLUMNS, ROOT_SCOPE_KEY } from './departmentRows.js';
import { TABLES } from './tables.js';

const KEY_COLUMN = { id: 'id', code: 'code', openDepartmentId: 'open_department_id' } as const;
const COLS = MODEL_COLUMNS.map((c) => `\`${c}\``).join(', ');
const DEPARTMENTS = `\`${TABLES.departments}\``;
const IN_ORG = `SELECT ${COLS} FROM ${DEPARTMENTS} WHERE organization_id = ?`;

/**
 * Levels of ancestors the server walks up (parent_id by primary key): below
 * both servers' default recursion limits (MySQL 8's cte_max_recursion_depth
 * and a MariaDB configured with max_recursive_iterations = 1000 both stop at
 * 1000). An ancestor further up, in a deeper tree, is read by a follow-up
 * statement (missingAncestors), so the planner's view stays closed under parent.
 */
export const ANCESTOR_LEVELS = 900;

export interface Statement {
  sql: string;
  values: unknown[];
}

/** `(key = ? OR key = ?)` for the parent reference, one term per key type it may name. */
function parentWhere(keys: RowLookupKeys, alias = ''): Statement {
  return {
    sql: `(${keys.parent.map((k) => `${alias}\`${KEY_COLUMN[k.by]}\` = ?`).join(' OR ')})`,
    values: keys.parent.map((k) => k.value),
  };
}

/** The parent candidates, share-locked until the transaction ends; undefined when the row names no parent. */
export function lockParentsStatement(organizationId: string, keys: RowLookupKeys): Statement | undefined {
  if (keys.parent.length === 0) return undefined;
  const where = parentWhere(keys);
  return { sql: `${IN_ORG} AND ${where.sql} LOCK IN SHARE MODE`, values: [organizationId, ...where.values] };
}

/**
 * One UNION ALL (plain reads: at READ COMMITTED, the latest committed rows)
 * of: the parent candidates' ancestors, and the holders of the row's id,
 * code, openDepartmentId and name in each scope the name can land in, as
 * departmentLookup.ts candidates(); undefined when there is nothing to read.
 * Runs after the parents' share lock, so the parents it derives from cannot
 * change under it.
 */
export function candidatesStatement(organizationId: string, nameScope: 'organization' | 'siblings', keys: RowLookupKeys): Statement | undefined {
  const parts: Statement[] = [];
  let cte: Statement | undefined;
  const hasParent = keys.parent.length > 0;
  if (hasParent) {
    const where = parentWhere(keys);
    cte = {
      sql:
        `WITH RECURSIVE chain (id, lvl) AS (SELECT parent_id, 1 FROM ${DEPARTMENTS} WHERE organization_id = ? AND ${where.sql}` +
        ` UNION ALL SELECT d.parent_id, c.lvl + 1 FROM chain c JOIN ${DEPARTMENTS} d ON d.id = c.id WHERE d.organization_id = ? AND c.lvl < ${ANCESTOR_LEVELS}) `,
      values: [organizationId, ...where.values, organizationId],
    };
    parts.push({ sql: `${IN_ORG} AND id IN (SELECT id FROM chain)`, values: [organizationId] });
  }
  if (keys.id !== null) parts.push({ sql: `${IN_ORG} AND id = ?`, values: [organizationId, keys.id] });
  if (keys.code !== null) parts.push({ sql: `${IN_ORG} AND code = ?`, values: [organizationId, keys.code] });
  if (keys.openDepartmentId !== null) parts.push({ sql: `${IN_ORG} AND open_department_id = ?`, values: [organizationId, keys.openDepartmentId] });
  if (keys.name !== null) parts.push(...nameHolders(organizationId, nameScope, keys, keys.name));
  if (parts.length === 0) return undefined;
  const union = parts.map((p) => p.sql).join(' UNION ALL ');
  const values = parts.flatMap((p) => p.values);
  return cte ? { sql: cte.sql + union, values: [...cte.values, ...values] } : { sql: union, values };
}

/**
 * The name's holders in the scopes it can land in: each parent candidate's
 * and, when the parent may be the top level, the top level's. In
 * `organization` scope these are one scope (''), read only when there is a
 * parent candidate or the top level is possible, as candidates() does.
 */
function nameHolders(organizationId: string, nameScope: 'organization' | 'siblings', keys: RowLookupKeys, name: string): Statement[] {
  const hasParent = keys.parent.length > 0;
  const parents = (): Statement => {
    const where = parentWhere(keys, 'p.');
    return { sql: `SELECT p.id FROM ${DEPARTMENTS} p WHERE p.organization_id = ? AND ${where.sql}`, values: [organizationId, ...where.values] };
  };
  if (nameScope === 'organization') {
    const sql = `${IN_ORG} AND name_scope_key = '' AND name = ?`;
    if (keys.parentMayBeRoot || !hasParent) return [{ sql, values: [organizationId, name] }];
    const p = parents();
    return [{ sql: `${sql} AND EXISTS (${p.sql})`, values: [organizationId, name, ...p.values] }];
  }
  const out: Statement[] = [];
  if (hasParent) {
    const p = parents();
    out.push({ sql: `${IN_ORG} AND name_scope_key IN (${p.sql}) AND name = ?`, values: [organizationId, ...p.values, name] });
  }
  if (keys.parentMayBeRoot) out.push({ sql: `${IN_ORG} AND name_scope_key = '${ROOT_SCOPE_KEY}' AND name = ?`, values: [organizationId, name] });
  return out;
}

/** The ancestors (ids in the parents' paths) not among `fetched`: normally none (the chain walked them). */
export function missingAncestors(parents: readonly { id: string; path: string }[], fetched: ReadonlySet<string>): string[] {
  const missing = new Set<string>();
  for (const p of parents) for (const id of p.path.split('/')) if (id !== '' && !fetched.has(id)) missing.add(id);
  return [...missing];
}

/** Departments by id (the follow-up for missingAncestors). */
export function byIdsStatement(organizationId: string, ids: readonly string[]): Statement {
  return { sql: `${IN_ORG} AND id IN (?)`, values: [organizationId, ids] };
}
