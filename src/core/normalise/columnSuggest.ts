/**
 * What a column that matches no field probably meant. A typo in a header
 * (`Parnet Code`) would otherwise silently drop the data: every department
 * would land at the top level. Pure: the vocabulary's alias keys against the
 * column's, by edit distance (transpositions count once).
 */
import { aliasKeys, fieldForColumn, type InputField, vocabularyKey } from './vocabulary.js';

/** Optimal string alignment distance, stopping early once it exceeds `limit`. */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prevPrev: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prevPrev[j - 2]! + 1);
      row.push(d);
      best = Math.min(best, d);
    }
    if (best > limit) return limit + 1;
    prevPrev = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/** How many edits a key of this length may be from an alias: short keys must be closer. */
function allowance(length: number): number {
  if (length <= 3) return 0;
  if (length <= 6) return 1;
  return 2;
}

/** The field an unknown column most likely meant, or undefined when nothing is close. */
export function suggestField(column: string): InputField | undefined {
  const key = vocabularyKey(column);
  const limit = allowance(key.length);
  if (limit === 0) return undefined;
  let best: { field: InputField; distance: number } | undefined;
  for (const [alias, field] of aliasKeys()) {
    const distance = editDistance(key, alias, limit);
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { field, distance };
  }
  return best?.field;
}

/** Whether a column's name says it holds a parent reference (`Parent Dept Code`, `Übergeordnet`...). */
export function looksLikeParent(column: string): boolean {
  const key = vocabularyKey(column);
  return /parent|parnet|pareent|übergeordnet|uebergeordnet|superior|eltern/.test(key) || suggestField(column)?.startsWith('parent') === true;
}

/** The warning for an unknown column, if it deserves more than the list of ignored columns. */
export function unknownColumnNote(column: string): string | undefined {
  // A column spelled as a field but left unknown on purpose (the mapping chose another
  // column for that field, or a path gives it) is no typo.
  if (fieldForColumn(column) !== undefined) return undefined;
  const field = suggestField(column);
  if (field !== undefined) return `unknown column "${column}": did you mean "${field}"?`;
  if (looksLikeParent(column)) return `unknown column "${column}" looks like a parent reference but maps to no field: its rows' parents are not read (name it in a mapping, e.g. "${column}: parentCode")`;
  return undefined;
}
