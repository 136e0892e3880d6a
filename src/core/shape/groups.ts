/**
 * Aggregated shapes (path and level columns, member columns, --repeated-rows):
 * rows are grouped per department while they stream, and at the end each
 * group gives the planner one row (or a conflict). Memory grows with
 * departments, not rows: one row per variant, row numbers as ranges.
 */
import type { NormalisedRow } from '../normalise/normaliseRow.js';
import type { ShapeSpec } from './spec.js';
import type { ShapeState } from './state.js';
import { type Group, type Variant, addRow, conflictIssue, firstRun, sameRow, signature } from './variants.js';

export class Groups {
  readonly list: Group[] = [];
  private readonly byKey = new Map<string, number>();

  constructor(private readonly state: ShapeState) {}

  get(key: string, label: string): { group: Group; idx: number; created: boolean } {
    const found = this.byKey.get(key);
    if (found !== undefined) return { group: this.list[found]!, idx: found, created: false };
    const group: Group = { label, issues: [], variants: [], failed: [] };
    this.list.push(group);
    this.byKey.set(key, this.list.length - 1);
    return { group, idx: this.list.length - 1, created: true };
  }

  /** Adds a row's description of a department to its group: merged if identical to an earlier one. */
  addVariant(group: Group, n: NormalisedRow): void {
    const failed = n.issues.length > 0;
    const list = failed ? group.failed : group.variants;
    // A failed row's fields lack the invalid values: its messages tell failed rows apart.
    const sig = failed ? `${signature(n.row)}${JSON.stringify(n.issues.map((i) => i.message))}` : undefined;
    let same: Variant | undefined;
    for (const v of list) {
      if (failed ? v.signature === sig : sameRow(v.head.row, n.row)) {
        same = v;
        break;
      }
    }
    if (same) {
      this.merge(same, n.row.row);
      return;
    }
    list.push({ head: n, ...(sig === undefined ? {} : { signature: sig }), count: 1, ...firstRun(n.row.row) });
  }

  /** Counts a row as one more of a variant (it describes the department identically). */
  merge(variant: Variant, row: number): void {
    variant.count++;
    addRow(variant, row);
    this.state.mergedRows++;
  }

  /** The planner's rows (one per department) and the rows that failed on the way. */
  finish(): void {
    const state = this.state;
    for (let idx = 0; idx < this.list.length; idx++) {
      const group = this.list[idx]!;
      let head: NormalisedRow;
      if (group.variants.length === 1) head = group.variants[0]!.head;
      else if (group.variants.length > 1) {
        const conflict = conflictIssue(group);
        const [first, ...others] = group.variants;
        head = { row: first!.head.row, issues: [{ row: first!.head.row.row, ...conflict }] };
        for (const v of others) state.reject({ row: v.head.row, issues: [{ row: v.head.row.row, ...conflict }] }, group.label);
      } else if (group.failed.length > 0) head = group.failed[0]!.head;
      else head = group.implied!;
      // Rows that failed on their own: reported, unless one stands in for a department no valid row describes.
      for (const v of group.failed) if (v.head !== head) state.reject(v.head, group.label);
      if (group.issues.length > 0) head = { row: head.row, issues: [...group.issues.map((i) => ({ ...i, row: head.row.row })), ...head.issues] };
      state.rows.push(head);
    }
  }

  /** With a member column: each department's member ids, by its index in the planner's rows. */
  members(spec: ShapeSpec): Map<number, readonly string[]> | undefined {
    if (spec.memberColumn === undefined) return undefined;
    const out = new Map<number, readonly string[]>();
    this.list.forEach((g, idx) => {
      // The lists themselves, not copies: an HRIS export has a member per row.
      if (g.members && g.members.length > 0) out.set(idx, g.members);
    });
    return out;
  }
}
