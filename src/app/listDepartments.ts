/**
 * The department list every API face pages through: keyset pages in (name, id)
 * order, each costing an index range of one page whatever the organization's
 * size (adapters/db/departmentViews.ts, migration 0014). No total: counting
 * the matches would read all of them on every page.
 *
 * The cursor is opaque to clients: base64url of the last row's sort key. A
 * page's position, not its filters, so the same cursor with other filters
 * simply continues from the same name.
 */
import { OrgsyncError } from '../core/errors.js';
import { normaliseName } from '../core/normalise/values.js';
import type { DepartmentFilter, DepartmentView, ListKey, Repositories } from './ports.js';

export interface ListDepartmentsQuery {
  /** A department id, or null for top-level departments only; undefined: any parent. */
  parentId?: string | null;
  isActive?: boolean;
  code?: string;
  openDepartmentId?: string;
  /** Exactly this name, compared as the importer compares names (trimmed, whitespace collapsed, NFC). */
  name?: string;
  limit: number;
  /** Opaque, from a previous page's nextCursor. */
  cursor?: string;
}

export interface DepartmentListPage {
  items: DepartmentView[];
  /** null on the last page. */
  nextCursor: string | null;
}

/** The most a page holds, whatever a face asks for. */
export const MAX_PAGE_SIZE = 200;
/** A cursor is at most a 255-character name and an id: far shorter than this. */
const MAX_CURSOR_LENGTH = 2048;
const CURSOR_VERSION = 1;

export function encodeCursor(key: ListKey): string {
  return Buffer.from(JSON.stringify([CURSOR_VERSION, key.name, key.id]), 'utf8').toString('base64url');
}

/** The key a cursor holds; throws INVALID_CURSOR for anything this module did not write. */
export function decodeCursor(cursor: string): ListKey {
  const invalid = () => new OrgsyncError('INVALID_CURSOR', 'The cursor is not one this API gave out; pass next_cursor from the previous page unchanged.');
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || parsed[0] !== CURSOR_VERSION) throw invalid();
  const [, name, id] = parsed as unknown[];
  if (typeof name !== 'string' || typeof id !== 'string' || name.length > 1024 || id.length === 0 || id.length > 64) throw invalid();
  return { name, id };
}

/** The filter as stored values compare: trimmed keys, the importer's name normalisation; undefined: nothing can match. */
function storedFilter(query: ListDepartmentsQuery): DepartmentFilter | undefined {
  const filter: DepartmentFilter = {};
  if (query.parentId !== undefined) filter.parentId = query.parentId;
  if (query.isActive !== undefined) filter.isActive = query.isActive;
  if (query.code !== undefined) filter.code = query.code.trim();
  if (query.openDepartmentId !== undefined) filter.openDepartmentId = query.openDepartmentId.trim();
  if (query.name !== undefined) {
    const name = normaliseName(query.name);
    if (!name.ok || name.value === null) return undefined;
    filter.name = name.value;
  }
  return filter;
}

export async function listDepartments(
  repos: Pick<Repositories, 'departmentReads'>,
  organizationId: string,
  query: ListDepartmentsQuery,
): Promise<DepartmentListPage> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const limit = Math.max(1, Math.min(MAX_PAGE_SIZE, Math.trunc(query.limit)));
  const filter = storedFilter(query);
  if (!filter) return { items: [], nextCursor: null };
  // One more than the page: whether there is a next page, without a count.
  const rows = await repos.departmentReads.page(organizationId, filter, { limit: limit + 1, ...(after ? { after } : {}) });
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor({ name: last.name, id: last.id }) : null };
}
