/**
 * Issue 14, "A CLI that behaves", through the real CLI in a child process
 * (bin/orgsync.js, compiled): standard input as the file, output piped into a
 * reader that goes away, one-line usage errors, misspelled columns and
 * --strict, mapping keys both ways round and the `root` rule, tables, the
 * text report, colours, `.env`, and migrate against a missing database.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, mysqlTestUrl, openTestDatabase, type TestDb } from '../support/db.js';
import { cliEnv, type CliResult, REPO_ROOT, runCli } from '../support/cli.js';

const BIN = fileURLToPath(new URL('../../bin/orgsync.js', import.meta.url));

/** The CLI with something on its standard input, or with its reader gone before it writes. */
function spawnCli(args: string[], env: Record<string, string>, opts: { input?: string; closeStdout?: boolean; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: opts.cwd ?? REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    if (opts.closeStdout) child.stdout.destroy();
    else child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.end(opts.input ?? '');
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const TREE_CSV = `code,name,parentCode\n${Array.from({ length: 3000 }, (_, i) => `D${i},Department ${i},${i === 0 ? '' : `D${Math.floor((i - 1) / 3)}`}`).join('\n')}\n`;

describe('the CLI on SQLite: input, output and errors', () => {
  let db: TestDb;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await openTestDatabase('sqlite', 'cli_ux_sqlite');
    dir = mkdtempSync(join(tmpdir(), 'cli-ux-'));
    env = cliEnv(db);
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads standard input for `-`, sniffing the format or taking --format', async () => {
    const csv = await spawnCli(['import', '-', '--org', 'stdin', '--create-org', '--json'], env, { input: 'code,name\nS,Sales\n' });
    expect(csv.code, csv.stderr).toBe(0);
    expect(JSON.parse(csv.stdout)).toMatchObject({ status: 'completed', counts: { created: 1 } });
    const yaml = await spawnCli(['import', '-', '--org', 'stdin', '--format', 'yaml', '--json'], env, { input: '- code: E\n  name: Engineering\n' });
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(JSON.parse(yaml.stdout)).toMatchObject({ counts: { created: 1 } });
    const text = await spawnCli(['import', '-', '--org', 'stdin'], env, { input: 'code,name\nS,Sales\n' });
    expect(text.stdout).toContain('Import of stdin into "stdin"');
  });

  it('ends quietly, exit 0, when the reader of its output goes away (EPIPE)', async () => {
    const load = await spawnCli(['import', '-', '--org', 'big', '--create-org', '--json'], env, { input: TREE_CSV });
    expect(load.code, load.stderr).toBe(0);
    const res = await spawnCli(['tree', '--org', 'big'], env, { closeStdout: true });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
  });

  it('answers a usage error with one line and the hint to the command’s own help', async () => {
    const res = await runCli(['import', 'x.csv', '--org', 'a', '--bogus'], env);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe("orgsync: unknown option '--bogus'\n(see orgsync import --help)\n");
    expect(res.stdout).toBe('');
    const nested = await runCli(['org', 'list', '--nope'], env);
    expect(nested.stderr).toBe("orgsync: unknown option '--nope'\n(see orgsync org list --help)\n");
    const json = await runCli(['import', '--json'], env);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'USAGE_ERROR', message: "missing required argument 'file'" } });
  });

  it('warns about a misspelled column, and fails on it with --strict (UNKNOWN_COLUMN)', async () => {
    const file = join(dir, 'typo.csv');
    writeFileSync(file, 'code,name,Parnet Code\nA,Alpha,\nB,Beta,A\n');
    const warned = await runCli(['import', file, '--org', 'typo', '--create-org', '--json'], env);
    expect(warned.code).toBe(0);
    expect(JSON.parse(warned.stdout).warnings).toContain('unknown column "Parnet Code": did you mean "parentCode"?');
    const strict = await runCli(['import', file, '--org', 'typo2', '--create-org', '--strict', '--json'], env);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.stdout)).toMatchObject({ status: 'failed', fileError: { code: 'UNKNOWN_COLUMN' } });
    const parentLike = join(dir, 'parent-like.csv');
    writeFileSync(parentLike, 'code,name,Parent Dept Code\nA,Alpha,\nB,Beta,A\n');
    const failed = await runCli(['import', parentLike, '--org', 'typo2', '--create-org', '--strict', '--json'], env);
    expect(JSON.parse(failed.stdout)).toMatchObject({ fileError: { code: 'UNKNOWN_COLUMN', message: expect.stringContaining('looks like a parent reference') } });
  });

  it('lists in aligned tables with headers, and prints a run’s report as text by default', async () => {
    await runCli(['org', 'create', 'tables', '--name', 'Tables Inc'], env);
    const orgs = await runCli(['org', 'list'], env);
    const lines = orgs.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CODE +NAME +NAMES UNIQUE PER +ID$/);
    const nameAt = lines[0]!.indexOf('NAME');
    expect(lines.find((l) => l.startsWith('tables '))!.indexOf('Tables Inc')).toBe(nameAt);

    const file = join(dir, 'errors.csv');
    writeFileSync(file, 'code,name,parentCode\nA,Alpha,\nB,,A\n');
    const run = JSON.parse((await runCli(['import', file, '--org', 'tables', '--json'], env)).stdout) as { runId: string };
    const runs = await runCli(['runs', '--org', 'tables'], env);
    expect(runs.stdout.split('\n')[0]).toMatch(/^RUN +CREATED +ORG +MODE +STATUS +ROWS +NEW +UPDATED +MOVED +FAILED +APPROVED BY +SOURCE$/);
    expect(runs.stdout).toMatch(new RegExp(`${run.runId}  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ  tables`));

    const report = await runCli(['report', run.runId], env);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain(`Run ${run.runId}: upsert of ${file} into "tables"`);
    expect(report.stdout).toMatch(/ROW +CODE +FIELD +MESSAGE\n +3 +\S+ +name/);
    expect(JSON.parse((await runCli(['report', run.runId, '--format', 'json'], env)).stdout)).toHaveProperty('run.id', run.runId);
  });

  it('colours only when wanted: never with NO_COLOR or --no-color', async () => {
    const file = join(dir, 'color.csv');
    writeFileSync(file, 'code,name\nC,Colour\n');
    const args = ['import', file, '--org', 'color', '--create-org', '--dry-run'];
    expect((await runCli(args, { ...env, FORCE_COLOR: '1' })).stdout).toContain('\x1b[');
    expect((await runCli(args, { ...env, FORCE_COLOR: '1', NO_COLOR: '1' })).stdout).not.toContain('\x1b[');
    const flagged = await runCli([...args, '--no-color'], { ...env, FORCE_COLOR: '1' });
    expect(flagged.code, flagged.stderr).toBe(0);
    expect(flagged.stdout).not.toContain('\x1b[');
  });

  it('takes the organization from the YAML `organization:` key when --org is left out (docs/formats.md)', async () => {
    const file = join(dir, 'org.yaml');
    writeFileSync(file, 'organization: norrsken\ndepartments:\n  - code: A\n    name: Alpha\n');
    const res = await runCli(['import', file, '--create-org', '--json'], env);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ organization: 'norrsken', counts: { created: 1 } });
  });

  it('`schedule add --help` tells one story about the default mode', async () => {
    const help = (await runCli(['schedule', 'add', '--help'], env)).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('its syncs run in sync mode unless --mode says otherwise');
    expect(help).toContain('(default sync)');
    expect(help).not.toContain('(default upsert)');
  });

  it('reads .env from the working directory; the environment wins over it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'cli-ux-env-'));
    try {
      writeFileSync(join(cwd, '.env'), `ORGSYNC_SQLITE_PATH=${db.location}\nORGSYNC_MAX_ROWS_PER_RUN=not-a-number\n`);
      const { ORGSYNC_SQLITE_PATH: _path, ...bare } = env;
      // The file's bad value is read (and refused) ...
      const refused = await runCli(['org', 'list'], bare, { cwd });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('ORGSYNC_MAX_ROWS_PER_RUN');
      // ... unless the environment sets it; the file's database path is used.
      const listed = await runCli(['org', 'list'], { ...bare, ORGSYNC_MAX_ROWS_PER_RUN: '1000' }, { cwd });
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain('tables');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe.each(dialects)('mapping keys both ways round and the root rule (%s)', (dialect) => {
  let db: TestDb;
  let dir: string;
  beforeAll(async () => {
    db = await openTestDatabase(dialect, `cli_ux_root_${dialect}`);
    dir = mkdtempSync(join(tmpdir(), 'cli-ux-root-'));
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('`parent: Parent Dept Code` with parentRef: code works; root, null and empty are the top level', async () => {
    const csv = join(dir, 'depts.csv');
    writeFileSync(csv, 'Dept Code,Dept Name,Parent Dept Code\nA,Alpha,\nB,Beta,A\nC,Gamma,root\nD,Delta,NULL\n');
    const mapping = join(dir, 'mapping.yaml');
    writeFileSync(mapping, 'parentRef: code\ncolumns:\n  code: Dept Code\n  name: Dept Name\n  parent: Parent Dept Code\n');
    const res = await runCli(['import', csv, '--org', 'acme', '--create-org', '--mapping', mapping, '--json'], cliEnv(db));
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ counts: { created: 4, failed: 0 } });
    const tree = await runCli(['tree', '--org', 'acme'], cliEnv(db));
    expect(tree.stdout).toBe('acme (acme): 4 departments\n├─ Alpha [A]\n│  └─ Beta [B]\n├─ Delta [D]\n└─ Gamma [C]\n');
  });

  it('a parentCode of root is the department whose code is "root" when there is one, and says so', async () => {
    const csv = join(dir, 'root.csv');
    writeFileSync(csv, 'code,name,parentCode\nroot,Root Office,\nX,Under Root,root\n');
    const res = await runCli(['import', csv, '--org', 'rooted', '--create-org', '--json'], cliEnv(db));
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const report = JSON.parse(res.stdout) as { warnings: string[] };
    expect(report.warnings).toContain('row 3: the parent reference "root" is the department with that key, not the top level (a department has the key "root")');
    const tree = await runCli(['tree', '--org', 'rooted'], cliEnv(db));
    expect(tree.stdout).toBe('rooted (rooted): 2 departments\n└─ Root Office [root]\n   └─ Under Root [X]\n');
  });
});

describe('migrate against a database that does not exist (MariaDB)', () => {
  const name = `orgsync_t_cli_ux_missing_${process.pid}`;
  const admin = async (sql: string) => {
    const conn = await mysql.createConnection({ uri: mysqlTestUrl('') });
    try {
      await conn.query(sql);
    } finally {
      await conn.end();
    }
  };
  beforeAll(() => admin(`DROP DATABASE IF EXISTS \`${name}\``));
  afterAll(() => admin(`DROP DATABASE IF EXISTS \`${name}\``));

  it('says so in one line, then creates it with --create-database', async () => {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: mysqlTestUrl(name) };
    const missing = await runCli(['migrate'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`orgsync: the database "${name}" does not exist on that server: run "orgsync migrate --create-database" to create it\n`);
    const created = await runCli(['migrate', '--create-database'], env);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toBe(`created database "${name}" (utf8mb4)\ndatabase schema is up to date (mysql)\n`);
    expect((await runCli(['migrate'], env)).stdout).toBe('database schema is up to date (mysql)\n');
  });
});
