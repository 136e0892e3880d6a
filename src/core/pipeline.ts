/**
 * The import pipeline's pure stages, written once: the importer (src/app),
 * the department service and every test harness call these, so what a test
 * checks is what a run does.
 *
 *   bytes + options --readShapedRows--> ShapedFile           (read, then shape)
 *   ShapedFile + StoredView --planShapedRows--> ImportPlan   (plan, shape results, members)
 *
 * No I/O: bytes come in as an async iterable, stored data as plain values.
 */
import { FileError } from './errors.js';
import type { ImportOptions } from './importOptions.js';
import { planMembers } from './members/plan.js';
import { type ImportPlan, type InputFormat, isFailedOrSkipped, membershipCount, type Organization, type StoredDepartment } from './model.js';
import { planImport } from './plan/index.js';
import { isDefaultChildrenKey } from './read/document.js';
import { readInput } from './read/index.js';
import { type ShapedInput, shapeRecords, shapeSpec } from './shape/index.js';
import { addShapeResults } from './shape/results.js';
import { DEFAULT_MAX_ROWS_PER_RUN, rowLimitOf } from './rowLimit.js';

export { DEFAULT_MAX_ROWS_PER_RUN, rowLimitOf } from './rowLimit.js';

export interface ReadArgs {
  /** File name or URL: the format is taken from its extension unless options say. */
  fileName?: string;
  /** The configured ceiling of rows per run (default DEFAULT_MAX_ROWS_PER_RUN). */
  maxRowsPerRun?: number;
  /** Called every few thousand records while reading. */
  onRowsRead?: (rowsDone: number) => void;
}

/** The input as the planner wants it, plus what the run history records about the file. */
export interface ShapedFile extends ShapedInput {
  format: InputFormat;
  /** From a `{ organization, departments }` document. */
  documentOrganization?: { code?: string; name?: string };
  /** The organization a mapping file names. */
  mappingOrganization?: string;
  /** Excel: the sheet read. */
  sheet?: string;
}

/**
 * Read and shape: bytes in, the planner's rows out. Throws FileError for a
 * problem with the file as a whole, among them ROW_LIMIT_EXCEEDED, raised by
 * the reader while it streams: no more than the limit of rows is ever held.
 */
export async function readShapedRows(bytes: AsyncIterable<Uint8Array>, options: ImportOptions, args: ReadArgs = {}): Promise<ShapedFile> {
  // "Empty" means no content at all (only whitespace or a byte order mark): an
  // explicit empty list (`[]`, a header-only CSV) is a valid import of nothing.
  let hasContent = false;
  async function* watched(): AsyncIterable<Uint8Array> {
    for await (const chunk of bytes) {
      if (!hasContent) hasContent = chunk.some(isContentByte);
      yield chunk;
    }
  }
  const spec = shapeSpec(options);
  const childrenKey = spec.childrenKey;
  const ceiling = args.maxRowsPerRun ?? DEFAULT_MAX_ROWS_PER_RUN;
  const maxRows = rowLimitOf(options.maxRows, ceiling);
  try {
    const input = await readInput(watched(), {
      format: options.format ?? options.mapping?.format,
      fileName: args.fileName,
      maxRows,
      encoding: options.encoding ?? options.mapping?.encoding,
      sheet: options.sheet ?? options.mapping?.sheet,
      isChildrenKey: childrenKey === undefined ? isDefaultChildrenKey : (key) => key === childrenKey,
    });
    const shaped = await shapeRecords(input, spec, args.onRowsRead);
    if (!hasContent) throw new FileError('EMPTY_FILE', 'the file is empty');
    return {
      ...shaped,
      format: input.format,
      ...(input.sheet === undefined ? {} : { sheet: input.sheet }),
      ...(input.organization ? { documentOrganization: input.organization } : {}),
      ...(options.mapping?.organization ? { mappingOrganization: options.mapping.organization } : {}),
    };
  } catch (err) {
    if (err instanceof FileError && err.code === 'ROW_LIMIT_EXCEEDED') throw rowLimitError(err, maxRows, ceiling, options.maxRows);
    throw err;
  }
}

function isContentByte(b: number): boolean {
  // Whitespace, NUL (UTF-16 padding) and the bytes of UTF-8/UTF-16 byte order marks.
  return b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0xef && b !== 0xbb && b !== 0xbf && b !== 0xff && b !== 0xfe && b !== 0;
}

/** The reader's ROW_LIMIT_EXCEEDED, saying which limit applied and how to raise it. */
function rowLimitError(err: FileError, limit: number, ceiling: number, requested: number | undefined): FileError {
  const which =
    requested !== undefined && requested <= ceiling
      ? `--max-rows ${requested}`
      : `ORGSYNC_MAX_ROWS_PER_RUN (${ceiling}), the most rows one run may have on this installation${requested === undefined ? '' : `; --max-rows ${requested} cannot raise it`}`;
  return new FileError(
    'ROW_LIMIT_EXCEEDED',
    `the file has more than ${limit} rows, the most allowed by ${which}. Nothing was written. Split the file, or raise the limit (see docs/operations.md)`,
    err.line,
    { ...err.details, maxRows: limit, ceiling },
  );
}

/** What is already stored, as the planner sees it. */
export interface StoredView {
  organization: Organization;
  departments: readonly StoredDepartment[];
  /** Stored memberships (department id -> member ids); only read with a member column. */
  members?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Plan: the shaped rows against what is stored, with the shape stage's own results and, with a member column, the memberships. */
export function planShapedRows(shaped: ShapedFile | ShapedInput, stored: StoredView, options: ImportOptions, newId: () => string): ImportPlan {
  const plan = addShapeResults(
    planImport({
      organization: stored.organization,
      rows: shaped.rows,
      stored: stored.departments,
      options: { mode: options.mode, matchBy: options.matchBy, maxDepth: options.maxDepth },
      newId,
    }),
    shaped,
  );
  if (shaped.members) {
    plan.members = planMembers({
      mode: options.mode,
      plan,
      plannedRows: shaped.rows.length,
      membersByRow: shaped.members,
      stored: stored.members ?? new Map(),
      storedDepartments: stored.departments,
    });
    plan.counts.membersAdded = membershipCount(plan.members.adds);
    plan.counts.membersRemoved = membershipCount(plan.members.removes);
  }
  return plan;
}

/** The original records of rows that failed or were skipped, by row number: for the fix-and-reimport report. */
export function failedRecords(shaped: Pick<ShapedInput, 'rows' | 'rejected'>, plan: Pick<ImportPlan, 'rowResults'>): Map<number, Record<string, unknown>> {
  const failed = new Set<number>();
  for (const r of plan.rowResults) if (isFailedOrSkipped(r.action)) failed.add(r.row);
  const out = new Map<number, Record<string, unknown>>();
  if (failed.size === 0) return out;
  for (const r of shaped.rows) if (failed.has(r.row.row)) out.set(r.row.row, r.row.raw);
  for (const r of shaped.rejected) if (!out.has(r.row)) out.set(r.row, r.raw);
  return out;
}
