/**
 * Stored paths, compactly. The database gives every path as a flat string of
 * its own, ~33 bytes a level (a department at depth 7 holds ~250 bytes of
 * path): at 1,000,000 departments ~200 MB. A path that is what it should be
 * (its parent's path, '/', its id) is rebuilt as `${parent.path}/${id}`: two
 * small string nodes pointing at the parent's path and at the id the
 * department holds anyway; and its parentId becomes its parent's own id
 * string. The text is the same; only V8's representation changes.
 *
 * Every comparison is made on the flat strings as read, before any is
 * replaced: comparing or searching a composed string makes V8 flatten it in
 * place, which would undo the sharing. So the planner never compares a
 * shared path again: `inconsistent` lists the departments whose stored path
 * is not what it should be, and only those are compared (and repaired).
 */
import type { StoredDepartment } from '../model.js';

const SLASH = 47;

/**
 * Shares the paths of `stored` in place; returns the departments whose path
 * is not their parent's path plus their id (normally none). `parents[i]` is
 * the position in `stored` of the parent of `stored[i]` (negative: top level,
 * or a parent not in `stored`). Paths already shared by an earlier call are
 * compared again (flattening them: correct, only less compact).
 */
export function shareStoredPaths(stored: readonly StoredDepartment[], parents: Int32Array): Set<StoredDepartment> {
  const inconsistent = new Set<StoredDepartment>();
  const ok = new Uint8Array(stored.length);
  let maxDepth = 0;
  for (let i = 0; i < stored.length; i++) {
    const d = stored[i]!;
    if (d.depth > maxDepth) maxDepth = d.depth;
    const parent = parents[i]! >= 0 ? stored[parents[i]!] : undefined;
    const p = parent === undefined ? '' : parent.path;
    const path = d.path;
    const depthOk = parent === undefined ? d.parentId === null && d.depth === 0 : d.depth === parent.depth + 1;
    if (depthOk && path.length === p.length + 1 + d.id.length && path.charCodeAt(p.length) === SLASH && path.startsWith(p) && path.endsWith(d.id)) {
      ok[i] = 1;
    } else inconsistent.add(d);
  }
  // Parents before children (a counting sort by depth: no list per department),
  // so each parent's path is shared before its children's are built on it.
  const start = new Int32Array(maxDepth + 2);
  for (const d of stored) start[Math.max(0, d.depth) + 1]!++;
  for (let i = 1; i < start.length; i++) start[i]! += start[i - 1]!;
  const order = new Int32Array(stored.length);
  for (let i = 0; i < stored.length; i++) order[start[Math.max(0, stored[i]!.depth)]!++] = i;
  for (const i of order) {
    const d = stored[i]!;
    if (ok[i] !== 1 || d.parentId === null) continue;
    const parent = stored[parents[i]!]!;
    d.path = `${parent.path}/${d.id}`;
    // The same text as the parent's id, read as a string of its own (~48 bytes).
    d.parentId = parent.id;
  }
  return inconsistent;
}
