/**
 * The activity rule: an active department never sits under an inactive one.
 * The department API holds every write to it (app/departmentWrites.ts,
 * reparentDepartment.ts); this holds an import to it, so the list, the API
 * tree and `orgsync tree --active` agree by construction (docs/formats.md).
 *
 * After the import, for each department active under an inactive parent:
 * - its parent is deactivated by a sync (absent from the file): the sync
 *   keeps the parent (and its ancestors) active instead, as it keeps the
 *   ancestors of every department the file lists;
 * - it has a row: the row fails with PARENT_INACTIVE (the parent is inactive
 *   in the database and the file does not reactivate it, or the file
 *   deactivates it);
 * - it has no row (stored, active) and its parent's row deactivates the
 *   parent: that row fails with PARENT_INACTIVE (deactivate the children too,
 *   or not the parent);
 * - neither has a row: stored that way before this import (legacy data, which
 *   migration 0014 repairs): not this import's doing, left alone.
 * A failed row falls back to its stored state, which changes the tree, so the
 * tree is built again until no row fails (as finaliseTree's own checks).
 */
import { addIssue, isLive } from './context.js';
import { label, type Tree } from './entities.js';

export interface SettledTree {
  tree: Tree;
  /** The placed entities, parents first. */
  order: Int32Array;
  /** Entities a sync deactivates. */
  deactivated: Set<number>;
}

/** `build` (finaliseTree and the sync's deactivations) until the rule holds. */
export function settleActiveRule(build: () => SettledTree): SettledTree {
  for (;;) {
    const settled = build();
    if (!refuseInactiveParents(settled)) return settled;
  }
}

/** Returns whether a row was refused (then the tree must be built again). */
function refuseInactiveParents({ tree, order, deactivated }: SettledTree): boolean {
  let refused = false;
  const blamed = new Set<number>();
  // Children before parents: a parent kept active by a sync then keeps its own parent.
  for (let i = order.length - 1; i >= 0; i--) {
    const e = order[i]!;
    const parent = tree.parent[e]!;
    const parentAfter = parent >= 0 ? tree.after[parent] : undefined;
    if (!tree.placed(e).isActive || !parentAfter || parentAfter.isActive) continue;
    if (deactivated.has(parent)) {
      deactivated.delete(parent);
      tree.after[parent] = { ...parentAfter, isActive: true };
      continue;
    }
    const pRow = tree.row[parent] ?? null;
    const parentRow = pRow !== null && isLive(pRow) ? pRow : null;
    const row = tree.row[e] ?? null;
    if (row !== null && isLive(row)) {
      const why = parentRow
        ? `row ${parentRow.row.row} makes it inactive`
        : 'it is inactive in the database and the file does not reactivate it (list it, or import this department as inactive)';
      addIssue(row, 'PARENT_INACTIVE', 'parent', `the department would be active under the inactive department "${label(tree, parent)}": ${why}`);
      refused = true;
    } else if (parentRow && !blamed.has(parent)) {
      blamed.add(parent);
      addIssue(
        parentRow,
        'PARENT_INACTIVE',
        'isActive',
        `the department would be inactive while its child "${label(tree, e)}" stays active (deactivate its children too, or move them)`,
      );
      refused = true;
    }
  }
  return refused;
}
