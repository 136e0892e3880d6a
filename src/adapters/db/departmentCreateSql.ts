/**
 * The statements of an API create's read round trip on MySQL/MariaDB
 * (departmentCreate.ts): the same rows departmentLookup.ts's lockParents and
 * candidates read, in one batch after the organization's row lock, with what
 * candidates derived from the parents (their ancestors, the name's scope
 * under them) derived by the server instead, so no second read waits for
 * the first's answer.
 *
 * On MariaDB, with one parent key (at most one parent row: id, code and
 * openDepartmentId are each unique in an organization), the parent's
 * locking read is part of the organization row's (a LEFT JOIN, after it:
 * organizationRowLock.ts rowLockStatements `read`) and keeps the parent's
 * id and path in session variables, which the candidates use instead of
 * finding the parent again (a join, an EXISTS, an IN subquery: three more
 * index lookups and select blocks for MariaDB to parse and optimize); its
 * ancestors come from the path through JSON_TABLE (VAR_ANCESTORS). The one
 * row of the organization's lock always sets the variables, to NULL when
 * there is no such parent (a connection's variables outlive the request).
 * Measured with a serial replay of the read round trip (one connection,
 * 2,000 batches x 4 alternating rounds, CPU of mariadbd's thread from
 * /proc/<pid>/task/<tid>/stat and of this process), 100,000 departments,
 * MariaDB 10.11, machine shared (load 3-8): MariaDB ~0.57 -> ~0.47 ms per
 * create (name scope `siblings`: ~0.65 -> ~0.41), this process ~0.28 ->
 * ~0.22 ms. MySQL 8 keeps the statements as they were (it deprecates setting
 * variables inside expressions; SET STATEMENT is MariaDB's).
 */
import type { RowLookupKeys } from '../../core/plan/rowKeys.js';
import { MODEL_COLUMNS, ROOT_SCOPE_KEY } from './departmentRows.js';
import { TABLES } from './tables.js';

const KEY_COLUMN = { id: 'id', code: 'code', openDepartmentId: 'open_department_id' } as const;
/**
 * The columns read, without organization_id (every statement is of one
 * organization: departmentCreate.ts gives it to toDepartment) and without
 * backquotes (none is a reserved word): the text MariaDB parses is ~45%
 * shorter, and a create's reads name these columns four times.
 */
const READ_COLUMNS = MODEL_COLUMNS.filter((c) => c !== 'organization_id');
const COLS = READ_COLUMNS.join(', ');
const DEPARTMENTS = TABLES.departments;
const IN_ORG = `SELECT ${COLS} FROM ${DEPARTMENTS} WHERE organization_id = ?`;

/** The parent's id and path, set by its locking read when `parentVars` (MariaDB, one parent key). */
const PARENT_ID = '@orgsync_parent_id';
const PARENT_PATH = '@orgsync_parent_path';

/** Whether the parent goes through session variables (MariaDB, at most one parent row). */
export const parentVarsFor = (mariaDb: boolean, keys: RowLookupKeys): boolean => mariaDb && keys.parent.length === 1;

/**
 * Levels of ancestors the read round trip takes from the parent's stored
 * path (`/root/.../parent`, one id a level): the ids at levels 1 to
 * ANCESTOR_LEVELS, each a primary-key lookup. An ancestor further up, in a
 * deeper tree, is read by a follow-up statement (missingAncestors), so the
 * planner's view stays closed under parent.
 *
 * This replaced a recursive CTE up parent_id: measured on MariaDB 10.11 in
 * an organization of 100,000 (the database thread's CPU per statement), the
 * CTE alone cost ~0.3-0.4 ms, its materialised temporary tables most of
 * it, against ~0.2 ms for the path's ids as primary-key lookups; each level
 * costs ~0.008 ms. 12 levels cover the organizations we know of.
 * (Measured again in the MariaDB read round trip of a create: ~0.018 ms a
 * level, deep or not; MariaDB now reads one parent key's ancestors through
 * JSON_TABLE, VAR_ANCESTORS, and these levels serve MySQL 8 and a parent
 * reference of several keys.)
 */
export const ANCESTOR_LEVELS = 12;

