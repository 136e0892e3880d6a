/**
 * Department request bodies take every field under every name the importer
 * takes it (core/normalise/vocabulary.ts): `parentCode`, `parentDepartment`,
 * `open_department_id`, `department_name`... The allowed keys are not a
 * second list kept by hand: a key is whatever the vocabulary maps to a field
 * the body may set, and its JSON type is the field's. The documented
 * properties (the seed's names) are typed by the same table; any other key is
 * checked here, and a key that names no field, or a computed one (`path`,
 * `memberCount`...), or one the route does not set, is refused by name with
 * 400 VALIDATION_ERROR. Values are judged later by the importer's normaliser.
 */
import { z } from 'zod';
import { fieldForColumn, type InputField } from '../../../core/normalise/vocabulary.js';

const text = z.string().nullable();
const jsonObject = z.record(z.string(), z.unknown()).nullable();
const idList = z.array(z.string()).nullable();

/** The JSON type of each importer field in a request body. */
export const FIELD_TYPES = {
  id: z.string(),
  name: z.string().meta({ minLength: 1, maxLength: 255 }),
  description: text,
  code: text,
  openDepartmentId: text,
  parent: text,
  parentCode: text,
  parentOpenDepartmentId: text,
  // Text, not an enum: the normaliser accepts department_id, open_department_id and code in any spelling.
  departmentIdType: z.string().meta({ examples: ['department_id', 'open_department_id', 'code'] }),
  location: text,
  i18n: jsonObject,
  customData: jsonObject,
  isVirtual: z.boolean(),
  leaderUserIds: idList,
  postIds: idList,
  color: text,
  tenantId: text,
  isActive: z.boolean(),
  organization: text,
} as const satisfies Record<InputField, z.ZodType>;

/** Why a key the vocabulary knows is refused by this body (undefined: accepted). */
export type Refusal = (field: InputField) => string | undefined;

/**
 * An object schema with the documented `shape`, that also takes any other key
 * the vocabulary maps to a field `refusal` accepts, typed as that field.
 * `required`: fields the body must give under one of their names (the
 * documented property is optional in `shape` for that reason).
 */
export function departmentBody<S extends z.ZodRawShape>(shape: S, refusal: Refusal, required: readonly InputField[] = []) {
  return z
    .object(shape)
    .catchall(z.unknown())
    .superRefine((body, ctx) => {
      const given = new Set(Object.keys(body).map(fieldForColumn));
      for (const field of required) {
        // Worded as the type check words a missing property (the documented 400 example quotes it).
        if (!given.has(field)) ctx.addIssue({ code: 'custom', path: [field], message: 'Invalid input: expected string, received undefined' });
      }
      for (const key of Object.keys(body)) {
        if (Object.hasOwn(shape, key)) continue;
        const field = fieldForColumn(key);
        if (field === undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'unknown field: not a department field under any name the importer takes (see docs/api.md)' });
          continue;
        }
        if (field === 'ignored') {
          ctx.addIssue({ code: 'custom', path: [key], message: 'is computed by the server and cannot be set' });
          continue;
        }
        const refused = refusal(field);
        if (refused !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: refused });
          continue;
        }
        const checked = FIELD_TYPES[field].safeParse(body[key]);
        if (!checked.success) for (const issue of checked.error.issues) ctx.addIssue({ code: 'custom', path: [key, ...issue.path], message: issue.message });
      }
    });
}
