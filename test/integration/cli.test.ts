/**
 * The CLI as a user runs it: exit codes, --json, the error report round trip,
 * and the small commands. Real child processes against real databases.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { cliEnv, runCli } from '../support/cli.js';
import { treeShape } from '../support/importHarness.js';

const work = mkdtempSync(join(tmpdir(), 'orgsync-cli-'));
const file = (name: string, text: string): string => {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
};

describe.each(dialects)('orgsync CLI on %s', (dialect) => {
  let db: TestDb;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'cli');
    env = cliEnv(db);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('imports, prints counts, exits 0; --json prints the documented object', async () => {
    const created = await runCli(['org', 'create', 'acme', '--name', 'ACME Corp'], env);
    expect(created.code).toBe(0);
    const human = await runCli(['import', 'fixtures/clients-api.json', '--org', 'acme'], env);
    expect(human.stderr).toBe('');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/rows \d+: created \d+, updated 0/);
    const json = await runCli(['import', 'fixtures/clients-api.json', '--org', 'acme', '--json'], env);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['runId', 'organization', 'mode', 'dryRun', 'status', 'counts', 'errors']));
    expect(Object.keys(report.counts)).toEqual(
      expect.arrayContaining(['rows', 'created', 'updated', 'moved', 'unchanged', 'deactivated', 'failed', 'skipped']),
    );
    expect(report).toMatchObject({ organization: 'acme', mode: 'upsert', dryRun: false, status: 'completed', errors: [] });
    expect(report.counts.unchanged).toBe(report.counts.rows);
  });

  it('row errors exit 3; the error CSV is formula-safe and, fixed, re-imports cleanly', async () => {
    const input = file(
      `bad-${dialect}.csv`,
      ['name,code,parentCode,description', 'Root,R,,ok', 'Child,C,MISSING,"=HYPERLINK(""http://evil"",""x"")"', 'Grandchild,G,C,@SUM(A1)', 'Other,O,R,+cmd'].join('\n'),
    );
    const reportPath = join(work, `errors-${dialect}.csv`);
    const run = await runCli(['import', input, '--org', 'beta', '--create-org', '--report', reportPath], env);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('row 3  PARENT_NOT_FOUND  parent');
    expect(run.stdout).toContain('row 4  PARENT_FAILED  parent');
    const text = readFileSync(reportPath, 'utf8');
    // The report keeps the input's style (issue 14): this input has no byte order mark, so neither has the report.
    expect(text.charCodeAt(0)).not.toBe(0xfeff);
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.error_row, r.error_code, r.error_field])).toEqual([
      ['3', 'PARENT_NOT_FOUND', 'parent'],
      ['4', 'PARENT_FAILED', 'parent'],
    ]);
    expect(rows[0]!.description).toBe(`'=HYPERLINK("http://evil","x")`);
    expect(rows[1]!.description).toBe(`'@SUM(A1)`);

    // The person fixes the parent reference in the report and imports the report itself.
    const fixed = file(`fixed-${dialect}.csv`, text.replace('MISSING', 'R'));
    const again = await runCli(['import', fixed, '--org', 'beta', '--json'], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).counts).toMatchObject({ created: 2, failed: 0 });
    const shape = await treeShape(db, 'beta');
    expect(shape).toContain('Root > Child > Grandchild | depth 2 | active | code G | @SUM(A1)');
    expect(shape).toContain('Root > Child | depth 1 | active | code C | =HYPERLINK("http://evil","x")');
  });

  it('file-level failures exit 1 and write nothing; usage errors exit 2', async () => {
    const broken = file(`broken-${dialect}.csv`, 'name,code\n"unclosed,X\n');
    const r1 = await runCli(['import', broken, '--org', 'gamma', '--create-org', '--json'], env);
    expect(r1.code).toBe(1);
    expect(JSON.parse(r1.stdout).fileError.code).toBe('CSV_SYNTAX_ERROR');
    const r2 = await runCli(['import', 'fixtures/clients-api.json', '--org', 'nobody'], env);
    expect(r2.code).toBe(1);
    expect(r2.stdout).toContain('ORGANIZATION_NOT_FOUND');
    const r3 = await runCli(['import', join(work, 'missing.csv'), '--org', 'acme'], env);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toContain('no such file');
    const orgs = await runCli(['org', 'list', '--json'], env);
    expect(JSON.parse(orgs.stdout).map((o: { code: string }) => o.code).sort()).toEqual(['acme', 'beta']);

    for (const args of [['import'], ['import', 'x.csv'], ['import', 'x.csv', '--org', 'a', '--mode', 'merge'], ['import', 'x.csv', '--org', 'a', '--max-deactivate', 'lots'], ['frobnicate']]) {
      const r = await runCli(args, env);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
    }
  });

  it('runs, report RUN_ID (json and csv) and tree', async () => {
    const input = file(`rep-${dialect}.csv`, 'name,code,parentCode\nA,A,\nB,B,NOPE\n');
    const run = await runCli(['import', input, '--org', 'acme', '--json'], env);
    const { runId } = JSON.parse(run.stdout) as { runId: string };
    const runs = await runCli(['runs', '--org', 'acme', '--json'], env);
    expect(runs.code).toBe(0);
    const listed = JSON.parse(runs.stdout) as { id: string; status: string }[];
    expect(listed[0]).toMatchObject({ id: runId, status: 'completed_with_errors' });
    const json = await runCli(['report', runId, '--format', 'json'], env);
    expect(JSON.parse(json.stdout).rows.filter((r: { errorCode: string | null }) => r.errorCode)).toHaveLength(1);
    const csv = await runCli(['report', runId, '--format', 'csv'], env);
    const rows = parse(csv.stdout.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([{ name: 'B', code: 'B', parentCode: 'NOPE', error_row: '3', error_code: 'PARENT_NOT_FOUND', error_field: 'parent', error_message: expect.stringContaining('NOPE') }]);
    const tree = await runCli(['tree', '--org', 'acme'], env);
    expect(tree.code).toBe(0);
    expect(tree.stdout).toContain('└─ ');
    expect(tree.stdout).toMatch(/\bA \[A\]/);
    const missing = await runCli(['report', 'run_nope'], env);
    expect(missing.code).toBe(2);
  });
});