/** The ids at levels 1 to ANCESTOR_LEVELS of the path `path` (past its end, `SUBSTRING_INDEX` gives the path's last id again). */
const pathLevels = (path: string) =>
  Array.from({ length: ANCESTOR_LEVELS }, (_, i) => `SUBSTRING_INDEX(SUBSTRING_INDEX(${path}, '/', ${i + 2}), '/', -1)`).join(', ');
/** Built once: the server's profile had building them per request at ~1% of its CPU. */
const P_PATH_LEVELS = pathLevels('p.path');
const A_COLS = READ_COLUMNS.map((c) => `a.${c}`).join(', ');
/**
 * With `parentVars`: the parent's ancestors, every level of its path, each a
 * primary-key lookup: the path (`/a/b/parent`) becomes the JSON array
 * `["a","b","parent"]` (JSON_QUOTE escapes whatever an id may hold; `/`,
 * the separator, is in no id and JSON_QUOTE writes none) and JSON_TABLE
 * gives its items as rows. NULL path (no parent): no rows.
 *
 * Measured against the 12 SUBSTRING_INDEX levels in an `IN` (a serial replay
 * of the read round trip, 100,000 departments, MariaDB 10.11): the ancestors
 * cost ~280 us of MariaDB's CPU per create of the batch's ~500, ~18 us per
 * level of the `IN` whether or not the path is that deep; JSON_TABLE cut
 * the batch by ~50 us (~10%) and this process's part by ~20 us, and reads
 * every level (no follow-up read for a parent deeper than 12).
 */
const VAR_ANCESTORS =
  `SELECT ${A_COLS} FROM JSON_TABLE(CONCAT('[', REPLACE(JSON_QUOTE(SUBSTRING(${PARENT_PATH}, 2)), '/', '","'), ']'),` +
  ` '$[*]' COLUMNS (aid VARCHAR(255) CHARSET utf8mb4 COLLATE utf8mb4_bin PATH '$')) j` +
  ` JOIN ${DEPARTMENTS} a FORCE INDEX (PRIMARY) ON a.id = j.aid WHERE a.organization_id = ? AND a.id <> ${PARENT_ID}`;
const LOCKED_PARENT_COLUMNS = `${READ_COLUMNS.map((c) => `d.${c}`).join(', ')}, ${PARENT_ID} := d.id, ${PARENT_PATH} := d.path`;

export interface Statement {
  sql: string;
  values: unknown[];
}

