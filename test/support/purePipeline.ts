/**
 * The pure part of an import, in-process and without a database: read ->
 * shape/normalise -> plan -> error report. Mirrors readAndNormalise and the
 * planning step of src/app/importService.ts (keep the two in step); the
 * stored departments are given instead of loaded.
 */
import { FileError, FILE_ERROR_CODES } from '../../src/core/errors.js';
import { parseImportOptions, type ImportOptionsInput } from '../../src/core/importOptions.js';
import type { ImportPlan, Organization, StoredDepartment } from '../../src/core/model.js';
import { planImport } from '../../src/core/plan/index.js';
import { readInput } from '../../src/core/read/index.js';
import { isDefaultChildrenKey } from '../../src/core/read/document.js';
import { errorReportCsv } from '../../src/core/report/errorCsv.js';
import { addShapeResults } from '../../src/core/shape/results.js';
import { shapeRecords, shapeSpec } from '../../src/core/shape/index.js';
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
    const spec = shapeSpec(opts);
    const childrenKey = spec.childrenKey;
    const input = await readInput(chunked(chunks), {
      format: opts.format ?? opts.mapping?.format,
      fileName,
      maxRows: opts.maxRows,
      encoding: opts.encoding ?? opts.mapping?.encoding,
      isChildrenKey: childrenKey === undefined ? isDefaultChildrenKey : (key) => key === childrenKey,
    });
    const shaped = await shapeRecords(input, spec);
    if (input.columns.length === 0 && shaped.inputRows === 0) throw new FileError('EMPTY_FILE', 'the file is empty');
    const plan = addShapeResults(
      planImport({
        organization,
        rows: shaped.rows,
        stored,
        options: { mode: opts.mode, matchBy: opts.matchBy, maxDepth: opts.maxDepth },
        newId: idGenerator(),
      }),
      shaped,
    );
    const raw = new Map<number, Record<string, unknown>>();
    for (const r of shaped.rows) raw.set(r.row.row, r.row.raw);
    for (const r of shaped.rejected) if (!raw.has(r.row)) raw.set(r.row, r.raw);
    const failed = plan.rowResults.filter((r) => r.action === 'failed' || r.action === 'skipped');
    const reportCsv = errorReportCsv({ columns: shaped.columns, rows: failed.map((r) => ({ row: r.row, raw: raw.get(r.row) ?? {}, errors: r.errors })) });
    return { kind: 'report', plan, reportCsv, columns: shaped.columns };
  } catch (error) {
    if (error instanceof FileError && Object.hasOwn(FILE_ERROR_CODES, error.code)) return { kind: 'file-error', error };
    throw error;
  }
}
