/**
 * The pure pipeline from text to plan, as runImport runs it (read → shape →
 * plan → shape results → members), without a database: for unit tests of the
 * input shapes.
 */
import { type ImportOptionsInput, parseImportOptions } from '../../src/core/importOptions.js';
import { planMembers } from '../../src/core/members/plan.js';
import type { ImportPlan, Organization, StoredDepartment } from '../../src/core/model.js';
import { planImport } from '../../src/core/plan/index.js';
import { isDefaultChildrenKey } from '../../src/core/read/document.js';
import { readInput } from '../../src/core/read/index.js';
import { type ShapedInput, shapeRecords, shapeSpec } from '../../src/core/shape/index.js';
import { addShapeResults } from '../../src/core/shape/results.js';
import { ORG, idGenerator } from './planHarness.js';

export async function shapeText(text: string | Uint8Array, options: ImportOptionsInput = {}, fileName = 'input.csv'): Promise<ShapedInput> {
  const parsed = parseImportOptions(options);
  if (!parsed.ok) throw new Error(parsed.message);
  const opts = parsed.value;
  const spec = shapeSpec(opts);
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const childrenKey = spec.childrenKey;
  const input = await readInput(
    (async function* () {
      yield bytes;
    })(),
    {
      fileName,
      format: opts.format ?? opts.mapping?.format,
      encoding: opts.encoding ?? opts.mapping?.encoding,
      isChildrenKey: childrenKey === undefined ? isDefaultChildrenKey : (k) => k === childrenKey,
    },
  );
  return shapeRecords(input, spec);
}

export interface PlannedText {
  shaped: ShapedInput;
  plan: ImportPlan;
}

export async function planText(
  text: string | Uint8Array,
  options: ImportOptionsInput = {},
  args: { stored?: StoredDepartment[]; storedMembers?: Map<string, Set<string>>; org?: Organization; fileName?: string; newId?: () => string } = {},
): Promise<PlannedText> {
  const parsed = parseImportOptions(options);
  if (!parsed.ok) throw new Error(parsed.message);
  const opts = parsed.value;
  const shaped = await shapeText(text, options, args.fileName);
  const plan = addShapeResults(
    planImport({
      organization: args.org ?? ORG,
      rows: shaped.rows,
      stored: args.stored ?? [],
      options: { mode: opts.mode, matchBy: opts.matchBy, maxDepth: opts.maxDepth },
      newId: args.newId ?? idGenerator(),
    }),
    shaped,
  );
  if (shaped.members) {
    plan.members = planMembers({
      mode: opts.mode,
      plan,
      plannedRows: shaped.rows.length,
      membersByRow: shaped.members,
      stored: args.storedMembers ?? new Map(),
      storedDepartments: args.stored ?? [],
    });
  }
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