/** `(key = ? OR key = ?)` for the parent reference, one term per key type it may name. */
function parentWhere(keys: RowLookupKeys, alias = ''): Statement {
  return {
    sql: `(${keys.parent.map((k) => `${alias}${KEY_COLUMN[k.by]} = ?`).join(' OR ')})`,
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
 * With `parentVars`: the parent's locking read as part of the organization
 * row's (organizationRowLock.ts rowLockStatements `read`): `LEFT JOIN`ed to
 * it, share-locked by the same statement after it, its id and path kept in
 * the session variables (NULL when there is no such parent: the one row of
 * the organization's lock always sets them). One statement instead of two.
 * The values go before the lock name's.
 */
export function lockedParentRead(organizationId: string, keys: RowLookupKeys): { columns: string; join: string; values: unknown[] } {
  const where = parentWhere(keys, 'd.');
  return {
    columns: LOCKED_PARENT_COLUMNS,
    join: ` LEFT JOIN ${DEPARTMENTS} d ON d.organization_id = ? AND ${where.sql}`,
    values: [organizationId, ...where.values],
  };
}

/**
 * One UNION ALL (plain reads: at READ COMMITTED, the latest committed rows)
 * of: the parent candidates' ancestors, and the holders of the row's id,
 * code, openDepartmentId and name in each scope the name can land in, as
 * departmentLookup.ts candidates(); undefined when there is nothing to read.
 * Runs after the parents' share lock, so the parents it derives from cannot
 * change under it.
 */
export function candidatesStatement(
  organizationId: string,
  nameScope: 'organization' | 'siblings',
  keys: RowLookupKeys,
  parentVars = false,
): Statement | undefined {
  const parts: Statement[] = [];
  if (parentVars) {
    parts.push({ sql: VAR_ANCESTORS, values: [organizationId] });
  } else if (keys.parent.length > 0) {
    // The parents' ancestors by the ids in their paths. The primary key is
    // forced: otherwise MariaDB's range optimizer also weighs every index that
    // starts with organization_id (its index dives cost more than the lookups).
    const where = parentWhere(keys, 'p.');
    parts.push({
      sql:
        `SELECT ${A_COLS} FROM ${DEPARTMENTS} p JOIN ${DEPARTMENTS} a FORCE INDEX (PRIMARY) ON a.id IN (${P_PATH_LEVELS})` +
        ` AND a.organization_id = p.organization_id AND a.id <> p.id WHERE p.organization_id = ? AND ${where.sql}`,
      values: [organizationId, ...where.values],
    });
  }
  if (keys.id !== null) parts.push({ sql: `${IN_ORG} AND id = ?`, values: [organizationId, keys.id] });
  if (keys.code !== null) parts.push({ sql: `${IN_ORG} AND code = ?`, values: [organizationId, keys.code] });
  if (keys.openDepartmentId !== null) parts.push({ sql: `${IN_ORG} AND open_department_id = ?`, values: [organizationId, keys.openDepartmentId] });
  if (keys.name !== null) parts.push(...nameHolders(organizationId, nameScope, keys, keys.name, parentVars));
  if (parts.length === 0) return undefined;
  return { sql: parts.map((p) => p.sql).join(' UNION ALL '), values: parts.flatMap((p) => p.values) };
}

/**
 * The name's holders in the scopes it can land in: each parent candidate's
 * and, when the parent may be the top level, the top level's. In
 * `organization` scope these are one scope (''), read only when there is a
 * parent candidate or the top level is possible, as candidates() does.
 */
function nameHolders(organizationId: string, nameScope: 'organization' | 'siblings', keys: RowLookupKeys, name: string, parentVars: boolean): Statement[] {
  const hasParent = keys.parent.length > 0;
  const parents = (): Statement => {
    const where = parentWhere(keys, 'p.');
    return { sql: `SELECT p.id FROM ${DEPARTMENTS} p WHERE p.organization_id = ? AND ${where.sql}`, values: [organizationId, ...where.values] };
  };
  if (nameScope === 'organization') {
    const sql = `${IN_ORG} AND name_scope_key = '' AND name = ?`;
    if (keys.parentMayBeRoot || !hasParent) return [{ sql, values: [organizationId, name] }];
    if (parentVars) return [{ sql: `${sql} AND ${PARENT_ID} IS NOT NULL`, values: [organizationId, name] }];
    const p = parents();
    return [{ sql: `${sql} AND EXISTS (${p.sql})`, values: [organizationId, name, ...p.values] }];
  }
  const out: Statement[] = [];
  if (parentVars) out.push({ sql: `${IN_ORG} AND name_scope_key = ${PARENT_ID} AND name = ?`, values: [organizationId, name] });
  else if (hasParent) {
    const p = parents();
    out.push({ sql: `${IN_ORG} AND name_scope_key IN (${p.sql}) AND name = ?`, values: [organizationId, ...p.values, name] });
  }
  if (keys.parentMayBeRoot) out.push({ sql: `${IN_ORG} AND name_scope_key = '${ROOT_SCOPE_KEY}' AND name = ?`, values: [organizationId, name] });
  return out;
}

/**
 * The parents' ancestors the planner's view still lacks (it must be closed
 * under parent): the ids in their paths, and up their parent_ids through
 * what was fetched, that were not fetched. Normally none: only a parent
 * deeper than ANCESTOR_LEVELS, or a stored path that disagrees with
 * parent_id, needs one more read.
 */
export function missingAncestors(parents: readonly Ancestry[], fetched: readonly Ancestry[]): string[] {
  const byId = new Map<string, Ancestry>();
  for (const d of fetched) byId.set(d.id, d);
  const missing = new Set<string>();
  for (const p of parents) {
    for (const id of p.path.split('/')) if (id !== '' && !byId.has(id)) missing.add(id);
    // Bounded: a parent_id cycle in stored rows must not hang the request.
    for (let d: Ancestry | undefined = p, steps = 0; d && d.parentId !== null && steps <= byId.size; steps++) {
      const up = byId.get(d.parentId);
      if (!up) missing.add(d.parentId);
      d = up;
    }
  }
  return [...missing];
}

interface Ancestry {
  id: string;
  parentId: string | null;
  path: string;
}

/** Departments by id (the follow-up for missingAncestors). */
export function byIdsStatement(organizationId: string, ids: readonly string[]): Statement {
  return { sql: `${IN_ORG} AND id IN (?)`, values: [organizationId, ids] };
}
