/**
 * Two objects every record makes, made by constructors instead of object
 * literals, so that V8 does not put the record's short-lived objects in the
 * old generation.
 *
 * V8 watches each object literal's allocation site: when most objects made
 * there survive their first scavenge, it allocates later ones straight in
 * the old generation (pretenuring), and its optimizing compiler folds the
 * allocations of one function into one group that goes there together. A
 * row's wrapper (kept to the end of the run) was such a site, and with it
 * the objects normaliseRecord makes beside it and drops a moment later: the
 * first DepartmentRow (replaced by derivedRaw.ts's compact row), the record
 * it read, siblings' parent references (replaced by sharedRefs.ts's shared
 * one). They then lived in the old generation until the next full
 * collection: ~175 bytes a row of old-space garbage while reading (35 MB
 * for the 200,000-row bench file, measured with the old generation's size
 * before and after a forced collection; 2 MB with these two constructors, or
 * with `--no-allocation-site-pretenuring`). An import makes no full
 * collection after its first seconds (bench/README.md), so that garbage was
 * part of its peak. A constructor call has no allocation site to pretenure.
 */
import type { RowIssue } from '../errors.js';
import type { DepartmentRow, ParentRefType, ParentRefValue } from '../model.js';

/** A normalised row (normaliseRow.ts's NormalisedRow) without --clean-names notes: the usual one. */
export class RowWithIssues {
  constructor(
    public row: DepartmentRow,
    public issues: RowIssue[],
  ) {}
}

/** A parent named by a value: the same properties, in the same order, as the literal it replaces. */
export class ParentByValue implements ParentRefValue {
  readonly kind: 'ref';
  value: string;
  type: ParentRefType;
  field: string;

  constructor(value: string, type: ParentRefType, field: string) {
    this.kind = 'ref';
    this.value = value;
    this.type = type;
    this.field = field;
  }
}
