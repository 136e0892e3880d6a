/**
 * The one pipeline (src/core/pipeline.ts) that runImport and every harness run:
 * what "empty" means, the row limit enforced while streaming, and planning
 * with the shape stage's results and members folded in.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { FileError } from '../../src/core/errors.js';
import { type ImportOptions, type ImportOptionsInput, parseImportOptions } from '../../src/core/importOptions.js';
import { DEFAULT_MAX_ROWS_PER_RUN, failedRecords, planShapedRows, readShapedRows, rowLimitOf } from '../../src/core/pipeline.js';
import { ORG, idGenerator } from '../support/planHarness.js';

function options(input: ImportOptionsInput = {}): ImportOptions {
  const parsed = parseImportOptions(input);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

async function* bytesOf(text: string | Uint8Array): AsyncGenerator<Uint8Array> {
  yield typeof text === 'string' ? new TextEncoder().encode(text) : text;
}

/** A one-column CSV of `rows` rows, streamed in chunks of 1,000 rows; `pulled` counts the rows handed out. */
function streamedRows(rows: number): { bytes: AsyncGenerator<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const encoder = new TextEncoder();
  async function* bytes(): AsyncGenerator<Uint8Array> {
    yield encoder.encode('name\n');
    while (pulled < rows) {
      const n = Math.min(1000, rows - pulled);
      let chunk = '';
      for (let i = 0; i < n; i++) chunk += `d${pulled + i}\n`;
      pulled += n;
      yield encoder.encode(chunk);
    }
  }
  return { bytes: bytes(), pulled: () => pulled };
}

async function fileErrorOf(promise: Promise<unknown>): Promise<FileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof FileError)) throw new Error(`expected a FileError, got ${String(error)}`);
  return error;
}

describe('readShapedRows: what is empty', () => {
  it.each([
    ['a 0-byte file', ''],
    ['blank lines and spaces', '\n \n\t\r\n'],
    ['a UTF-8 byte order mark only', '\uFEFF'],
  ])('%s is EMPTY_FILE', async (_what, text) => {
    expect((await fileErrorOf(readShapedRows(bytesOf(text), options(), { fileName: 'x.csv' }))).code).toBe('EMPTY_FILE');
  });

  it.each([
    ['a header-only CSV', 'name,code\n', 'x.csv'],
    ['an empty JSON list', '[]', 'x.json'],
  ])('%s is a valid import of nothing', async (_what, text, fileName) => {
    const shaped = await readShapedRows(bytesOf(text), options(), { fileName });
    expect(shaped).toMatchObject({ rows: [], rejected: [], inputRows: 0 });
  });
});

describe('readShapedRows: rows per run', () => {
  it('refuses a file over the ceiling while streaming: it stops reading at the limit, before planning', async () => {
    const source = streamedRows(1_000_000);
    const error = await fileErrorOf(readShapedRows(source.bytes, options(), { fileName: 'x.csv', maxRowsPerRun: 2500 }));
    expect(error).toMatchObject({ code: 'ROW_LIMIT_EXCEEDED', line: 2502, details: { maxRows: 2500, ceiling: 2500 } });
    expect(error.message).toContain('ORGSYNC_MAX_ROWS_PER_RUN (2500)');
    // Read ahead by at most a chunk or two: the rest of the file was never pulled.
    expect(source.pulled()).toBeLessThanOrEqual(5000);
  });

  it('--max-rows lowers the ceiling but never raises it', async () => {
    const lowered = await fileErrorOf(readShapedRows(streamedRows(100).bytes, options({ maxRows: 10 }), { fileName: 'x.csv', maxRowsPerRun: 50 }));
    expect(lowered).toMatchObject({ code: 'ROW_LIMIT_EXCEEDED', line: 12 });
    expect(lowered.message).toContain('--max-rows 10');
    const raised = await fileErrorOf(readShapedRows(streamedRows(100).bytes, options({ maxRows: 1000 }), { fileName: 'x.csv', maxRowsPerRun: 50 }));
    expect(raised).toMatchObject({ code: 'ROW_LIMIT_EXCEEDED', line: 52 });
    expect(raised.message).toContain('--max-rows 1000 cannot raise it');
    expect((await readShapedRows(streamedRows(50).bytes, options(), { fileName: 'x.csv', maxRowsPerRun: 50 })).inputRows).toBe(50);
    expect(rowLimitOf(undefined, 7)).toBe(7);
    expect(rowLimitOf(3, 7)).toBe(3);
    expect(rowLimitOf(30, 7)).toBe(7);
  });

  it('applies the default when nothing is configured (the config and a caller that passes no ceiling)', async () => {
    expect(DEFAULT_MAX_ROWS_PER_RUN).toBe(1_000_000);
    expect(loadConfig({}).runs.maxRows).toBe(DEFAULT_MAX_ROWS_PER_RUN);
    expect(loadConfig({ ORGSYNC_MAX_ROWS_PER_RUN: '25' }).runs.maxRows).toBe(25);
    expect(() => loadConfig({ ORGSYNC_MAX_ROWS_PER_RUN: '0' })).toThrow(/ORGSYNC_MAX_ROWS_PER_RUN/);
    const error = await fileErrorOf(readShapedRows(streamedRows(DEFAULT_MAX_ROWS_PER_RUN + 1).bytes, options(), { fileName: 'x.csv' }));
    expect(error).toMatchObject({ code: 'ROW_LIMIT_EXCEEDED', line: DEFAULT_MAX_ROWS_PER_RUN + 2 });
  }, 60_000);
});

describe('planShapedRows', () => {
  it('folds in the shape stage (merged and rejected rows, input row count) and plans members', async () => {
    const text = 'path,emp\nHQ,e1\nHQ > ENG,e2\nHQ > ENG,e3\nHQ >  > X,e4\n';
    const opts = options({ pathColumn: 'path', memberColumn: 'emp' });
    const shaped = await readShapedRows(bytesOf(text), opts, { fileName: 'x.csv' });
    const plan = planShapedRows(shaped, { organization: ORG, departments: [] }, opts, idGenerator());
    expect(plan.counts).toMatchObject({ rows: 4, created: 2, merged: 1, failed: 1, membersAdded: 3, membersRemoved: 0 });
    expect(plan.errors.map((e) => `${e.row} ${e.code}`)).toEqual(['5 EMPTY_PATH_LEVEL']);
    // Rejected rows keep their original record for the fix-and-reimport report; good rows are not kept there.
    expect([...failedRecords(shaped, plan)].map(([row, raw]) => [row, { ...raw }])).toEqual([[5, { path: 'HQ >  > X', emp: 'e4' }]]);
  });

  it('plans against the stored view: a second run of the same rows changes nothing', async () => {
    const opts = options();
    const text = 'name,code,parentCode\nHQ,hq,\nEng,eng,hq\n';
    const first = planShapedRows(await readShapedRows(bytesOf(text), opts, { fileName: 'x.csv' }), { organization: ORG, departments: [] }, opts, idGenerator());
    const again = planShapedRows(await readShapedRows(bytesOf(text), opts, { fileName: 'x.csv' }), { organization: ORG, departments: first.creates }, opts, idGenerator());
    expect(first.counts).toMatchObject({ rows: 2, created: 2 });
    expect(again.counts).toMatchObject({ rows: 2, unchanged: 2, created: 0 });
  });
});
