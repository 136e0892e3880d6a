/**
 * The mapping file (`--mapping FILE.yaml`): a recurring export described once
 * instead of with a string of flags. It names the user's columns in our
 * vocabulary and carries the shape options; flags given on the command line
 * win over the file. Unknown keys are errors that name them (a typo must not
 * be silently ignored on a nightly run).
 *
 *     organization: acme
 *     encoding: windows-1252
 *     parentRef: code
 *     columns:
 *       Kostenstelle: code
 *       Bezeichnung: name
 *       Übergeordnet: parentCode
 *       Bemerkung: ignore
 *     defaults:
 *       location: Bern
 */
import { z } from 'zod';
import { TEXT_ENCODINGS, parseEncoding } from '../read/decode.js';
import { type InputField, fieldForColumn, vocabularyKey } from '../normalise/vocabulary.js';

/** A column mapped to `ignore` is read by nothing and not warned about. */
export const IGNORE = 'ignore';

/** The field a mapping value names (any accepted alias: `parent_id`, `parentCode`...), `ignore`, or undefined. */
export function mappedField(value: string): InputField | typeof IGNORE | undefined {
  if (value.trim().toLowerCase() === IGNORE) return IGNORE;
  const field = fieldForColumn(value);
  return field === 'ignored' ? undefined : field;
}

/** Fields a mapping's `defaults` may set: plain department data, not identity or structure. */
export const DEFAULTABLE_FIELDS: readonly InputField[] = [
  'description',
  'location',
  'i18n',
  'customData',
  'isVirtual',
  'leaderUserIds',
  'postIds',
  'color',
  'tenantId',
  'isActive',
];

const text = z.string().trim().min(1);

/** `--encoding` and the mapping's `encoding`: a known name or alias (utf8, cp1252...). */
export const EncodingSchema = z.string().transform((value, ctx) => {
  const encoding = parseEncoding(value);
  if (encoding === undefined) {
    ctx.addIssue({ code: 'custom', message: `unknown encoding "${value}"; use one of ${TEXT_ENCODINGS.join(', ')}` });
    return z.NEVER;
  }
  return encoding;
});

/** `Division,Department,Team` or a list. */
export const ColumnListSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((c) => c.trim()))
  .refine((list) => list.length > 0 && list.every((c) => c !== ''), 'must name at least one column, and no empty column names')
  .refine((list) => new Set(list).size === list.length, 'names a column twice');

/**
 * Where a `__proto__` key sits in a mapping, if anywhere. zod copies records
 * (`columns`, `defaults`) into plain objects, where assigning `__proto__` sets
 * the prototype instead: the key vanished without a word (issue 11, item 18).
 * Walked with an explicit stack; mappings are small and depth-checked by the parser.
 */
function protoKeyPath(value: unknown): (string | number)[] | undefined {
  const stack: { node: unknown; path: (string | number)[] }[] = [{ node: value, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (Object.hasOwn(node, '__proto__')) return [...path, '__proto__'];
    for (const [key, child] of Object.entries(node)) stack.push({ node: child, path: [...path, key] });
  }
  return undefined;
}

/**
 * People write a mapping both ways round: `Parent Dept Code: parent` (the
 * file's column, then our field) and `parent: Parent Dept Code`. An entry
 * whose value is no field but whose key is one (any alias, as in a header) is
 * read the second way; where both are fields (`id: openDepartmentId`) the
 * first way holds, as it always did. Defined properties, not assignment: a
 * column called `__proto__` stays a column.
 */
/** `parentCode`, `name`: a field's own name (not an alias such as `Dept Code`). */
function isFieldName(text: string): boolean {
  const field = mappedField(text);
  return field !== undefined && field !== IGNORE && vocabularyKey(text) === vocabularyKey(field);
}

export function fieldFirstEntries(columns: Record<string, string>, ctx: z.RefinementCtx): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(columns)) {
    const keyField = mappedField(key);
    const valueField = mappedField(value);
    // `code: Dept Code`: both spell the field code; the key is the field's own name, so it names the field.
    const sameField = keyField === valueField && isFieldName(key) && !isFieldName(value);
    const flipped = keyField !== undefined && keyField !== IGNORE && (valueField === undefined || sameField);
    const [column, field] = flipped ? [value.trim(), key] : [key, value];
    if (Object.hasOwn(out, column)) {
      ctx.addIssue({ code: 'custom', path: [key], message: `the column "${column}" is mapped twice` });
      continue;
    }
    Object.defineProperty(out, column, { value: field, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const MappingShape = z.strictObject({
  /** The import's organization; must agree with --org when both are given. */
  organization: text.max(191).optional(),
  format: z.enum(['csv', 'yaml', 'json', 'ndjson', 'xlsx']).optional(),
  /** Excel: the sheet to read (name, or number from 1); --sheet wins. */
  sheet: z.union([text.max(255), z.number().int().positive()]).transform(String).optional(),
  encoding: EncodingSchema.optional(),
  parentRef: z.enum(['auto', 'id', 'openDepartmentId', 'code']).optional(),
  /** The file's column → our field (or `ignore`); `field: column` is accepted too (see fieldFirstEntries). */
  columns: z
    .record(z.string(), z.string())
    .transform(fieldFirstEntries)
    .superRefine((columns, ctx) => {
      for (const [column, value] of Object.entries(columns)) {
        if (mappedField(value) === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [column],
            message: `"${value}" is not a department field (use a field such as name, code, openDepartmentId, parentCode, description, or "ignore")`,
          });
        }
      }
    })
    .optional(),
  pathColumn: text.optional(),
  pathSeparator: z.string().min(1).optional(),
  levelColumns: ColumnListSchema.optional(),
  memberColumn: text.optional(),
  repeatedRows: z.boolean().optional(),
  keepUnknownColumns: z.boolean().optional(),
  cleanNames: z.boolean().optional(),
  /** YAML/JSON: the key that holds nested child departments (default `children`). */
  childrenKey: text.optional(),
  /** Values for fields that no column gives, or whose cell is empty. */
  defaults: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.record(z.string(), z.unknown())]))
    .superRefine((defaults, ctx) => {
      for (const key of Object.keys(defaults)) {
        const field = mappedField(key);
        if (field === undefined || field === IGNORE || !DEFAULTABLE_FIELDS.includes(field)) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `"${key}" cannot have a default; defaults may set ${DEFAULTABLE_FIELDS.join(', ')}`,
          });
        }
      }
    })
    .optional(),
});

/** The mapping, refusing a `__proto__` key anywhere by name before zod could drop it. */
export const MappingSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    const path = protoKeyPath(value);
    if (path) ctx.addIssue({ code: 'custom', path, message: '"__proto__" is not a key a mapping may have', fatal: true });
  })
  .pipe(MappingShape);

export type Mapping = z.output<typeof MappingSchema>;
