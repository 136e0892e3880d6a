/**
 * Rows that name the same parent the same way share one reference object.
 * A file of departments names each parent once per child (2-12 children a
 * parent in the bench's trees): one `{ kind, value, type, field }` object
 * and one copy of the parent's key per row was ~80 bytes a row held through
 * the import (~60 MB at 1,000,000 rows, less the index of one entry per
 * parent while reading). References are never changed after shaping (a
 * nested row gets a new `link` object instead), so sharing them is safe.
 */
import type { ParentRef, ParentRefValue } from '../model.js';

export class SharedParentRefs {
  /** By value; a reference of another type or column replaces the entry (files use one parent column). */
  private readonly byValue = new Map<string, ParentRefValue>();

  /** `ref`, or an equal reference seen before. */
  shared(ref: ParentRef): ParentRef {
    if (ref.kind !== 'ref') return ref;
    const seen = this.byValue.get(ref.value);
    if (seen !== undefined && seen.type === ref.type && seen.field === ref.field && seen.rootWord === ref.rootWord) return seen;
    this.byValue.set(ref.value, ref);
    return ref;
  }
}
