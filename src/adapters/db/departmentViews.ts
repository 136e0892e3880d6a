/**
 * Read queries for the HTTP API: departments with their timestamps and whether
 * they have children, as keyset pages of a list or as the rows of a tree in
 * depth-first order. The import path never needs these (departments.ts keeps
 * its loads lean). Nothing here reads more rows than it returns (plus one per
 * range), so the cost of a page does not depend on the organization's size;
 * the indexes that make that so are migration 0014's.
 */
import type { Knex } from 'knex';
import type { StoredDepartment } from '../../core/model.js';
import type { Db } from './connection.js';
import { type DepartmentRow, MODEL_COLUMNS, toDepartment } from './departmentRows.js';
import { TABLES } from './tables.js';
import { fromDbDateTime } from './values.js';

export interface DepartmentRecord extends StoredDepartment {
  createdAt: string;
  updatedAt: string;
}

export interface DepartmentView extends DepartmentRecord {
  hasChildren: boolean;
}

export interface DepartmentFilter {
  /** A department id, or null for top-level departments only; undefined: any parent. */
  parentId?: string | null;
  isActive?: boolean;
  code?: string;
  openDepartmentId?: string;
  /** Exactly this (normalised) name. */
  name?: string;
}

/** A position in the list's (name, id) order: the page starts after it. */
export interface ListKey {
  name: string;
  id: string;
}

/** Which rows a tree holds: the subtree at `rootPath` (the whole organization without it), down to depth `maxDepth`. */
export interface TreeScope {
  rootPath?: string;
  maxDepth?: number;
}

type ViewRow = DepartmentRow & { created_at: unknown; updated_at: unknown };
const VIEW_COLUMNS = [...MODEL_COLUMNS, 'created_at', 'updated_at'];

function toRecord(row: ViewRow): DepartmentRecord {
  const record = toDepartment(row) as DepartmentRecord;
  record.createdAt = fromDbDateTime(row.created_at);
  record.updatedAt = fromDbDateTime(row.updated_at);
  return record;
}

/** The databases' order of names and ids (utf8mb4_bin on MySQL, BINARY on SQLite): code points, as UTF-8 bytes compare. */
export function compareKeys(a: ListKey, b: ListKey): number {
  return Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)) || Buffer.compare(Buffer.from(a.id), Buffer.from(b.id));
}

/** Rows of a tree page (SQLite): one query each. */
const TREE_CHUNK = 500;
/**
 * Rows of the stream's chunks (MySQL). Small: rows held while a chunk fills
 * outlive V8's young-generation collections and are promoted, and old-space
 * garbage is only freed by a full collection, so with chunks of 500 the
 * server's heap (and RSS) grew by ~100 MB over a 100,000-department tree.
 */
const STREAM_CHUNK = 50;

