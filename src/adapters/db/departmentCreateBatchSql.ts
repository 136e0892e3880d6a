/**
 * The read round trip of a batch of API creates on MariaDB
 * (departmentCreate.ts, departmentCreateQueue.ts): a fixed handful of
 * set-based statements whatever the batch's size, instead of each create's
 * own (departmentCreateSql.ts). Each create of the batch is planned from
 * the rows read that it can ask about (core/plan/keyView.ts): the same
 * stored rows its own reads would find, read under the same locks.
 *
 * 1. the organization's import_locks row, share-locked first (as always),
 *    which also empties the two session variables below;
 * 2. the parents, by each key type the batch names (`code IN (...)` and so
 *    on, each by its unique index), share-locked, each adding its path to
 *    PATHS and its id to PARENT_IDS;
 * 3. the ancestors: every id in PATHS (JSON_TABLE, as VAR_ANCESTORS in
 *    departmentCreateSql.ts), each a primary-key lookup;
 * 4. one UNION ALL of the holders of the batch's codes, openDepartmentIds,
 *    and names in each scope they can land in (under any of the parents
 *    read, at the top level).
 *
 * Every lock wait ends at the batch's deadline (SET STATEMENT, whole
 * seconds). MariaDB only: it sets variables inside a SELECT and has SET
 * STATEMENT.
 */
import type { RowLookupKeys } from '../../core/plan/rowKeys.js';
import { MODEL_COLUMNS, ROOT_SCOPE_KEY } from './departmentRows.js';
import type { Statement } from './departmentCreateSql.js';
import { TABLES } from './tables.js';

const DEPARTMENTS = TABLES.departments;
const READ_COLUMNS = MODEL_COLUMNS.filter((c) => c !== 'organization_id');
const COLS = READ_COLUMNS.join(', ');
const colsOf = (alias: string) => READ_COLUMNS.map((c) => `${alias}.${c}`).join(', ');
const IN_ORG = `SELECT ${COLS} FROM ${DEPARTMENTS} WHERE organization_id = ?`;
const KEY_COLUMN = { id: 'id', code: 'code', openDepartmentId: 'open_department_id' } as const;

/** The parents' paths, concatenated (`/a/p/a/b/q`), and their ids (`/p/q`): set by the parents' reads. */
const PATHS = '@orgsync_batch_paths';
const PARENT_IDS = '@orgsync_batch_parent_ids';

/** The ids of a `/`-separated list held in `variable`, as rows `aid` (an empty list: one row, ''). */
const idsOf = (variable: string) =>
  `JSON_TABLE(CONCAT('[', REPLACE(JSON_QUOTE(SUBSTRING(${variable}, 2)), '/', '","'), ']'),` +
  ` '$[*]' COLUMNS (aid VARCHAR(255) CHARSET utf8mb4 COLLATE utf8mb4_bin PATH '$'))`;

const ANCESTORS = `SELECT ${colsOf('a')} FROM (SELECT DISTINCT aid FROM ${idsOf(PATHS)} t) j JOIN ${DEPARTMENTS} a FORCE INDEX (PRIMARY) ON a.id = j.aid WHERE a.organization_id = ?`;

const waitAtMost = (seconds: number, sql: string) => `SET STATEMENT innodb_lock_wait_timeout = ${Math.max(1, Math.ceil(seconds))} FOR ${sql}`;

export interface BatchReads {
  statements: Statement[];
  /** Where the organization's row is locked (a lock wait that runs out there is the organization's). */
  organizationAt: number;
  /** The statements whose rows are parents. */
  parentsAt: number[];
  /** The statements whose rows are the other rows read. */
  othersAt: number[];
}

/** The distinct values of `pick` over `keys`, dropping nulls. */
function distinct(keys: readonly RowLookupKeys[], pick: (k: RowLookupKeys) => Iterable<string | null>): string[] {
  const out = new Set<string>();
  for (const k of keys) for (const v of pick(k)) if (v !== null) out.add(v);
  return [...out];
}

/** The read round trip of a batch (after `START TRANSACTION`), every value bound. */
export function batchReads(organizationId: string, nameScope: 'organization' | 'siblings', lockName: string, keys: readonly RowLookupKeys[], seconds: number): BatchReads {
  const statements: Statement[] = [];
  const add = (s: Statement) => statements.push(s) - 1;
  const organizationAt = add({
    sql: waitAtMost(seconds, `SELECT lock_name, ${PATHS} := '', ${PARENT_IDS} := '' FROM ${TABLES.importLocks} WHERE lock_name = ? LOCK IN SHARE MODE`),
    values: [lockName],
  });

  const parentsAt: number[] = [];
  for (const by of ['id', 'code', 'openDepartmentId'] as const) {
    const values = distinct(keys, (k) => k.parent.filter((p) => p.by === by).map((p) => p.value));
    if (values.length === 0) continue;
    parentsAt.push(
      add({
        sql: waitAtMost(
          seconds,
          `SELECT ${COLS}, ${PATHS} := CONCAT(${PATHS}, path), ${PARENT_IDS} := CONCAT(${PARENT_IDS}, '/', id)` +
            ` FROM ${DEPARTMENTS} WHERE organization_id = ? AND ${KEY_COLUMN[by]} IN (?) LOCK IN SHARE MODE`,
        ),
        values: [organizationId, values],
      }),
    );
  }

  const othersAt: number[] = [];
  if (parentsAt.length > 0) othersAt.push(add({ sql: ANCESTORS, values: [organizationId] }));

  const parts: Statement[] = [];
  const codes = distinct(keys, (k) => [k.code]);
  if (codes.length > 0) parts.push({ sql: `${IN_ORG} AND code IN (?)`, values: [organizationId, codes] });
  const opens = distinct(keys, (k) => [k.openDepartmentId]);
  if (opens.length > 0) parts.push({ sql: `${IN_ORG} AND open_department_id IN (?)`, values: [organizationId, opens] });
  const names = distinct(keys, (k) => [k.name]);
  if (names.length > 0) {
    if (nameScope === 'organization') {
      parts.push({ sql: `${IN_ORG} AND name_scope_key = '' AND name IN (?)`, values: [organizationId, names] });
    } else {
      if (parentsAt.length > 0) {
        parts.push({
          sql: `SELECT ${colsOf('d')} FROM ${idsOf(PARENT_IDS)} s JOIN ${DEPARTMENTS} d ON d.organization_id = ? AND d.name_scope_key = s.aid AND d.name IN (?)`,
          values: [organizationId, names],
        });
      }
      if (keys.some((k) => k.parentMayBeRoot)) {
        parts.push({ sql: `${IN_ORG} AND name_scope_key = '${ROOT_SCOPE_KEY}' AND name IN (?)`, values: [organizationId, names] });
      }
    }
  }
  if (parts.length > 0) othersAt.push(add({ sql: parts.map((p) => p.sql).join(' UNION ALL '), values: parts.flatMap((p) => p.values) }));
  return { statements, organizationAt, parentsAt, othersAt };
}
