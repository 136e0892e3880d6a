/**
 * The pure part of an import, in-process and without a database: the one
 * pipeline runImport runs (src/core/pipeline.ts: read -> shape -> plan), then
 * the error report. The stored departments are given instead of loaded.
 */
import { FileError, FILE_ERROR_CODES } from '../../src/core/errors.js';
import { parseImportOptions, type ImportOptionsInput } from '../../src/core/importOptions.js';
import type { ImportPlan, Organization, StoredDepartment } from '../../src/core/model.js';
import { failedRecords, planShapedRows, readShapedRows } from '../../src/core/pipeline.js';
import { errorReportCsv } from '../../src/core/report/errorCsv.js';
import { isFailedOrSkipped } from '../../src/core/model.js';
import { idGenerator } from './planHarness.js';

export type PipelineResult =
  | { kind: 'report'; plan: ImportPlan; reportCsv: string; columns: string[] }
  | { kind: 'file-error'; error: FileError };

/** Bytes in the given chunks (so decoding is also tried across chunk boundaries). */
async function* chunked(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}

/**
 * Runs the pipeline. Returns a report or a FileError; any other exception is
 * thrown on (that is what the fuzz tests look for).
 */
export async function runPurePipeline(
  chunks: readonly Uint8Array[],
  fileName: string | undefined,
  optionsInput: ImportOptionsInput,
  organization: Organization,
  stored: readonly StoredDepartment[] = [],
): Promise<PipelineResult> {
  const parsed = parseImportOptions(optionsInput);
  if (!parsed.ok) throw new Error(`test bug: invalid options ${JSON.stringify(optionsInput)}: ${parsed.message}`);
  const opts = parsed.value;
  try {
    const shaped = await readShapedRows(chunked(chunks), opts, fileName === undefined ? {} : { fileName });
    const plan = planShapedRows(shaped, { organization, departments: stored }, opts, idGenerator());
    const raw = failedRecords(shaped, plan);
    const failed = plan.rowResults.filter((r) => isFailedOrSkipped(r.action));
    const reportCsv = errorReportCsv({ columns: shaped.columns, rows: failed.map((r) => ({ row: r.row, raw: raw.get(r.row) ?? {}, errors: r.errors })) });
    return { kind: 'report', plan, reportCsv, columns: shaped.columns };
  } catch (error) {
    if (error instanceof FileError && Object.hasOwn(FILE_ERROR_CODES, error.code)) return { kind: 'file-error', error };
    throw error;
  }
}
