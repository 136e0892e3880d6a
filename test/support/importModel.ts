/**
 * A reference model of one import of a flat file (code, name, optional
 * parentCode and status) into an organization, for the property test of
 * upserts and syncs (test/integration/fuzz-import.property.test.ts). It works
 * on codes only and implements the documented rules (docs/formats.md "The
 * activity rule", docs/errors.md PARENT_INACTIVE) on its own, as a plain
 * fixed point, without the planner's code:
 *
 * - a live row sets its department's name, parent and status (active unless
 *   the row says otherwise); a refused row leaves its department as stored,
 *   and rows whose parent's row does not take part are skipped (PARENT_FAILED);
 * - a sync deactivates the active departments the file does not list, except
 *   the ancestors of every department it lists, and except a department above
 *   one that stays active;
 * - an active department under an inactive one refuses its own row if it has a
 *   live one, else its parent's row (PARENT_INACTIVE); refusing changes the
 *   tree, so all of it is decided again until nothing more is refused.
 *
 * The model's departments are tiny (a few codes), so clarity beats speed here.
 */

export interface ModelDept {
  name: string;
  parent: string | null;
  active: boolean;
}
export type Model = Map<string, ModelDept>;

export interface ModelRow {
  code: string;
  name: string;
  /** Only read when the file has a parent column; null: top level. */
  parentCode: string | null;
  /** undefined: the file has no status column (listed means active). */
  active: boolean | undefined;
}

export interface ModelImport {
  after: Model;
  /** `code ERROR_CODE`, sorted. */
  errors: string[];
}

export function importIntoModel(before: Model, rows: readonly ModelRow[], opts: { withParent: boolean; sync: boolean }): ModelImport {
  const rowOf = new Map(rows.map((r) => [r.code, r]));
  // Without a parent column a stored department keeps its parent and a new one is top level.
  const parentOfRow = (r: ModelRow): string | null => (opts.withParent ? r.parentCode : (before.get(r.code)?.parent ?? null));
  const refused = new Set<string>();
  for (;;) {
    // Rows under a row that takes no part are skipped, down the whole chain of rows.
    const skipped = new Set<string>();
    const out = (code: string): boolean => refused.has(code) || skipped.has(code);
    for (let grew = true; grew; ) {
      grew = false;
      for (const r of rows) {
        const p = parentOfRow(r);
        if (!out(r.code) && p !== null && rowOf.has(p) && out(p)) {
          skipped.add(r.code);
          grew = true;
        }
      }
    }
    const live = (code: string): boolean => rowOf.has(code) && !out(code);

    const after: Model = new Map([...before].map(([code, d]) => [code, { ...d }]));
    for (const r of rows) if (live(r.code)) after.set(r.code, { name: r.name, parent: parentOfRow(r), active: r.active ?? true });

    const syncOff = new Set<string>();
    if (opts.sync) {
      const keep = new Set(rowOf.keys());
      for (const code of rowOf.keys()) {
        for (let p = after.get(code)?.parent ?? null; p !== null; p = after.get(p)!.parent) keep.add(p);
      }
      for (const [code, d] of after) {
        if (d.active && !keep.has(code)) {
          d.active = false;
          syncOff.add(code);
        }
      }
      // A department the sync would deactivate stays active while one under it does.
      for (let grew = true; grew; ) {
        grew = false;
        for (const d of after.values()) {
          const parent = d.parent === null ? undefined : after.get(d.parent)!;
          if (d.active && parent && !parent.active && syncOff.has(d.parent!)) {
            parent.active = true;
            grew = true;
          }
        }
      }
    }

    // Decided on this tree as a whole, then applied.
    const refuse = new Set<string>();
    for (const [code, d] of after) {
      if (!d.active || d.parent === null || after.get(d.parent)!.active) continue;
      const blamed = live(code) ? code : live(d.parent) ? d.parent : undefined;
      // Neither has a row: stored that way before, which the model's own store never is.
      if (blamed === undefined) throw new Error(`model: ${code} is active under the inactive ${d.parent} and no row did it`);
      refuse.add(blamed);
    }
    for (const code of refuse) refused.add(code);
    if (refuse.size === 0) {
      const errors = [...[...refused].map((c) => `${c} PARENT_INACTIVE`), ...[...skipped].map((c) => `${c} PARENT_FAILED`)];
      return { after, errors: errors.sort() };
    }
  }
}

/** The activity rule on a whole store: the codes active under an inactive parent. */
export function activeUnderInactive(model: Model | Record<string, ModelDept>): string[] {
  const m = model instanceof Map ? model : new Map(Object.entries(model));
  return [...m].filter(([, d]) => d.active && d.parent !== null && m.get(d.parent)?.active === false).map(([code]) => code);
}
