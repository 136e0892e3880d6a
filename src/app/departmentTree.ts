/**
 * The API's department tree as a stream of JSON text: rows read in
 * depth-first (path) order in chunks (adapters/db/departmentViews.ts) and
 * nested as they come (core/tree.ts TreeJsonStream), so a tree of any size is
 * sent holding one chunk and the chain of open ancestors, never the tree.
 *
 * Siblings come in path order, which is id order (ids are ULIDs: creation
 * order). `activeOnly` leaves out an inactive department with its whole
 * subtree (the activity rule: an active department is never under an inactive
 * one, so this is exactly the active departments; see core/plan/activeRule.ts).
 */
import { TreeJsonStream } from '../core/tree.js';
import type { DepartmentRecord, DepartmentView, Repositories } from './ports.js';

export interface TreeRequest {
  /** The subtree's top department; the whole organization without it. */
  root?: Pick<DepartmentView, 'path' | 'depth'>;
  /** Levels below the root (below the top level without a root) to include; all without it. */
  depth?: number;
  activeOnly: boolean;
}

/** The JSON array of the tree, in pieces (one per chunk of rows). */
export async function* departmentTreeJson(
  repos: Pick<Repositories, 'departmentReads'>,
  organizationId: string,
  request: TreeRequest,
  text: (d: DepartmentView) => string,
): AsyncGenerator<string> {
  const maxDepth = request.depth === undefined ? undefined : (request.root?.depth ?? 0) + request.depth;
  const writer = new TreeJsonStream<DepartmentView>(text, request.activeOnly ? (d) => d.isActive : undefined);
  yield writer.start();
  // hasChildren by looking ahead: in depth-first order a department's first
  // child, if it has one in the tree, is the next row. The last row of a chunk
  // waits for the next chunk. Rows at the depth limit have their children
  // outside the tree: those are asked of the database, once per chunk.
  let pending: DepartmentRecord | undefined;
  const scope = { ...(request.root ? { rootPath: request.root.path } : {}), ...(maxDepth !== undefined ? { maxDepth } : {}) };
  for await (const chunk of repos.departmentReads.treeChunks(organizationId, scope)) {
    const rows = pending ? [pending, ...chunk] : chunk;
    if (rows.length === 0) continue;
    pending = rows[rows.length - 1];
    const ready = rows.slice(0, -1);
    yield await write(ready, (d, i) => rows[i + 1]!.parentId === d.id);
  }
  if (pending) yield await write([pending], () => false);
  yield writer.end();

  async function write(rows: DepartmentRecord[], nextIsChild: (d: DepartmentRecord, i: number) => boolean): Promise<string> {
    const atLimit = maxDepth === undefined ? [] : rows.filter((d) => d.depth >= maxDepth).map((d) => d.id);
    const limitParents = atLimit.length > 0 ? await repos.departmentReads.withChildren(organizationId, atLimit) : undefined;
    let out = '';
    rows.forEach((d, i) => {
      const hasChildren = limitParents && d.depth >= maxDepth! ? limitParents.has(d.id) : nextIsChild(d, i);
      // Set on the row (read for this request alone), not spread into a copy:
      // a spread copy of a row with one more property was ~3x the row's heap
      // and lived long enough to be promoted, ~60 MB over 100,000 rows.
      const view = d as DepartmentView;
      view.hasChildren = hasChildren;
      out += writer.push(view);
    });
    return out;
  }
}
