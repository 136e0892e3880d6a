/**
 * `orgsync history` and `orgsync revert` through the real CLI (SQLite and
 * MariaDB): the import's changes carry `cli:<os user>`, a revert prints its
 * run, a second revert exits 1 with REVERT_CONFLICT, --force overrides it; a
 * revert over --max-deactivate is held (exit 1) and `orgsync approve` applies it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { cliEnv, runCli } from '../support/cli.js';
import { importCli } from '../support/cliImport.js';

describe.each(dialects)('history and revert commands (%s)', (dialect) => {
  let db: TestDb;
  const dir = mkdtempSync(join(tmpdir(), 'orgsync-history-cli-'));
  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'history_cli');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('shows the changes with the CLI user, reverts, and refuses a conflicting revert unless --force', async () => {
    const file = join(dir, 'a.csv');
    writeFileSync(file, 'name,code\nA,A\nB,B\n');
    await importCli(db, [file, '--org', 'clihist', '--create-org']);
    writeFileSync(file, 'name,code,description\nA,A,changed\n');
    const { report } = await importCli(db, [file, '--org', 'clihist']);

    const history = await runCli(['history', '--org', 'clihist', '--run', report.runId, '--json'], cliEnv(db));
    expect(history.code, history.stderr).toBe(0);
    const page = JSON.parse(history.stdout) as { items: { action: string; actor: string; before: unknown; after: unknown }[] };
    expect(page.items).toEqual([expect.objectContaining({ action: 'updated', actor: `cli:${userInfo().username}`, before: { description: null }, after: { description: 'changed' } })]);
    const text = await runCli(['history', '--org', 'clihist', '--department', 'A'], cliEnv(db));
    expect(text.stdout).toMatch(/created/);
    expect(text.stdout).toMatch(/updated/);

    const reverted = await runCli(['revert', report.runId], cliEnv(db));
    expect(reverted.code, reverted.stderr).toBe(0);
    expect(reverted.stdout).toMatch(new RegExp(`reverted run ${report.runId} of clihist as run run_`));
    const again = await runCli(['revert', report.runId, '--json'], cliEnv(db));
    expect(again.code).toBe(1);
    expect(again.stdout + again.stderr).toMatch(/REVERT_CONFLICT/);
    const forced = await runCli(['revert', report.runId, '--force', '--json'], cliEnv(db));
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ revertedRunId: report.runId, overridden: [expect.objectContaining({ action: 'updated' })] });
  });
  it('holds a revert over --max-deactivate: prints that it waits for approval, exits 1; orgsync approve applies it', async () => {
    const file = join(dir, 'b.csv');
    writeFileSync(file, 'name,code\nA,A\n');
    await importCli(db, [file, '--org', 'cliheld', '--create-org']);
    writeFileSync(file, 'name,code\nB,B\nC,C\n');
    const { report } = await importCli(db, [file, '--org', 'cliheld']);
    const held = await runCli(['revert', report.runId], cliEnv(db));
    expect(held.code, held.stderr).toBe(1);
    const heldRunId = /held for approval: the revert of run \S+ of cliheld is run (run_\w+), waiting for "orgsync approve \1"/.exec(held.stdout)?.[1];
    expect(heldRunId, held.stdout).toBeDefined();
    expect(held.stdout).toMatch(/DEACTIVATION_THRESHOLD_EXCEEDED|would deactivate 2 of 3/);
    const approved = await runCli(['approve', heldRunId!, '--json'], cliEnv(db));
    expect(approved.code, approved.stderr).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ runId: heldRunId, status: 'completed' });
  });
});
