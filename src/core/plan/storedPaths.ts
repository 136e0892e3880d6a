/**
 * Stored paths, compactly. The database gives every path as a flat string of
 * its own, ~33 bytes a level (a department at depth 7 holds ~250 bytes of
 * path): at 1,000,000 departments ~200 MB. A path that is what it should be
 * (its parent's path, '/', its id) is rebuilt as `${parent.path}/` + id: one
 * small string node pointing at its parent's prefix (one per parent, shared by
 * the siblings: ChildPathPrefixes) and at the id the department holds anyway;
 * and its parentId becomes its parent's own id string. The text is the same; only V8's representation changes.
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
  // Parents before children, so each parent's path is shared before its children's are built on it.
  const prefixes = new ChildPathPrefixes(stored.length);
  for (const i of byDepth(stored, maxDepth)) {
    const d = stored[i]!;
    if (ok[i] !== 1 || d.parentId === null) continue;
    const parent = stored[parents[i]!]!;
    d.path = prefixes.of(parents[i]!, parent.path) + d.id;
    // The same text as the parent's id, read as a string of its own (~48 bytes).
    d.parentId = parent.id;
  }
  return inconsistent;
}

/** What a load whose paths the database compared hands the lookup (see composeCheckedPaths). */
export interface CheckedStored {
  /** Id -> position in the list, when one had to be made (ids not in order); else made by the lookup on first use. */
  readonly ids: Map<string, number> | undefined;
  /** Position of each department's parent (ROOT_POSITION -1, NOT_HELD -2), as storedLookup.ts keeps them. */
  readonly parents: Int32Array;
  /** The departments whose stored path is not their parent's path plus their id. */
  readonly inconsistent: Set<StoredDepartment>;
}

const checkedLists = new WeakMap<readonly StoredDepartment[], CheckedStored>();

/**
 * Paths the database compared. A load (adapters/db/departmentLoad.ts) asks
 * the database whether each stored path is its parent's stored path plus
 * '/' and its id (and the depth its parent's plus one), and receives the
 * path's text only when it is not: the text of every other path is built
 * here, shared as shareStoredPaths would (`${parent.path}/${id}`), without
 * the flat copies ever being held. At 1,000,000 departments the flat paths
 * were ~250 MB of the load's peak, for one comparison each.
 *
 * `checked[i]` is 1 where the database found `stored[i]`'s path consistent
 * (its `path` is then a placeholder). The list is remembered with its
 * parents, so a lookup over it (storedLookup.ts) compares nothing again.
 */
export function composeCheckedPaths(stored: StoredDepartment[], checked: Uint8Array): CheckedStored {
  // Loaded in (depth, id) order (departmentLoad.ts), a parent is found by binary
  // search in the band of the level above: no index of every id (~60 bytes a
  // department with its growth, at 1,000,000 ~60 MB held through planning)
  // unless a row asks by id (the lookup then makes it: storedLookup.ts). A list
  // in another order, or a department whose stored depth the database found
  // wrong (its parent may sit at any level), is looked up in a full index.
  const bands = depthBands(stored);
  let ids: Map<string, number> | undefined = bands === undefined ? indexOfIds(stored) : undefined;
  const anywhere = (id: string): number => (ids ??= indexOfIds(stored)).get(id) ?? -2;
  const positionOf = (id: string, depth: number, consistent: boolean): number =>
    bands === undefined || !consistent ? anywhere(id) : bandSearch(stored, id, bands, depth - 1);
  const parents = new Int32Array(stored.length);
  let maxDepth = 0;
  const inconsistent = new Set<StoredDepartment>();
  for (let i = 0; i < stored.length; i++) {
    const d = stored[i]!;
    parents[i] = d.parentId === null ? -1 : positionOf(d.parentId, d.depth, checked[i] === 1);
    if (d.depth > maxDepth) maxDepth = d.depth;
    if (checked[i] !== 1) inconsistent.add(d);
    // The database's word: a parent in the list, one level up (a top-level one is at depth 0).
    else if (d.parentId === null ? d.depth !== 0 : parents[i]! < 0 || stored[parents[i]!]!.depth !== d.depth - 1) {
      throw new Error(`stored paths: department ${d.id} was checked against a parent the list does not hold`);
    }
  }
  // Parents before children, so each parent's path is complete before its children's are
  // built on it: the list's own order when it is by depth (the load's).
  const prefixes = new ChildPathPrefixes(stored.length);
  for (const i of bands === undefined ? byDepth(stored, maxDepth) : positions(stored.length)) {
    if (checked[i] !== 1) continue;
    const d = stored[i]!;
    if (d.parentId === null) {
      d.path = `/${d.id}`;
      continue;
    }
    const parent = stored[parents[i]!]!;
    d.path = prefixes.of(parents[i]!, parent.path) + d.id;
    d.parentId = parent.id;
  }
  const result = { ids, parents, inconsistent };
  checkedLists.set(stored, result);
  return result;
}

