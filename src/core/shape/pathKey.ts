/**
 * The identity of a department that comes from a path (a path column or level
 * columns): the path itself, stored as its openDepartmentId. Stable across runs,
 * so a nightly re-run of the same export matches every department again, and a
 * renamed middle level is a different path: a new department (and, in sync
 * mode, a deactivation of the old one), never a silent rename.
 *
 * The key does not depend on the file's separator or on path vs level columns:
 * elements are joined with `/`, and `\` and `/` inside an element are escaped
 * (`R&D / Ops` → `R&D \/ Ops`), so two different paths never share a key.
 */
import { createHash } from 'node:crypto';
import { KEY_MAX_LENGTH } from '../model.js';

/** Code points kept before the hash when a path is too long for an openDepartmentId. */
const LONG_PREFIX = KEY_MAX_LENGTH - 72;

export function pathKey(elements: readonly string[]): string {
  const key = elements.map((e) => e.replace(/\\/g, '\\\\').replace(/\//g, '\\/')).join('/');
  const chars = [...key];
  if (chars.length <= KEY_MAX_LENGTH) return key;
  // Still stable and unique: a readable start, then the hash of the whole path.
  const hash = createHash('sha256').update(key, 'utf8').digest('hex');
  return `${chars.slice(0, LONG_PREFIX).join('')}…#${hash}`;
}

/** A path as a person reads it in a report: `Company > Engineering > Backend`. */
export function pathLabel(elements: readonly string[]): string {
  return elements.join(' > ');
}
