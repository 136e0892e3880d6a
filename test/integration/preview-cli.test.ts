/**
 * The plan through the real CLI (compiled, child process, SQLite): the text
 * report groups it and cuts each group with a count, `--plan-report` holds
 * every entry, `--json` carries it whole, a dry run over the threshold says
 * needs_approval with the real counts, and `orgsync report RUN` shows it later.
 * Tokens get their role and approval permission from `token create`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDb } from '../support/db.js';
import { cliEnv, runCli } from '../support/cli.js';
import { MAX_PLAN_SHOWN } from '../../src/cli/planText.js';

const TEAMS = 30;

describe('the plan in the CLI (sqlite)', () => {
  let db: TestDb;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await openTestDatabase('sqlite', `preview_cli_${process.pid}`);
    dir = mkdtempSync(join(tmpdir(), 'preview-cli-'));
    env = cliEnv(db);
    const seed = join(dir, 'seed.csv');
    writeFileSync(seed, ['name,code', 'Root,ROOT', ...Array.from({ length: TEAMS }, (_, i) => `Team ${i},T${i}`)].join('\n'));
    const seeded = await runCli(['import', seed, '--org', 'acme', '--create-org'], env);
    expect(seeded.code, seeded.stderr).toBe(0);
    writeFileSync(join(dir, 'partial.csv'), 'name,code\nRoot,ROOT\nTeam 0,T0\n');
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('cuts each group in the text report with a count, and --plan-report holds every entry', async () => {
    const csvPath = join(dir, 'plan.csv');
    const res = await runCli(['import', join(dir, 'partial.csv'), '--org', 'acme', '--mode', 'sync', '--dry-run', '--max-deactivate', '100%', '--plan-report', csvPath], env);
    expect(res.code, res.stderr).toBe(0);
    const gone = TEAMS - 1;
    expect(res.stdout).toContain(`Would deactivate (${gone}):`);
    expect(res.stdout.match(/^ {4}- /gm)).toHaveLength(MAX_PLAN_SHOWN);
    expect(res.stdout).toContain(`… and ${gone - MAX_PLAN_SHOWN} more: see --plan-report FILE`);
    const lines = readFileSync(csvPath, 'utf8').replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('action,id,name,path,parent_path_before,parent_path_after,field,before,after,member_count,active_children,member_id');
    const deactivated = lines.slice(1).filter((l) => l.startsWith('deactivated,'));
    expect(deactivated).toHaveLength(gone);
    expect(deactivated.map((l) => l.split(',')[2]).sort()).toEqual(Array.from({ length: gone }, (_, i) => `Team ${i + 1}`).sort());

    const json = await runCli(['import', join(dir, 'partial.csv'), '--org', 'acme', '--mode', 'sync', '--dry-run', '--max-deactivate', '100%', '--json'], env);
    const body = JSON.parse(json.stdout) as { plan: { deactivated: unknown[] }; planCounts: { deactivated: number } };
    expect(body.plan.deactivated).toHaveLength(gone);
    expect(body.planCounts.deactivated).toBe(gone);
  });

  it('a dry run over the threshold: needs_approval with the real counts, exit 1, and `report` shows its plan later', async () => {
    const res = await runCli(['import', join(dir, 'partial.csv'), '--org', 'acme', '--mode', 'sync', '--dry-run', '--json'], env);
    expect(res.code).toBe(1);
    const body = JSON.parse(res.stdout) as { runId: string; status: string; dryRun: boolean; counts: { deactivated: number; unchanged: number }; plan: { deactivated: { name: string }[] } };
    expect(body).toMatchObject({ status: 'needs_approval', dryRun: true, applied: false, counts: { rows: 2, unchanged: 2, deactivated: TEAMS - 1 }, fileError: { code: 'DEACTIVATION_THRESHOLD_EXCEEDED' } });
    expect(body.plan.deactivated).toHaveLength(TEAMS - 1);

    const text = await runCli(['report', body.runId], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('status    needs_approval');
    expect(text.stdout).toContain(`Would deactivate (${TEAMS - 1}):`);
    const csv = await runCli(['report', body.runId, '--format', 'plan-csv'], env);
    expect(csv.stdout.split('\r\n').filter((l) => l.startsWith('deactivated,'))).toHaveLength(TEAMS - 1);
    const approve = await runCli(['approve', body.runId], env);
    expect(approve.code).not.toBe(0);
    expect(approve.stderr).toContain('dry run');
  });

  it('token create takes --role and --can-approve', async () => {
    const read = await runCli(['token', 'create', '--org', 'acme', '--role', 'read', '--json'], env);
    expect(JSON.parse(read.stdout)).toMatchObject({ role: 'read', canApprove: false });
    const approver = await runCli(['token', 'create', '--org', 'acme', '--can-approve', '--json'], env);
    expect(JSON.parse(approver.stdout)).toMatchObject({ role: 'write', canApprove: true });
    const admin = await runCli(['token', 'create', '--org', 'acme', '--role', 'admin', '--json'], env);
    expect(JSON.parse(admin.stdout)).toMatchObject({ role: 'admin', canApprove: true });
    const bad = await runCli(['token', 'create', '--org', 'acme', '--role', 'owner'], env);
    expect(bad.code).toBe(2);
    const readApprove = await runCli(['token', 'create', '--org', 'acme', '--role', 'read', '--can-approve'], env);
    expect(readApprove.code).toBe(2);
  });
});
