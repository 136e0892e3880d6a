/**
 * `orgsync export` and GET /v1/organizations/{org}/departments/export (MariaDB):
 * the CLI writes to standard output or a file, refuses bad flags in one line,
 * ends quietly when its reader goes away (`| head`); the route streams the same
 * bytes with Content-Type and Content-Disposition, scoped like every department route.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli } from '../support/cli.js';
import { countByCode, importCli } from '../support/cliImport.js';
import { exportText, seedTree } from '../support/exportHarness.js';
import { adminToken, call, createOrg, envelopeOf, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';

const BIN = fileURLToPath(new URL('../../bin/orgsync.js', import.meta.url));

describe('export: CLI and HTTP (MariaDB)', () => {
  let h: HttpHarness;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    h = await openHttpHarness('mysql', 'export_faces');
    dir = mkdtempSync(join(tmpdir(), 'orgsync-export-'));
    env = cliEnv(h.db);
    await seedTree(h.db, 'acme', 40);
    await seedTree(h.db, 'large', 20_000);
    await createOrg(h.db, 'other');
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes CSV to standard output by default, and each format to a file', async () => {
    const out = await runCli(['export', '--org', 'acme'], env);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout).toBe(await exportText(h.db, 'acme', 'csv'));
    expect(out.stdout.split('\r\n')[0]).toBe(
      'code,openDepartmentId,name,parentCode,description,location,i18n,customData,isVirtualNode,leaderUserIds,postIdList,color,tenantId,isActive',
    );
    // Formula-safe: a spreadsheet shows the cell as text (the importer removes the quote again).
    expect(out.stdout).toContain(',"\'=HYPERLINK(""http://example.com/1"")",');

    const dash = await runCli(['export', '--org', 'acme', '--output', '-', '--format', 'yaml'], env);
    expect(dash.stdout).toBe(await exportText(h.db, 'acme', 'yaml'));

    const file = join(dir, 'acme.ndjson');
    const toFile = await runCli(['export', '--org', 'acme', '--output', file, '--active'], env);
    expect(toFile).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(readFileSync(file, 'utf8')).toBe(await exportText(h.db, 'acme', 'ndjson', { activeOnly: true }));
  });

  it('the JSON export imports into a new organization with no NAME_REQUIRED (tree --json could not); a sync of it, full or --active, changes nothing', async () => {
    const tree = await runCli(['tree', '--org', 'acme', '--json'], env);
    const treeFile = join(dir, 'tree.json');
    writeFileSync(treeFile, tree.stdout);
    const fromTree = await importCli(h.db, [treeFile, '--org', 'from-tree', '--create-org']);
    expect(countByCode(fromTree.report).NAME_REQUIRED ?? 0).toBeGreaterThan(0); // the regression this command answers

    const file = join(dir, 'acme.json');
    expect((await runCli(['export', '--org', 'acme', '--output', file], env)).code).toBe(0);
    const imported = await importCli(h.db, [file, '--org', 'from-export', '--create-org']);
    expect({ code: imported.code, errors: countByCode(imported.report) }).toEqual({ code: 0, errors: {} });
    expect(imported.report.counts).toMatchObject({ created: 40, failed: 0 });
    const again = await importCli(h.db, [file, '--org', 'acme', '--mode', 'sync']);
    expect(again.report.counts).toMatchObject({ unchanged: 40, updated: 0, moved: 0, deactivated: 0, created: 0 });
    // --active leaves the 4 inactive departments out; a sync finds them missing, and they are inactive already.
    const activeFile = join(dir, 'acme-active.csv');
    expect((await runCli(['export', '--org', 'acme', '--active', '--output', activeFile], env)).code).toBe(0);
    const activeSync = await importCli(h.db, [activeFile, '--org', 'acme', '--mode', 'sync']);
    expect(activeSync.report.counts).toMatchObject({ rows: 36, unchanged: 36, updated: 0, moved: 0, deactivated: 0, created: 0 });
  });

  it('bad flags and an unknown organization: one line, the right exit code, no file left behind', async () => {
    const format = await runCli(['export', '--org', 'acme', '--format', 'xml'], env);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format must be one of csv, xlsx, json, yaml, ndjson, got "xml"');
    const missing = join(dir, 'missing.csv');
    const unknown = await runCli(['export', '--org', 'nope', '--output', missing], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('orgsync: organization "nope" does not exist\n');
    expect(existsSync(missing)).toBe(false);
    const nowhere = await runCli(['export', '--org', 'acme', '--output', join(dir, 'no-such-dir', 'x.csv')], env);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain(`--output: cannot write "${join(dir, 'no-such-dir', 'x.csv')}" (no such directory)`);
  });

  it('piped into a reader that stops early (| head), ends quietly', async () => {
    const child = spawn(process.execPath, [BIN, 'export', '--org', 'large'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString('utf8'))));
    child.stdout.destroy(); // what `head` does once it has its lines
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(first.startsWith('code,openDepartmentId,name,parentCode')).toBe(true);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  }, 60_000);

  it('GET .../departments/export streams the same file, with its type and name', async () => {
    const token = await orgToken(h.db, 'acme');
    const cli = await runCli(['export', '--org', 'acme', '--format', 'json'], env);
    const res = await call(h.app, token, 'GET', '/v1/organizations/acme/departments/export?format=json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="acme-departments.json"');
    expect(res.body).toBe(cli.stdout);

    const csv = await call(h.app, token, 'GET', '/v1/organizations/acme/departments/export?active=true');
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body).toBe(await exportText(h.db, 'acme', 'csv', { activeOnly: true }));

    const admin = await call(h.app, await adminToken(h.db), 'GET', '/v1/organizations/acme/departments/export?format=yaml');
    expect(admin.statusCode).toBe(200);
    expect(admin.body).toBe(await exportText(h.db, 'acme', 'yaml'));
  });

  it('another organization\'s token gets 404, no token 401, a bad format 400', async () => {
    const foreign = await call(h.app, await orgToken(h.db, 'other'), 'GET', '/v1/organizations/acme/departments/export');
    expect(foreign.statusCode).toBe(404);
    expect(envelopeOf(foreign).code).toBe('ORGANIZATION_NOT_FOUND');
    expect((await call(h.app, undefined, 'GET', '/v1/organizations/acme/departments/export')).statusCode).toBe(401);
    const bad = await call(h.app, await orgToken(h.db, 'acme'), 'GET', '/v1/organizations/acme/departments/export?format=xls');
    expect(bad.statusCode).toBe(400);
  });

  it('is in the OpenAPI document with its five content types', async () => {
    const doc = (await h.app.inject('/openapi.json')).json() as { paths: Record<string, { get?: { responses: Record<string, { content: object }> } }> };
    const route = doc.paths['/v1/organizations/{org}/departments/export']?.get;
    expect(Object.keys(route?.responses['200']?.content ?? {})).toEqual([
      'text/csv',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'application/json',
      'application/yaml',
      'application/x-ndjson',
    ]);
  });
});
