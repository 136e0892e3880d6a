/**
 * The export as .xlsx through both faces, and an .xlsx sent back (MariaDB):
 * `orgsync export --format xlsx` (or an `--output *.xlsx`) writes a workbook,
 * GET .../departments/export?format=xlsx downloads it, and a raw upload of it
 * to POST .../imports (Content-Type the spreadsheet type or
 * application/octet-stream: the format is found from the content) imports it
 * with every row unchanged.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInput } from '../../src/core/read/index.js';
import { cliEnv, runCli } from '../support/cli.js';
import { exportText, seedTree } from '../support/exportHarness.js';
import { call, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const SEEDED = 60;

/** The workbook's rows as the importer's reader sees them, as CSV-like lines to compare with the CSV export. */
async function rowsOf(bytes: Uint8Array): Promise<{ format: string; columns: string[]; rows: string[] }> {
  const input = await readInput((async function* () { yield bytes; })(), {});
  const rows: string[] = [];
  for await (const r of input.records) rows.push(JSON.stringify(input.columns.map((c) => r.values[c] ?? '')));
  return { format: input.format, columns: input.columns, rows };
}

describe('export as xlsx: CLI, HTTP download and raw upload (MariaDB)', () => {
  let h: HttpHarness;
  let dir: string;
  let env: Record<string, string>;
  let token: string;
  beforeAll(async () => {
    h = await openHttpHarness('mysql', 'export_xlsx_faces');
    dir = mkdtempSync(join(tmpdir(), 'orgsync-export-xlsx-'));
    env = cliEnv(h.db);
    await seedTree(h.db, 'acme', SEEDED);
    token = await orgToken(h.db, 'acme');
    await h.startWorker();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the CLI writes a workbook for --format xlsx and for an --output named .xlsx, with the CSV export\'s rows', async () => {
    const csv = (await exportText(h.db, 'acme', 'csv')).trim().split('\r\n');
    const explicit = join(dir, 'acme.out');
    expect(await runCli(['export', '--org', 'acme', '--format', 'xlsx', '--output', explicit], env)).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const byExtension = join(dir, 'acme.xlsx');
    expect(await runCli(['export', '--org', 'acme', '--output', byExtension], env)).toMatchObject({ code: 0, stderr: '' });
    for (const file of [explicit, byExtension]) {
      const read = await rowsOf(readFileSync(file));
      expect(read.format).toBe('xlsx');
      expect(read.columns.join(',')).toBe(csv[0]);
      expect(read.rows).toHaveLength(SEEDED);
    }
  });

  it('GET ?format=xlsx downloads the workbook; uploaded raw, as the spreadsheet type or as octet-stream, every row is unchanged', async () => {
    const res = await call(h.app, token, 'GET', '/v1/organizations/acme/departments/export?format=xlsx');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(XLSX);
    expect(res.headers['content-disposition']).toBe('attachment; filename="acme-departments.xlsx"');
    const bytes = res.rawPayload;
    expect((await rowsOf(bytes)).rows).toHaveLength(SEEDED);

    for (const type of [XLSX, 'application/octet-stream']) {
      const upload = await call(h.app, token, 'POST', '/v1/organizations/acme/imports?filename=acme-departments.xlsx&wait=true&timeout=30', {
        payload: bytes,
        headers: { 'content-type': type },
      });
      expect({ type, status: upload.statusCode }).toEqual({ type, status: 200 });
      expect(upload.json()).toMatchObject({
        status: 'completed',
        errors: [],
        counts: { rows: SEEDED, unchanged: SEEDED, created: 0, updated: 0, moved: 0, failed: 0 },
      });
    }
    const run = (await call(h.app, token, 'GET', '/v1/organizations/acme/imports?limit=1')).json() as { data: { format: string }[] };
    expect(run.data[0]?.format).toBe('xlsx');
  }, 60_000);
});
