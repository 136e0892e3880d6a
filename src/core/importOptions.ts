/**
 * Import options: one schema for every face (CLI flags, job payloads, HTTP query
 * or form fields), so an option means the same thing everywhere.
 */
import { z } from 'zod';
import { boolish } from './boolish.js';
import { IMPORT_MODES, MATCH_BY, NAME_SCOPES, PARENT_REF_TYPES } from './model.js';
import { MAX_STORABLE_DEPTH } from './plan/depthLimit.js';
import type { DeactivationLimit } from './plan/index.js';
import { ColumnListSchema, EncodingSchema, MappingSchema } from './shape/mapping.js';
import { shapeProblems } from './shape/spec.js';

const FORMATS = ['csv', 'yaml', 'json', 'ndjson', 'xlsx'] as const;

/** `20%`, `20 %`, `0.5%` or a plain count such as `15`. */
export function parseDeactivationLimit(text: string): DeactivationLimit | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]);
  if (m[2] === '%') return value <= 100 ? { kind: 'percent', value } : undefined;
  return Number.isInteger(value) ? { kind: 'count', value } : undefined;
}

export const ImportOptionsSchema = z.object({
  mode: z.enum(['upsert', 'sync'] satisfies typeof IMPORT_MODES).default('upsert'),
  dryRun: boolish.default(false),
  atomic: boolish.default(false),
  parentRef: z.enum(['auto', 'id', 'openDepartmentId', 'code'] satisfies typeof PARENT_REF_TYPES).default('auto'),
  matchBy: z.enum(['auto', 'id', 'openDepartmentId', 'code', 'name'] satisfies typeof MATCH_BY).default('auto'),
  // Within what the path column stores (see plan/depthLimit.ts); unset: DEFAULT_MAX_DEPTH.
  maxDepth: z.coerce.number().int().positive().max(MAX_STORABLE_DEPTH).optional(),
  maxDeactivate: z
    .union([z.string(), z.number()])
    .default('20%')
    .transform((v, ctx) => {
      const parsed = parseDeactivationLimit(String(v));
      if (!parsed) {
        ctx.addIssue({ code: 'custom', message: 'must be a count (e.g. 15) or a percentage (e.g. 20%)' });
        return z.NEVER;
      }
      return parsed;
    }),
  maxRows: z.coerce.number().int().positive().optional(),
  format: z.enum(FORMATS).optional(),
  createOrg: boolish.default(false),
  orgName: z.string().trim().min(1).max(255).optional(),
  nameScope: z.enum(['organization', 'siblings'] satisfies typeof NAME_SCOPES).default('organization'),
  // Input shapes (issue 3). Unset options fall back to the mapping's, then to the defaults in shape/spec.ts.
  /** A mapping file's content (`--mapping FILE.yaml`, parsed): column names and shape options. */
  mapping: MappingSchema.optional(),
  encoding: EncodingSchema.optional(),
  /** Excel: the sheet to read, by name or 1-based number. */
  sheet: z.coerce.string().trim().min(1).max(255).optional(),
  pathColumn: z.string().trim().min(1).optional(),
  pathSeparator: z.string().min(1).optional(),
  levelColumns: ColumnListSchema.optional(),
  memberColumn: z.string().trim().min(1).optional(),
  repeatedRows: boolish.optional(),
  keepUnknownColumns: boolish.optional(),
  cleanNames: boolish.optional(),
  /** Fail the file on a column that looks like a misspelled field or a parent reference but maps to nothing. */
  strict: boolish.optional(),
}).superRefine((options, ctx) => {
  for (const message of shapeProblems(options)) ctx.addIssue({ code: 'custom', message });
});

export type ImportOptionsInput = z.input<typeof ImportOptionsSchema>;
export type ImportOptions = z.output<typeof ImportOptionsSchema>;

export function parseImportOptions(input: unknown): { ok: true; value: ImportOptions } | { ok: false; message: string } {
  const parsed = ImportOptionsSchema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, message: parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ') };
}

/**
 * Parsed options back in their input form, for storing with a queued run (or
 * a schedule) and parsing again when a worker picks it up: parsing the result
 * gives the same options. Only maxDeactivate changes shape when parsed.
 */
export function importOptionsInput(options: ImportOptions): ImportOptionsInput {
  const limit = options.maxDeactivate;
  return { ...options, maxDeactivate: limit.kind === 'percent' ? `${limit.value}%` : String(limit.value) };
}
