/**
 * A checked load's departments, collected as the database sends them
 * (adapters/db/departmentLoad.ts), then handed to composeCheckedPaths.
 *
 * Rows come in (depth, id) order, so when a department arrives its parent
 * has arrived already, in the level just above: its parentId (the driver's
 * own copy of the parent's id, ~48 bytes) is replaced at once by the
 * parent's id string, found by binary search in that level. composeCheckedPaths
 * made the same replacement after the whole load, when every copy had lived
 * long enough to be moved to the old generation, where an import's garbage
 * stays to its end (bench/README.md): ~42 bytes a department of the
 * unchanged re-import's peak. The text is the same; in any other order (the
 * database's collation sorting ids otherwise) nothing is replaced here and
 * composeCheckedPaths does as before.
 */
import type { StoredDepartment } from '../model.js';
import { composeCheckedPaths } from './storedPaths.js';

export class CheckedLoad {
  private readonly departments: StoredDepartment[] = [];
  /** 1 where the database found the path consistent; grown as rows arrive. */
  private checked = new Uint8Array(1024);
  /** The level being received, where it starts, and where the level above it starts. */
  private depth = -1;
  private levelStart = 0;
  private aboveStart = 0;
  /** Whether rows came by depth, one level after the other, so far. */
  private inOrder = true;

  /** `onEach`: sees each department as it is received (loadTextSharing.ts). */
  constructor(private readonly onEach?: (d: StoredDepartment) => void) {}

  /** `consistent`: the database found the department's path to be its parent's plus its id (its `path` is then a placeholder). */
  add(d: StoredDepartment, consistent: boolean): void {
    const at = this.departments.length;
    if (at === this.checked.length) {
      const grown = new Uint8Array(this.checked.length * 2);
      grown.set(this.checked);
      this.checked = grown;
    }
    this.checked[at] = consistent ? 1 : 0;
    if (d.depth !== this.depth) {
      if (d.depth === this.depth + 1) {
        this.aboveStart = this.levelStart;
        this.levelStart = at;
        this.depth = d.depth;
      } else this.inOrder = false;
    }
    if (this.inOrder && d.parentId !== null) {
      const parent = this.inLevelAbove(d.parentId);
      if (parent !== undefined) d.parentId = parent.id;
    }
    this.onEach?.(d);
    this.departments.push(d);
  }

  /** Every department received, with their paths composed (composeCheckedPaths). */
  finish(): StoredDepartment[] {
    const departments = this.departments;
    composeCheckedPaths(departments, this.checked.subarray(0, departments.length));
    return departments;
  }

  private inLevelAbove(id: string): StoredDepartment | undefined {
    let lo = this.aboveStart;
    let hi = this.levelStart - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.departments[mid]!;
      if (at.id === id) return at;
      if (at.id < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
}
