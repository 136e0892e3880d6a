/**
 * The pure pipeline from text to plan, exactly as runImport runs it
 * (src/core/pipeline.ts: read -> shape -> plan -> shape results -> members),
 * without a database: for unit tests of the input shapes.
 */
import { type ImportOptionsInput, parseImportOptions } from '../../src/core/importOptions.js';
import type { ImportOptions } from '../../src/core/importOptions.js';
import type { ImportPlan, Organization, StoredDepartment } from '../../src/core/model.js';
import { planShapedRows, readShapedRows, type ShapedFile } from '../../src/core/pipeline.js';
import { ORG, idGenerator } from './planHarness.js';

function optionsOf(input: ImportOptionsInput): ImportOptions {
  const parsed = parseImportOptions(input);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

export async function shapeText(text: string | Uint8Array, options: ImportOptionsInput = {}, fileName = 'input.csv'): Promise<ShapedFile> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  return readShapedRows(
    (async function* () {
      yield bytes;
    })(),
    optionsOf(options),
    { fileName },
  );
}

export interface PlannedText {
  shaped: ShapedFile;
  plan: ImportPlan;
}

export async function planText(
  text: string | Uint8Array,
  options: ImportOptionsInput = {},
  args: { stored?: StoredDepartment[]; storedMembers?: Map<string, Set<string>>; org?: Organization; fileName?: string; newId?: () => string } = {},
): Promise<PlannedText> {
  const shaped = await shapeText(text, options, args.fileName);
  const stored = { organization: args.org ?? ORG, departments: args.stored ?? [], ...(args.storedMembers ? { members: args.storedMembers } : {}) };
  const plan = planShapedRows(shaped, stored, optionsOf(options), args.newId ?? idGenerator());
  return { shaped, plan };
}

/** `row CODE field` of each error, in report order. */
export const errorList = (plan: ImportPlan): string[] => plan.errors.map((e) => `${e.row} ${e.code} ${e.field}`);

/** The created departments as `path of names | openDepartmentId`, parents first. */
export function createdPaths(plan: ImportPlan): string[] {
  const byId = new Map(plan.creates.map((d) => [d.id, d]));
  return plan.creates.map((d) => {
    const names = d.path
      .split('/')
      .filter(Boolean)
      .map((id) => byId.get(id)?.name ?? '?');
    return `${names.join(' > ')} | ${d.openDepartmentId ?? '-'}`;
  });
}