/** Id -> position. */
export function indexOfIds(stored: readonly StoredDepartment[]): Map<string, number> {
  const ids = new Map<string, number>();
  for (let i = 0; i < stored.length; i++) ids.set(stored[i]!.id, i);
  return ids;
}

/**
 * Where each depth's departments start, when the list is in (depth, id) order
 * with ids strictly increasing within a depth (as JavaScript compares strings:
 * the database's order for the ids orgsync makes): `bands[k]` is the first
 * position at depth k, `bands[k + 1]` one past its last. Undefined in any other order.
 */
function depthBands(stored: readonly StoredDepartment[]): Int32Array | undefined {
  const last = stored.length === 0 ? 0 : stored[stored.length - 1]!.depth;
  if (!(last >= 0)) return undefined;
  const bands = new Int32Array(last + 2);
  let depth = 0;
  for (let i = 0; i < stored.length; i++) {
    const d = stored[i]!;
    if (i > 0 && d.depth === depth) {
      if (!(stored[i - 1]!.id < d.id)) return undefined;
      continue;
    }
    if (!(d.depth > depth || i === 0) || d.depth < 0 || d.depth > last) return undefined;
    // Depths without departments get empty bands.
    for (let k = depth + 1; k <= d.depth; k++) bands[k] = i;
    depth = d.depth;
  }
  bands[last + 1] = stored.length;
  return bands;
}

/** The position of `id` among the departments at `depth` (see depthBands), or -2 (NOT_HELD). */
function bandSearch(stored: readonly StoredDepartment[], id: string, bands: Int32Array, depth: number): number {
  if (depth < 0 || depth + 1 >= bands.length) return -2;
  let lo = bands[depth]!;
  let hi = bands[depth + 1]! - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = stored[mid]!.id;
    if (at === id) return mid;
    if (at < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -2;
}

/** The indexes composeCheckedPaths made for this very list, if it made them (and the list was not changed since). */
export function checkedStoredOf(stored: readonly StoredDepartment[]): CheckedStored | undefined {
  const c = checkedLists.get(stored);
  return c !== undefined && c.parents.length === stored.length ? c : undefined;
}

function* positions(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

/** Positions of `stored` by depth, shallowest first: a counting sort (no list per department). */
function byDepth(stored: readonly { depth: number }[], maxDepth: number): Int32Array {
  const start = new Int32Array(maxDepth + 2);
  for (const d of stored) start[Math.max(0, d.depth) + 1]!++;
  for (let i = 1; i < start.length; i++) start[i]! += start[i - 1]!;
  const order = new Int32Array(stored.length);
  for (let i = 0; i < stored.length; i++) order[start[Math.max(0, stored[i]!.depth)]!++] = i;
  return order;
}

/**
 * `${parent.path}/`, made once per parent and shared by its children: a
 * child's path is then one 32-byte string node (prefix + id) where
 * `${parent.path}/${id}` made two, one of them the same text for every
 * sibling (at 1,000,000 departments ~30 MB held through planning). By the
 * parent's position; the array is the caller's, dropped with it.
 */
export class ChildPathPrefixes {
  private readonly prefixes: (string | undefined)[];

  constructor(size: number) {
    this.prefixes = new Array<string | undefined>(size);
  }

  of(parent: number, parentPath: string): string {
    return (this.prefixes[parent] ??= `${parentPath}/`);
  }
}
