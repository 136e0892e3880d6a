/**
 * The "shape" stage, between read and plan: records in the file's own shape
 * become department rows in the planner's. Pure (no I/O) and streaming.
 *
 * - flat (flat.ts): one department per record; nested children (`children:`)
 *   are linked to the record they are nested in.
 * - aggregated (a path column, level columns, a member column or
 *   --repeated-rows; groups.ts): rows may repeat a department. Rows are grouped
 *   per department while they stream; identical ones are merged, rows that give
 *   one department different data are reported with every conflicting row. Only
 *   one row per department (and variant) is kept, plus its row numbers as
 *   ranges of consecutive rows and the member ids (members.ts), so memory grows
 *   with departments, not with rows.
 * - path and level shapes (paths.ts): every prefix of a row's path is a
 *   department, identified by the path itself (see pathKey.ts); the row's
 *   mapped fields describe the last one.
 */
import type { SourceRecord } from '../model.js';
import { shapeFlat, shapeFlatAggregated } from './flat.js';
import { Groups } from './groups.js';
import { PathShaper } from './paths.js';
import type { ShapedInput, ShapeInput } from './shaped.js';
import type { ShapeSpec } from './spec.js';
import { ShapeState } from './state.js';

export { type ShapeSpec, shapeSpec, shapeProblems } from './spec.js';
export type { RejectedRow, ShapedInput, ShapeInput } from './shaped.js';

/** The function that shapes one record, for the spec's shape. */
function stepFor(state: ShapeState, groups: Groups): (record: SourceRecord) => void {
  const spec = state.spec;
  if (spec.kind !== 'flat') {
    const paths = new PathShaper(state, groups);
    return (record) => paths.shape(record);
  }
  if (spec.aggregate) return (record) => shapeFlatAggregated(state, groups, record);
  return (record) => shapeFlat(state, record);
}

/**
 * Shapes the records of one input. Throws FileError for problems with the
 * input as a whole (a named column missing, nesting combined with a row shape).
 */
export async function shapeRecords(
  input: ShapeInput,
  spec: ShapeSpec,
  onProgress?: (rowsDone: number) => void,
): Promise<ShapedInput> {
  const state = new ShapeState(spec);
  const groups = new Groups(state);
  state.resolver.add(input.columns);
  // NDJSON reveals its keys while streaming: the named columns are checked at the end.
  const streamedColumns = input.format === 'ndjson';
  // (A blank file has no columns: it is EMPTY_FILE, not a missing column.)
  if (!streamedColumns && input.columns.length > 0) {
    state.resolver.checkNamedColumns();
    state.resolver.checkStrict();
  }
  const step = stepFor(state, groups);
  const take = (record: SourceRecord): void => {
    if (streamedColumns) state.resolver.add(Object.keys(record.values));
    step(record);
    state.inputRows++;
    if (onProgress && state.inputRows % 5000 === 0) onProgress(state.inputRows);
  };
  // A batch at a time where the reader offers it (read/batches.ts): a promise per record was ~10% of reading and shaping.
  const { records } = input;
  if (records.batches) {
    for await (const batch of records.batches()) for (const record of batch) take(record);
  } else {
    for await (const record of records) take(record);
  }
  if (streamedColumns && state.inputRows > 0) {
    state.resolver.checkNamedColumns();
    state.resolver.checkStrict();
  }
  if (spec.aggregate) groups.finish();
  const shaped: ShapedInput = {
    rows: state.rows,
    rejected: state.rejected,
    inputRows: state.inputRows,
    mergedRows: state.mergedRows,
    columns: streamedColumns ? [...state.resolver.columns] : input.columns,
    warnings: state.warnings(input.format),
  };
  const members = groups.members(spec);
  if (members) shaped.members = members;
  return shaped;
}
