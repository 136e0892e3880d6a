/**
 * Moving a subtree: indexed lookups of the two departments concerned, one
 * aggregate for the subtree's deepest level, and two set-based UPDATEs (the
 * department's own parent, then every path and depth of the subtree by prefix
 * replacement). The number of statements does not depend on the subtree's
 * size: a 10,000-department move is one UPDATE of 10,000 rows, not 10,000.
 */
import type { Knex } from 'knex';
import type { NameScope, StoredDepartment } from '../../core/model.js';
import type { Db } from './connection.js';
import { type DepartmentRow, MODEL_COLUMNS, nameScopeKey, toDepartment } from './departmentRows.js';
import { TABLES } from './tables.js';
import { toDbDateTime } from './values.js';

export type DepartmentKey = 'id' | 'code' | 'open_department_id';

/** `s` as a LIKE pattern matching itself literally ('!' is the escape character on both databases). */
function likeLiteral(s: string): string {
  return s.replace(/[!%_]/g, (c) => `!${c}`);
}

export function departmentMovesRepo(db: Db) {
  const concat = db.dialect === 'mysql' ? 'CONCAT(?, SUBSTRING(path, ?))' : '(? || substr(path, ?))';
  // LIKE finds the candidates; the exact prefix comparison keeps them honest:
  // `path` has the table's case-insensitive collation on MySQL/MariaDB, and
  // SQLite's LIKE ignores ASCII case, while ids are compared byte for byte.
  const exactPrefix = db.dialect === 'mysql' ? 'CAST(LEFT(path, ?) AS BINARY) = CAST(? AS BINARY)' : 'substr(path, 1, ?) = ?';
  /** The strict descendants of the department at `path`: SQL and bindings. */
  const below = (path: string): [string, (string | number)[]] => {
    const prefix = `${path}/`;
    return [`(path LIKE ? ESCAPE '!' AND ${exactPrefix})`, [`${likeLiteral(prefix)}%`, prefix.length, prefix]];
  };

  return {
    async findBy(trx: Knex.Transaction, organizationId: string, key: DepartmentKey, value: string): Promise<StoredDepartment | undefined> {
      const row = (await trx(TABLES.departments)
        .select(...MODEL_COLUMNS)
        .where({ organization_id: organizationId, [key]: value })
        .first()) as DepartmentRow | undefined;
      return row ? toDepartment(row) : undefined;
    },

    /** The deepest depth in the subtree rooted at `d` (itself included). */
    async deepestBelow(trx: Knex.Transaction, d: StoredDepartment): Promise<number> {
      const row = (await trx(TABLES.departments)
        .where('organization_id', d.organizationId)
        .andWhereRaw(...below(d.path))
        .max({ deepest: 'depth' })
        .first()) as { deepest: unknown } | undefined;
      const deepest = row?.deepest === null || row?.deepest === undefined ? d.depth : Number(row.deepest);
      return Math.max(deepest, d.depth);
    },

    /**
     * Puts `d` under `parent` (null: top level). The department's own row
     * first, so a name clash in the new siblings scope fails on the unique
     * index before anything else is written; then every path of the subtree.
     */
    async move(trx: Knex.Transaction, d: StoredDepartment, parent: StoredDepartment | null, nameScope: NameScope, now: Date): Promise<void> {
      const newPath = parent ? `${parent.path}/${d.id}` : `/${d.id}`;
      const delta = (parent ? parent.depth + 1 : 0) - d.depth;
      await trx(TABLES.departments)
        .where({ organization_id: d.organizationId, id: d.id })
        .update({ parent_id: parent?.id ?? null, name_scope_key: nameScopeKey(nameScope, parent?.id ?? null), updated_at: toDbDateTime(now) });
      const [subtree, bindings] = below(d.path);
      await trx.raw(`UPDATE ${TABLES.departments} SET path = ${concat}, depth = depth + ? WHERE organization_id = ? AND (id = ? OR ${subtree})`, [
        newPath,
        d.path.length + 1,
        delta,
        d.organizationId,
        d.id,
        ...bindings,
      ]);
    },
  };
}

export type DepartmentMovesRepo = ReturnType<typeof departmentMovesRepo>;
