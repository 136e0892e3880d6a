/**
 * Request bodies of the seed faces (clients API, HR app), read with the
 * importer's own vocabulary (core/normalise/vocabulary.ts): a key is accepted
 * when it names, under any of the importer's aliases, one of the fields the
 * face's document has (`departmentName` and `name`, `desc` and `description`,
 * `parentId`, `parentDepartment` and `parent_id`...). Any other key is refused
 * by name, never ignored. Values are judged later by the importer's normaliser.
 */
import { fieldForColumn, type InputField } from '../../core/normalise/vocabulary.js';
import { ApiError } from './errors.js';

/** The first key of `body` that names none of `allowed`, or undefined. */
export function unknownBodyKey(body: Record<string, unknown>, allowed: ReadonlySet<InputField>): string | undefined {
  return Object.keys(body).find((key) => {
    const field = fieldForColumn(key);
    return field === undefined || field === 'ignored' || !allowed.has(field);
  });
}

/** Refuses a body with a key the face does not take: 400 UNKNOWN_FIELD, naming the key. */
export function checkBodyKeys(body: Record<string, unknown>, allowed: ReadonlySet<InputField>): void {
  const key = unknownBodyKey(body, allowed);
  if (key !== undefined) throw new ApiError(400, 'UNKNOWN_FIELD', `Unknown field "${key}".`, { field: key, location: 'body' });
}

/** The body key that carries `fields` (e.g. the parent reference), as the client spelled it. */
export function keyFor(body: Record<string, unknown>, fields: ReadonlySet<InputField>): string | undefined {
  return Object.keys(body).find((key) => {
    const field = fieldForColumn(key);
    return field !== undefined && field !== 'ignored' && fields.has(field);
  });
}

/**
 * For an update: the body with each field given only under an alias also given
 * under its canonical name (the name updateDepartment reads), so `{ desc: "x" }`
 * changes the description. Aliases stay in: the normaliser still sees every
 * key, and refuses two keys of one field with different values.
 */
export function withCanonicalKeys(body: Record<string, unknown>, allowed: ReadonlySet<InputField>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.assign(Object.create(null) as object, body);
  for (const [key, value] of Object.entries(body)) {
    const field = fieldForColumn(key);
    if (field === undefined || field === 'ignored' || !allowed.has(field) || Object.hasOwn(body, field)) continue;
    out[field] = value;
  }
  return out;
}
