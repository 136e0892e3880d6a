/**
 * Small commands: migrate, org create/list, runs, report, tree.
 */
import type { Command } from 'commander';
import { createOrganization, listOrganizations, organizationDepartments } from '../../app/organizations.js';
import { listRuns, runWithRowResults } from '../../app/runHistory.js';
import { NAME_SCOPES, type NameScope } from '../../core/model.js';
import { buildTree, renderTree, treeJson } from '../../core/tree.js';
import { errorReportCsv } from '../../core/report/errorCsv.js';
import { config, UsageError, withDatabase, withRepositories } from '../context.js';
import { ensureMysqlDatabase } from '../../adapters/db/createDatabase.js';
import { formatTime, renderTable } from '../table.js';
import { renderStoredReport } from '../reportText.js';
import { loadPlanPreview } from '../../app/heldPlan.js';
import { planReportCsv } from '../../core/report/planCsv.js';
import { rowsToFix, runErrorRows } from '../../app/runErrors.js';

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
    .option('--create-database', 'MySQL/MariaDB: create the database of DATABASE_URL first if it does not exist')
    .action(async (flags: { createDatabase?: boolean }) => {
      const url = config().database.url;
      if (url !== undefined && (await ensureMysqlDatabase(url, flags.createDatabase ?? false)) === 'created') {
        print(`created database "${decodeURIComponent(new URL(url).pathname.slice(1))}" (utf8mb4)`);
      }
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
      await withRepositories(async (repos) => {
        const result = await createOrganization(repos, { code, name: flags.name ?? code, nameScope });
        if (!result.created) throw new UsageError(`organization "${code}" already exists`);
        const created = result.organization;
        print(flags.json ? JSON.stringify(created) : `created organization ${created.code} (${created.id}, names unique per ${created.nameScope})`);
      });
    });
  org
    .command('list')
    .description('list organizations')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      await withRepositories(async (repos) => {
        const orgs = await listOrganizations(repos);
        if (flags.json) return print(JSON.stringify(orgs));
        if (orgs.length === 0) return print('no organizations yet: orgsync org create CODE');
        print(
          renderTable(
            [
              { header: 'CODE', value: (o) => o.code },
              { header: 'NAME', value: (o) => o.name },
              { header: 'NAMES UNIQUE PER', value: (o) => o.nameScope },
              { header: 'ID', value: (o) => o.id },
            ],
            orgs,
          ),
        );
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
      await withRepositories(async (repos) => {
        const runs = await listRuns(repos, { organizationCode: flags.org, limit });
        if (flags.json) return print(JSON.stringify(runs));
        if (runs.length === 0) return print('no import runs yet');
        const count = (n: number | undefined): string => (n === undefined ? '-' : String(n));
        print(
          renderTable(
            [
              { header: 'RUN', value: (r) => r.id },
              { header: 'CREATED', value: (r) => formatTime(r.createdAt) },
              { header: 'ORG', value: (r) => r.organizationCode },
              { header: 'MODE', value: (r) => `${r.mode}${r.dryRun ? ' (dry run)' : ''}` },
              { header: 'STATUS', value: (r) => r.status },
              { header: 'ROWS', value: (r) => count(r.counts?.rows), right: true },
              { header: 'NEW', value: (r) => count(r.counts?.created), right: true },
              { header: 'UPDATED', value: (r) => count(r.counts?.updated), right: true },
              { header: 'MOVED', value: (r) => count(r.counts?.moved), right: true },
              { header: 'FAILED', value: (r) => count(r.counts?.failed), right: true },
              { header: 'APPROVED BY', value: (r) => r.approvedBy ?? '' },
              { header: 'SOURCE', value: (r) => r.sourceName },
            ],
            runs,
          ),
        );
      });
    });

  program
    .command('report <runId>')
    .description('print the stored report of a run (csv: the fix-and-reimport file; plan-csv: the plan of a dry run or held run)')
    .option('--format <format>', 'text|json|csv|plan-csv', 'text')
    .action(async (runId: string, flags: { format: string }) => {
      if (!['text', 'json', 'csv', 'plan-csv'].includes(flags.format)) throw new UsageError(`--format must be text, json, csv or plan-csv, got "${flags.format}"`);
      await withRepositories(async (repos) => {
        const found = await runWithRowResults(repos, runId);
        if (!found) throw new UsageError(`no import run ${runId}`);
        const { run, rows: results } = found;
        const plan = await loadPlanPreview(repos, run.id);
        if (flags.format === 'plan-csv') {
          for (const chunk of planReportCsv(plan ?? { created: [], updated: [], moved: [], deactivated: [], membersOrphaned: [] })) process.stdout.write(chunk);
          return;
        }
        if (flags.format === 'json') return print(JSON.stringify({ run, rows: results, ...(plan ? { plan } : {}) }, null, 2));
        // The rows still to fix: the ones GET .../errors lists without resolvedBy (app/runErrors.ts).
        const errorRows = runErrorRows(results);
        const failed = rowsToFix(errorRows);
        if (flags.format === 'text') {
          const resolved = errorRows.filter((r) => r.resolvedBy !== null);
          const since = resolved.length === 0 ? '' : `\n  Resolved since by a retry (not listed): ${resolved.map((r) => `row ${r.row} (run ${r.resolvedBy})`).join(', ')}`;
          return print(renderStoredReport(run, failed, plan) + since);
        }
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
      await withRepositories(async (repos) => {
        const listing = await organizationDepartments(repos, flags.org, { activeOnly: flags.active });
        if (!listing) throw new UsageError(`organization "${flags.org}" does not exist`);
        const { organization: found, departments } = listing;
        const tree = buildTree(departments);
        // treeJson, not JSON.stringify: the same text, without recursing once per level.
        if (flags.json) return print(treeJson(tree, (n) => `{"department":${JSON.stringify(n.department)}`));
        print(`${found.name} (${found.code}): ${departments.length} departments`);
        if (departments.length > 0) print(renderTree(tree));
      });
    });
}
