/**
 * Read queries for the HTTP API: departments with their timestamps and whether
 * they have children, paginated or as a whole tree. The import path never needs
 * these (departments.ts keeps its loads lean); each call here is one or two
 * queries whatever the page size.
 */
import type { Knex } from 'knex';
import type { StoredDepartment } from '../../core/model.js';
import type { Db } from './connection.js';
import { type DepartmentRow, MODEL_COLUMNS, toDepartment } from './departmentRows.js';
import { TABLES } from './tables.js';
import { fromDbDateTime, fromDbInteger } from './values.js';

export interface DepartmentView extends StoredDepartment {
  createdAt: string;
  updatedAt: string;
  hasChildren: boolean;
}

export interface DepartmentFilter {
  /** A department id, or null for top-level departments only; undefined: any parent. */
  parentId?: string | null;
  isActive?: boolean;
}

type ViewRow = DepartmentRow & { created_at: unknown; updated_at: unknown };
const VIEW_COLUMNS = [...MODEL_COLUMNS, 'created_at', 'updated_at'];

function toView(row: ViewRow, hasChildren: boolean): DepartmentView {
  return { ...toDepartment(row), createdAt: fromDbDateTime(row.created_at), updatedAt: fromDbDateTime(row.updated_at), hasChildren };
}

export function departmentViews(db: Db) {
  const table = () => db.knex(TABLES.departments);

  function filtered(organizationId: string, filter: DepartmentFilter): Knex.QueryBuilder {
    const q = table().where('organization_id', organizationId);
    if (filter.parentId === null) q.whereNull('parent_id');
    else if (filter.parentId !== undefined) q.where('parent_id', filter.parentId);
    if (filter.isActive !== undefined) q.where('is_active', filter.isActive);
    return q;
  }

  /** Which of `ids` have at least one child: one grouped query. */
  async function withChildren(organizationId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = (await table()
      .select('parent_id')
      .where('organization_id', organizationId)
      .whereIn('parent_id', ids)
      .groupBy('parent_id')) as { parent_id: string }[];
    return new Set(rows.map((r) => r.parent_id));
  }

  return {
    async get(organizationId: string, id: string): Promise<DepartmentView | undefined> {
      const row = (await table().select(VIEW_COLUMNS).where({ organization_id: organizationId, id }).first()) as ViewRow | undefined;
      if (!row) return undefined;
      return toView(row, (await withChildren(organizationId, [row.id])).has(row.id));
    },

    /** A page in a stable order (name, then id) and the total matching the filter. */
    async list(
      organizationId: string,
      filter: DepartmentFilter,
      page: { limit: number; offset: number },
    ): Promise<{ items: DepartmentView[]; total: number }> {
      const countRow = (await filtered(organizationId, filter).count({ n: '*' }).first()) as { n: unknown } | undefined;
      const rows = (await filtered(organizationId, filter)
        .select(VIEW_COLUMNS)
        .orderBy([{ column: 'name' }, { column: 'id' }])
        .limit(page.limit)
        .offset(page.offset)) as ViewRow[];
      const parents = await withChildren(
        organizationId,
        rows.map((r) => r.id),
      );
      return { items: rows.map((r) => toView(r, parents.has(r.id))), total: fromDbInteger(countRow?.n ?? 0) };
    },

    /** Every department of the organization, for the tree (filtering happens on the tree, so subtrees stay whole). */
    async all(organizationId: string): Promise<DepartmentView[]> {
      const rows = (await filtered(organizationId, {}).select(VIEW_COLUMNS)) as ViewRow[];
      const parents = new Set(rows.map((r) => r.parent_id).filter((p): p is string => p !== null));
      return rows.map((r) => toView(r, parents.has(r.id)));
    },
  };
}

export type DepartmentViews = ReturnType<typeof departmentViews>;
