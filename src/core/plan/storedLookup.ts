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
import { KeyIndex } from './keyIndex.js';
import { checkedStoredOf, indexOfIds, shareStoredPaths } from './storedPaths.js';

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
  /** Every department the view holds, in position order (see `at`): the final tree is built from them. */
  departments(): IterableIterator<StoredDepartment>;
  /**
   * Positions: each department the view holds has one, 0 to size - 1, so the
   * planner can keep what it knows about a stored department in arrays
   * instead of maps keyed by id (at 100,000 departments the id maps of
   * planning cost more than the rest of building the tree).
   */
  at(position: number): StoredDepartment;
  /** The position of the department with this id, code or openDepartmentId, or -1. */
  positionBy(key: StoredKey, value: string): number;
  /** The position of the department's parent: ROOT_POSITION at the top level, NOT_HELD if the view does not hold it. */
  parentPosition(position: number): number;
  /**
   * Drops the key indexes (a slot per stored code and openDepartmentId,
   * and the id map when one was made): by planImport, on a lookup it made itself, once
   * the tree is final. Lookups by key answer nothing afterwards.
   */
  releaseIndexes(): void;
}

export type StoredKey = 'id' | 'code' | 'openDepartmentId';

/** parentPosition of a top-level department. */
export const ROOT_POSITION = -1;
/** parentPosition of a department whose parent the view does not hold (a partial view, or a parent that does not exist). */
export const NOT_HELD = -2;

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
  /**
   * Id -> position in `list`. The id index is made on
   * first use when the list came with its parents found already (a checked
   * load, storedPaths.ts): only rows and references by id need it.
   */
  private idIndex: Map<string, number> | undefined;
  /** Positions by code and by openDepartmentId (keyIndex.ts: a Map of every stored code was ~45 bytes a department). */
  private readonly codes: KeyIndex;
  private readonly openIds: KeyIndex;
  /** One department per id (the last of duplicates, at the first one's position). */
  private readonly list: StoredDepartment[];
  private readonly parents: Int32Array;
  private readonly inconsistent: ReadonlySet<StoredDepartment>;
  private names: Map<string, StoredDepartment> | undefined;
  private parentNames: Map<string, StoredDepartment> | undefined;

  constructor(
    given: readonly StoredDepartment[],
    readonly complete: boolean,
  ) {
    // A load whose paths the database compared (storedPaths.ts) made the id index and
    // parents already: ids are unique there (the primary key), so positions are indexes.
    const checked = checkedStoredOf(given);
    if (checked) {
      this.idIndex = checked.ids;
      this.list = given as StoredDepartment[];
      this.parents = checked.parents;
      this.inconsistent = checked.inconsistent;
    } else {
      const ids = (this.idIndex = new Map<string, number>());
      const list: StoredDepartment[] = (this.list = []);
      for (const d of given) {
        const at = ids.get(d.id);
        if (at === undefined) {
          ids.set(d.id, list.length);
          list.push(d);
        } else list[at] = d;
      }
      // Each parent looked up once, here; the planner then follows positions.
      this.parents = new Int32Array(list.length);
      for (let i = 0; i < list.length; i++) {
        const parentId = list[i]!.parentId;
        this.parents[i] = parentId === null ? ROOT_POSITION : (ids.get(parentId) ?? NOT_HELD);
      }
      this.inconsistent = shareStoredPaths(list, this.parents);
    }
    // Indexed once the list is final: an index's positions must keep their keys.
    const list = this.list;
    let codes = 0;
    let openIds = 0;
    for (const d of list) {
      if (d.code !== null) codes++;
      if (d.openDepartmentId !== null) openIds++;
    }
    this.codes = new KeyIndex((at) => list[at]!.code!, codes);
    this.openIds = new KeyIndex((at) => list[at]!.openDepartmentId!, openIds);
    for (let at = 0; at < list.length; at++) {
      const d = list[at]!;
      if (d.code !== null) this.codes.set(d.code, at);
      if (d.openDepartmentId !== null) this.openIds.set(d.openDepartmentId, at);
    }
  }

  private get ids(): Map<string, number> {
    return (this.idIndex ??= indexOfIds(this.list));
  }

  get size(): number {
    return this.list.length;
  }

  byId(id: string): StoredDepartment | undefined {
    return this.held(this.ids.get(id));
  }

  byCode(code: string): StoredDepartment | undefined {
    return this.held(this.codes.get(code));
  }

  byOpenDepartmentId(openDepartmentId: string): StoredDepartment | undefined {
    return this.held(this.openIds.get(openDepartmentId));
  }

  private held(position: number | undefined): StoredDepartment | undefined {
    return position === undefined || position < 0 ? undefined : this.list[position];
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
    return this.list.values();
  }

  at(position: number): StoredDepartment {
    const d = this.list[position];
    if (d === undefined) throw new Error(`stored lookup: no department at position ${position}`);
    return d;
  }

  positionBy(key: StoredKey, value: string): number {
    return key === 'id' ? (this.ids.get(value) ?? -1) : (key === 'code' ? this.codes : this.openIds).get(value);
  }

  parentPosition(position: number): number {
    return this.parents[position] ?? NOT_HELD;
  }

  releaseIndexes(): void {
    this.idIndex = new Map();
    this.codes.clear();
    this.openIds.clear();
    this.names = undefined;
    this.parentNames = undefined;
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
  // Duplicates are kept once by the lookup itself.
  return new ListLookup(fetched, false);
}
