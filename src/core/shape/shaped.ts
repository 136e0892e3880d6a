/** What the shape stage takes and gives (see index.ts). */
import type { RowIssue } from '../errors.js';
import type { InputFormat } from '../model.js';
import type { NormalisedRow } from '../normalise/normaliseRow.js';
import type { RecordBatches } from '../read/batches.js';

/** A row that failed before planning: it is reported as failed and takes no part in the plan. */
export interface RejectedRow {
  row: number;
  key: string;
  raw: Record<string, unknown>;
  issues: RowIssue[];
}

export interface ShapedInput {
  /** Department rows for the planner; a `link` parent is an index into this list. */
  rows: NormalisedRow[];
  rejected: RejectedRow[];
  /** Records read from the file. */
  inputRows: number;
  /** Rows that repeated a department an earlier row already described (identically). */
  mergedRows: number;
  /** With a member column: the member ids of the department of `rows[i]`, by i (an id given twice, twice). */
  members?: Map<number, readonly string[]>;
  /** The input's columns (NDJSON: all keys seen), for the fix-and-reimport report. */
  columns: string[];
  warnings: string[];
}

export interface ShapeInput {
  format: InputFormat;
  columns: string[];
  records: RecordBatches;
}
