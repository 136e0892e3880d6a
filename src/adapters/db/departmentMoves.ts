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
    /**
     * With `lock` (MySQL; SQLite's transaction holds the write lock already): a
     * locking read, which sees the latest committed row whatever the
     * transaction's snapshot, and keeps it until the transaction ends.
     */
    async findBy(trx: Knex.Transaction, organizationId: string, key: DepartmentKey, value: string, lock?: 'update' | 'share'): Promise<StoredDepartment | undefined> {
      const q = trx(TABLES.departments)
        .select(...MODEL_COLUMNS)
        .where({ organization_id: organizationId, [key]: value })
        .first();
      if (db.dialect === 'mysql' && lock === 'update') void q.forUpdate();
      if (db.dialect === 'mysql' && lock === 'share') void q.forShare();
      const row = (await q) as DepartmentRow | undefined;
      return row ? toDepartment(row) : undefined;
    },

    /**
     * The deepest depth in the subtree rooted at `d` (itself included), read
     * with the subtree's rows locked for the move that follows: no concurrent
     * create or move changes the subtree between this check and the move.
     */
    async deepestBelow(trx: Knex.Transaction, d: StoredDepartment): Promise<number> {
      const q = trx(TABLES.departments)
        .where('organization_id', d.organizationId)
        .andWhereRaw(...below(d.path))
        .max({ deepest: 'depth' })
        .first();
      if (db.dialect === 'mysql') void q.forUpdate();
      const row = (await q) as { deepest: unknown } | undefined;
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
        .update({ parent_id: parent?.id ?? null, name_scope_key: nameScopeKey(nameScope, parent?.id ?? null), path: newPath, depth: d.depth + delta, updated_at: toDbDateTime(now) });
      // The descendants alone, by path prefix: one range of the path index (no OR with the id, which could make it a scan).
      const [subtree, bindings] = below(d.path);
      await trx.raw(`UPDATE ${TABLES.departments} SET path = ${concat}, depth = depth + ? WHERE organization_id = ? AND ${subtree}`, [
        newPath,
        d.path.length + 1,
        delta,
        d.organizationId,
        ...bindings,
      ]);
    },
  };
}

export type DepartmentMovesRepo = ReturnType<typeof departmentMovesRepo>;