export function departmentViews(db: Db) {
  const table = () => db.knex(TABLES.departments);

  /**
   * Which of `ids` have at least one child: per id, one probe of the parent
   * index for its first child. A scalar subquery with LIMIT 1, not EXISTS:
   * MariaDB turns `WHERE EXISTS` into a semi-join that reads every child.
   */
  async function withChildren(organizationId: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const firstChild = db
      .knex({ c: TABLES.departments })
      .select('c.id')
      .where('c.organization_id', organizationId)
      .whereRaw('?? = ??', ['c.parent_id', 'd.id'])
      .limit(1)
      .as('first_child');
    const rows = (await db
      .knex({ d: TABLES.departments })
      .select('d.id', firstChild)
      .where('d.organization_id', organizationId)
      .whereIn('d.id', ids)) as { id: string; first_child: string | null }[];
    return new Set(rows.filter((r) => r.first_child !== null).map((r) => r.id));
  }

  async function views(organizationId: string, records: DepartmentRecord[]): Promise<DepartmentView[]> {
    const parents = await withChildren(
      organizationId,
      records.map((r) => r.id),
    );
    return records.map((r) => ({ ...r, hasChildren: parents.has(r.id) }));
  }

  /** One index range: the filter with is_active fixed, in (name, id) order after `after`, at most `limit` rows. */
  async function range(organizationId: string, filter: DepartmentFilter, isActive: boolean, after: ListKey | undefined, limit: number): Promise<DepartmentView[]> {
    // hasChildren in the same statement: per returned row, one probe of the
    // parent index for its first child (the scalar subquery of withChildren).
    const firstChild = db
      .knex({ c: TABLES.departments })
      .select('c.id')
      .where('c.organization_id', organizationId)
      .whereRaw('?? = ??', ['c.parent_id', `${TABLES.departments}.id`])
      .limit(1)
      .as('first_child');
    const q = table().select([...VIEW_COLUMNS.map((c) => `${TABLES.departments}.${c}`), firstChild]).where('organization_id', organizationId).where('is_active', isActive);
    if (filter.parentId === null) q.whereNull('parent_id');
    else if (filter.parentId !== undefined) q.where('parent_id', filter.parentId);
    if (filter.code !== undefined) q.where('code', filter.code);
    if (filter.openDepartmentId !== undefined) q.where('open_department_id', filter.openDepartmentId);
    if (filter.name !== undefined) q.where('name', filter.name);
    if (after) {
      q.andWhere((w) => {
        void w.where('name', '>', after.name).orWhere((same) => void same.where('name', after.name).andWhere('id', '>', after.id));
      });
    }
    // The order, as the index gives it: with a unique key there is one row at
    // most (no order), with one name the ids of that name (MariaDB would
    // otherwise sort the rows of the name rather than see that the index has them in order).
    if (filter.code === undefined && filter.openDepartmentId === undefined) q.orderBy(filter.name === undefined ? [{ column: 'name' }, { column: 'id' }] : [{ column: 'id' }]);
    const rows = (await q.limit(limit)) as (ViewRow & { first_child: string | null })[];
    return rows.map((row) => {
      const view = toRecord(row) as DepartmentView;
      view.hasChildren = row.first_child !== null;
      return view;
    });
  }

  /** The tree's rows for one database: depth-first (path) order, in chunks. */
  function treeQuery(runner: Knex | Knex.Transaction, organizationId: string, scope: TreeScope): Knex.QueryBuilder {
    const from = db.dialect === 'sqlite' ? db.knex.raw('?? INDEXED BY ??', [TABLES.departments, 'departments_org_path_idx']) : TABLES.departments;
    const q = runner.from(from).select(VIEW_COLUMNS).where('organization_id', organizationId);
    if (scope.maxDepth !== undefined) q.where('depth', '<=', scope.maxDepth);
    if (scope.rootPath !== undefined) {
      const root = scope.rootPath;
      if (db.dialect === 'sqlite') {
        // [root, root + '0'): the root and every path that continues it ('/' sorts just before '0'): a range of departments_org_path_idx.
        q.where('path', '>=', root).where('path', '<', `${root}0`);
      } else {
        // The root and its subtree through departments_org_path_prefix_idx (migration 0013);
        // the collation is case-insensitive, so inScope() below keeps the exact matches.
        const like = `${root.replace(/[!%_]/g, (c) => `!${c}`)}/%`;
        q.andWhere((w) => void w.where('path', root).orWhereRaw("?? LIKE ? ESCAPE '!'", ['path', like]));
      }
    }
    return q;
  }

  const inScope = (scope: TreeScope) => (r: DepartmentRecord) =>
    scope.rootPath === undefined || r.path === scope.rootPath || r.path.startsWith(`${scope.rootPath}/`);

  /** SQLite: keyset pages by path, each an index range of departments_org_path_idx. */
  async function* sqliteTree(organizationId: string, scope: TreeScope): AsyncGenerator<DepartmentRecord[]> {
    let after: string | undefined;
    for (;;) {
      const q = treeQuery(db.knex, organizationId, scope);
      if (after !== undefined) q.where('path', '>', after);
      const rows = (await q.orderBy('path').limit(TREE_CHUNK)) as ViewRow[];
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.path;
      yield rows.map(toRecord).filter(inScope(scope));
      if (rows.length < TREE_CHUNK) return;
    }
  }

  /**
   * MySQL/MariaDB cannot index the TEXT path, so a keyset page by path would
   * sort the rest of the organization each time. One query instead, sorted
   * once by the server and streamed row by row (paused while the reply
   * drains), in a transaction of its own (one connection, one snapshot).
   * max_sort_length: the server sorts TEXT by its first 1,024 bytes by
   * default (about 31 levels of path; ties then come in any order and the
   * nesting breaks); raised for this query's connection only. Read only, so
   * the transaction is rolled back rather than committed.
   */
  async function* mysqlTree(organizationId: string, scope: TreeScope): AsyncGenerator<DepartmentRecord[]> {
    const trx = await db.knex.transaction();
    try {
      // Long enough for the deepest path (ids are at most 32 bytes, plus '/';
      // utf8mb4_bin sort keys weigh 4 bytes a character), and no longer.
      const deepest = (await trx(TABLES.departments).where('organization_id', organizationId).max({ d: 'depth' }).first()) as { d: unknown } | undefined;
      const levels = Math.min(scope.maxDepth ?? Number.POSITIVE_INFINITY, Number(deepest?.d ?? 0)) + 1;
      const keyBytes = Math.max(1024, levels * 33 * 4);
      // The server refuses a sort whose buffer cannot hold ~16 keys of the longest length.
      await trx.raw('SET SESSION max_sort_length = ?, sort_buffer_size = GREATEST(@@sort_buffer_size, ?)', [keyBytes, keyBytes * 20]);
      const stream = treeQuery(trx, organizationId, scope).orderByRaw('?? COLLATE utf8mb4_bin', ['path']).stream();
      try {
        let chunk: DepartmentRecord[] = [];
        const keep = inScope(scope);
        for await (const row of stream as AsyncIterable<ViewRow>) {
          const record = toRecord(row);
          if (keep(record)) chunk.push(record);
          if (chunk.length >= STREAM_CHUNK) {
            yield chunk;
            chunk = [];
          }
        }
        if (chunk.length > 0) yield chunk;
      } finally {
        stream.destroy();
      }
    } finally {
      // Also when the reader stopped early (a client that went away): the connection goes back to the pool as it came.
      await trx.raw('SET SESSION max_sort_length = DEFAULT, sort_buffer_size = DEFAULT').catch(() => undefined);
      await trx.rollback().catch(() => undefined);
    }
  }

  return {
    withChildren,

    async get(organizationId: string, id: string): Promise<DepartmentView | undefined> {
      const row = (await table().select(VIEW_COLUMNS).where({ organization_id: organizationId, id }).first()) as ViewRow | undefined;
      return row ? (await views(organizationId, [toRecord(row)]))[0] : undefined;
    },

    /**
     * Up to `limit` departments matching the filter, in (name, id) order after
     * `after`. Without an is_active filter: the two ranges (inactive, active)
     * read `limit` rows each and merged, so both stay index ranges.
     */
    async page(organizationId: string, filter: DepartmentFilter, page: { limit: number; after?: ListKey }): Promise<DepartmentView[]> {
      const states = filter.isActive === undefined ? [false, true] : [filter.isActive];
      const ranges = await Promise.all(states.map((s) => range(organizationId, filter, s, page.after, page.limit)));
      const merged = ranges.length === 1 ? ranges[0]! : ranges.flat().sort(compareKeys).slice(0, page.limit);
      return merged;
    },

    /** The departments of a tree in depth-first order (a department, then its subtree; siblings by id), in chunks. */
    treeChunks(organizationId: string, scope: TreeScope): AsyncIterable<DepartmentRecord[]> {
      return db.dialect === 'mysql' ? mysqlTree(organizationId, scope) : sqliteTree(organizationId, scope);
    },

  };
}

export type DepartmentViews = ReturnType<typeof departmentViews>;
