/**
 * Scenario 12 of `npm run bench` (issue 14): a 100,000-row .xlsx imported
 * through the CLI into the embedded SQLite database, beside the same rows as
 * CSV; time and peak RSS of each. Target: the workbook's peak RSS within 1.5x
 * the CSV's. Runs alone too: `npx tsx bench/xlsx.ts [rows]`.
 *
 * The workbook is written here with shared strings, as Excel writes it (the
 * reader then holds the shared-string table, the case that costs memory).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { randomTree, treeCsv } from './generate.js';

export interface XlsxBenchResult {
  name: string;
  rows: number;
  ms: number;
  /** Peak RSS in KB (from /usr/bin/time), 0 where it is not installed. */
  rss: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function column(i: number): string {
  return String.fromCharCode(65 + i);
}

/** A minimal but complete workbook of the CSV's cells, every cell a shared string. */
function workbookOf(csv: string): Uint8Array {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const rows: string[] = [];
  csv.trimEnd().split('\n').forEach((line, r) => {
    const cells = line.split(',').map((value, c) => {
      if (value === '') return '';
      let at = index.get(value);
      if (at === undefined) {
        at = strings.push(value) - 1;
        index.set(value, at);
      }
      return `<c r="${column(c)}${r + 1}" t="s"><v>${at}</v></c>`;
    });
    rows.push(`<row r="${r + 1}">${cells.join('')}</row>`);
  });
  const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  return zipSync({
    '[Content_Types].xml': strToU8('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'),
    '_rels/.rels': strToU8(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`),
    'xl/workbook.xml': strToU8(`<workbook ${ns} xmlns:r="${rel}"><sheets><sheet name="Org" sheetId="1" r:id="r1"/></sheets></workbook>`),
    'xl/_rels/workbook.xml.rels': strToU8(
      `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="r2" Type="${rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
    ),
    // Excel's order: the sheet before the shared strings it refers to.
    'xl/worksheets/sheet1.xml': strToU8(`<worksheet ${ns}><sheetData>${rows.join('')}</sheetData></worksheet>`),
    'xl/sharedStrings.xml': strToU8(`<sst ${ns} count="${strings.length}">${strings.map((s) => `<si><t>${esc(s)}</t></si>`).join('')}</sst>`),
  });
}

function timed(args: string[], env: NodeJS.ProcessEnv): { ms: number; rss: number } {
  const time = existsSync('/usr/bin/time');
  const [cmd, argv] = time ? ['/usr/bin/time', ['-f', 'maxrss=%M', process.execPath, ...args]] : [process.execPath, args];
  const started = process.hrtime.bigint();
  const res = spawnSync(cmd, argv, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 2 ** 20 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (res.status !== 0) throw new Error(`orgsync ${args.join(' ')} exited ${res.status}:\n${res.stderr.slice(-2000)}`);
  return { ms, rss: Number(/maxrss=(\d+)/.exec(res.stderr)?.[1] ?? 0) };
}

export function measureXlsx(dir: string, rows = 100_000): XlsxBenchResult[] {
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--quiet'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`the CLI did not compile:\n${build.stderr}`);
  const csv = treeCsv(randomTree(rows));
  const csvFile = join(dir, `xlsx-bench-${rows}.csv`);
  const xlsxFile = join(dir, `xlsx-bench-${rows}.xlsx`);
  writeFileSync(csvFile, csv);
  writeFileSync(xlsxFile, workbookOf(csv));
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ORGSYNC_SQLITE_PATH: join(dir, 'xlsx-bench.sqlite') };
  timed(['bin/orgsync.js', 'migrate'], env);
  return [
    { name: 'import CSV (SQLite)', file: csvFile, org: 'bench-csv' },
    { name: 'import .xlsx (SQLite)', file: xlsxFile, org: 'bench-xlsx' },
  ].map(({ name, file, org }) => ({ name, rows, ...timed(['bin/orgsync.js', 'import', file, '--org', org, '--create-org', '--json'], env) }));
}

if (process.argv[1]?.endsWith('xlsx.ts')) {
  const dir = mkdtempSync(join(tmpdir(), 'orgsync-xlsx-bench-'));
  try {
    const results = measureXlsx(dir, Number(process.argv[2] ?? 100_000));
    for (const r of results) console.log(`${r.name.padEnd(24)} ${r.rows} rows  ${(r.ms / 1000).toFixed(2)} s  peak RSS ${Math.round(r.rss / 1024)} MB`);
    const [csv, xlsx] = results;
    if (csv && xlsx && csv.rss > 0) console.log(`xlsx/CSV peak RSS: ${(xlsx.rss / csv.rss).toFixed(2)}x (target <= 1.5x)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
