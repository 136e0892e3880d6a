/**
 * The planner's view of the stored departments: a lookup, not a list. The
 * planner asks it for departments by id, code, openDepartmentId and name
 * (in its scope), and builds the tree after the import from the departments
 * it holds.
 *
 * An import answers it from its one bulk load of the organization (complete:
 * every stored department). A single API request answers it from a few
 * indexed queries (adapters/db/departmentLookup.ts): the rows that
 * `lookupKeysOf` (rowKeys.ts) says the planner can ask about, plus the
 * parents' ancestors, so that the tree part is closed under parent. Both are
 * this one implementation over a list, so the planner's code and rules are
 * the same for both; only what the list holds differs.
 */
import type { StoredDepartment } from '../model.js';
import { shareStoredPaths } from './storedPaths.js';

export interface StoredLookup {
  /**
   * true: every stored department of the organization (an import). false:
   * only the candidates a request fetched; "not found" then means "not
   * among the keys the request looked up", so steps that need every stored
   * department (sync's deactivations) must not run on it.
   */
  readonly complete: boolean;
  /** How many departments the view holds. */
  readonly size: number;
  byId(id: string): StoredDepartment | undefined;
  byCode(code: string): StoredDepartment | undefined;
  byOpenDepartmentId(openDepartmentId: string): StoredDepartment | undefined;
  /** The first department with this name (names are unique per organization in `organization` scope). */
  byName(name: string): StoredDepartment | undefined;
  /** By `parentNameKey(parentId, name)` (context.ts): the department of that name under that parent. */
  byParentNameKey(key: string): StoredDepartment | undefined;
  /** Whether `d`'s stored path is not its parent's path plus its id (normally never: storedPaths.ts). */
  hasInconsistentPath(d: StoredDepartment): boolean;
  /** Every department the view holds: the final tree is built from them. */
  departments(): IterableIterator<StoredDepartment>;
}

export function parentNameKey(parentId: string | null, name: string): string {
  return `${parentId ?? '#root'}\u0000${name}`;
}

/**
 * The lookup over a list of stored departments: indexes by id, code and
 * openDepartmentId built once (one pass, as the planner always did), the name
 * indexes on first use (only rows without keys and changed names need them,
 * and building them costs as much as the rest). Shares the departments'
 * stored paths in place (storedPaths.ts).
 */
class ListLookup implements StoredLookup {
  private readonly ids = new Map<string, StoredDepartment>();
  private readonly codes = new Map<string, StoredDepartment>();
  private readonly openIds = new Map<string, StoredDepartment>();
  private readonly inconsistent: ReadonlySet<StoredDepartment>;
  private names: Map<string, StoredDepartment> | undefined;
  private parentNames: Map<string, StoredDepartment> | undefined;

  constructor(
    private readonly list: readonly StoredDepartment[],
    readonly complete: boolean,
  ) {
    for (const d of list) {
      this.ids.set(d.id, d);
      if (d.code !== null) this.codes.set(d.code, d);
      if (d.openDepartmentId !== null) this.openIds.set(d.openDepartmentId, d);
    }
    this.inconsistent = shareStoredPaths(list, this.ids);
  }

  get size(): number {
    return this.ids.size;
  }

  byId(id: string): StoredDepartment | undefined {
    return this.ids.get(id);
  }

  byCode(code: string): StoredDepartment | undefined {
    return this.codes.get(code);
  }

  byOpenDepartmentId(openDepartmentId: string): StoredDepartment | undefined {
    return this.openIds.get(openDepartmentId);
  }

  byName(name: string): StoredDepartment | undefined {
    if (!this.names) {
      this.names = new Map();
      for (const d of this.list) if (!this.names.has(d.name)) this.names.set(d.name, d);
    }
    return this.names.get(name);
  }

  byParentNameKey(key: string): StoredDepartment | undefined {
    return (this.parentNames ??= new Map(this.list.map((d) => [parentNameKey(d.parentId, d.name), d]))).get(key);
  }

  hasInconsistentPath(d: StoredDepartment): boolean {
    return this.inconsistent.has(d);
  }

  departments(): IterableIterator<StoredDepartment> {
    return this.ids.values();
  }
}

/** An import's view: every stored department of the organization, from its one bulk load. */
export function completeLookup(stored: readonly StoredDepartment[]): StoredLookup {
  return new ListLookup(stored, true);
}

/**
 * A request's view: the few departments it fetched (duplicates are fine),
 * which must include every department the planner can look up for its row
 * (rowKeys.ts) and the ancestors of its parent candidates.
 */
export function partialLookup(fetched: readonly StoredDepartment[]): StoredLookup {
  const unique = new Map<string, StoredDepartment>();
  for (const d of fetched) unique.set(d.id, d);
  return new ListLookup([...unique.values()], false);
}
