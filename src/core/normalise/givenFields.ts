/**
 * The fields a mapping gives, for normaliseRow.ts: of the ~20 fields it reads
 * for every record, a usual file has 3-5, and each absent one was a map lookup
 * or two per record. One lookup per record answers for all of them (measured
 * on the 100,000-row bench file: readShapedRows alone, CPU of a fresh process,
 * median of 15 interleaved runs, 871 -> 842 ms).
 */
import type { ColumnMapping, InputField } from './vocabulary.js';

/**
 * Per mapping; made again when the mapping gains a field (NDJSON adds columns
 * while it streams). Fields are never removed from a mapping.
 */
const givenCache = new WeakMap<ColumnMapping, { size: number; given: ReadonlySet<InputField> }>();

/** Whether any column, or a default, gives a field. */
export function givenFields(mapping: ColumnMapping): ReadonlySet<InputField> {
  const cached = givenCache.get(mapping);
  if (cached !== undefined && cached.size === mapping.columnsByField.size) return cached.given;
  const given = new Set<InputField>(mapping.columnsByField.keys());
  if (mapping.defaults) for (const [field, value] of mapping.defaults) if (value !== undefined) given.add(field);
  givenCache.set(mapping, { size: mapping.columnsByField.size, given });
  return given;
}
