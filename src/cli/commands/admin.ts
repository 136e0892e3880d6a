/**
 * Small commands: migrate, org create/list, runs, report, tree.
 */
import type { Command } from 'commander';
import { organizationsRepo, departmentsRepo, importRunsRepo, isDuplicateKeyError } from '../../adapters/db/index.js';
import { isFailedOrSkipped, NAME_SCOPES, type NameScope } from '../../core/model.js';
import { buildTree, renderTree, treeJson } from '../../core/tree.js';
import { errorReportCsv } from '../../core/report/errorCsv.js';
import { UsageError, withDatabase } from '../context.js';

function nameScopeOf(value: string | undefined): NameScope {
  const scope = value ?? 'organization';
  if (!(NAME_SCOPES as readonly string[]).includes(scope)) throw new UsageError(`--name-scope must be organization or siblings, not "${scope}"`);
  return scope as NameScope;
}

const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

export function registerAdmin(program: Command): void {
  program
    .command('migrate')
    .description('create or upgrade the database schema')
    .action(async () => {
      await withDatabase(async (db) => print(`database schema is up to date (${db.dialect})`), { migrate: true });
    });

  const org = program.command('org').description('manage organizations');
  org
    .command('create <code>')
    .description('create an organization')
    .option('--name <name>', 'display name (default: the code)')
    .option('--name-scope <scope>', 'organization|siblings: where department names must be unique', 'organization')
    .option('--json', 'print JSON')
    .action(async (code: string, flags: { name?: string; nameScope?: string; json?: boolean }) => {
      const nameScope = nameScopeOf(flags.nameScope);
      await withDatabase(async (db) => {
        try {
          const created = await organizationsRepo(db).create({ code, name: flags.name ?? code, nameScope });
          print(flags.json ? JSON.stringify(created) : `created organization ${created.code} (${created.id}, names unique per ${created.nameScope})`);
        } catch (err) {
          if (isDuplicateKeyError(err)) throw new UsageError(`organization "${code}" already exists`);
          throw err;
        }
      });
    });
  org
    .command('list')
    .description('list organizations')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      await withDatabase(async (db) => {
        const orgs = await organizationsRepo(db).list();
        if (flags.json) return print(JSON.stringify(orgs));
        if (orgs.length === 0) return print('no organizations yet: orgsync org create CODE');
        for (const o of orgs) print(`${o.code}\t${o.name}\t${o.id}\tnames unique per ${o.nameScope}`);
      });
    });

  program
    .command('runs')
    .description('list import runs, newest first')
    .option('--org <code>', 'only this organization')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(async (flags: { org?: string; limit: string; json?: boolean }) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive whole number');
      await withDatabase(async (db) => {
        const runs = await importRunsRepo(db).listRuns({ organizationCode: flags.org, limit });
        if (flags.json) return print(JSON.stringify(runs));
        if (runs.length === 0) return print('no import runs yet');
        for (const r of runs) {
          const c = r.counts;
          const summary = c ? `rows ${c.rows} created ${c.created} updated ${c.updated} moved ${c.moved} failed ${c.failed} skipped ${c.skipped}` : '';
          print(`${r.id}\t${r.createdAt}\t${r.organizationCode}\t${r.mode}${r.dryRun ? ' (dry run)' : ''}\t${r.status}\t${summary}\t${r.sourceName}`);
        }
      });
    });

  program
    .command('report <runId>')
    .description('print the stored report of a run (csv: the fix-and-reimport file)')
    .option('--format <format>', 'json|csv', 'json')
    .action(async (runId: string, flags: { format: string }) => {
      if (flags.format !== 'json' && flags.format !== 'csv') throw new UsageError('--format must be json or csv');
      await withDatabase(async (db) => {
        const runs = importRunsRepo(db);
        const run = await runs.getRun(runId);
        if (!run) throw new UsageError(`no import run ${runId}`);
        const results = await runs.getRowResults(runId);
        if (flags.format === 'json') return print(JSON.stringify({ run, rows: results }, null, 2));
        const failed = groupFailed(results);
        process.stdout.write(errorReportCsv({ columns: run.columns ?? [], rows: failed }));
      });
    });

  program
    .command('tree')
    .description('print the department tree of an organization')
    .requiredOption('--org <code>', 'organization code')
    .option('--active', 'only active departments')
    .option('--json', 'print JSON')
    .action(async (flags: { org: string; active?: boolean; json?: boolean }) => {
      await withDatabase(async (db) => {
        const found = await organizationsRepo(db).findByCode(flags.org);
        if (!found) throw new UsageError(`organization "${flags.org}" does not exist`);
        let departments = await departmentsRepo(db).loadForOrganization(found.id);
        if (flags.active) departments = departments.filter((d) => d.isActive);
        const tree = buildTree(departments);
        // treeJson, not JSON.stringify: the same text, without recursing once per level.
        if (flags.json) return print(treeJson(tree, (n) => `{"department":${JSON.stringify(n.department)}`));
        print(`${found.name} (${found.code}): ${departments.length} departments`);
        if (departments.length > 0) print(renderTree(tree));
      });
    });
}

type StoredRowResult = Awaited<ReturnType<ReturnType<typeof importRunsRepo>['getRowResults']>>[number];

/** One entry per failed row (the store has one line per error). */
function groupFailed(results: StoredRowResult[]) {
  const byRow = new Map<number, { row: number; raw: Record<string, unknown>; errors: { code: string; field: string; message: string }[] }>();
  for (const r of results) {
    if (!isFailedOrSkipped(r.action) || r.rowNumber === null) continue;
    if (r.resolvedByRunId !== null) continue; // `orgsync retry` got it through since: nothing left to fix
    let entry = byRow.get(r.rowNumber);
    if (!entry) {
      entry = { row: r.rowNumber, raw: (r.raw ?? {}) as Record<string, unknown>, errors: [] };
      byRow.set(r.rowNumber, entry);
    }
    if (r.errorCode) entry.errors.push({ code: r.errorCode, field: r.field ?? '', message: r.message ?? '' });
  }
  return [...byRow.values()].sort((a, b) => a.row - b.row);
}
