/**
 * `orgsync import FILE --org CODE [...]`: runs one import in-process.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseImportOptions } from '../../core/importOptions.js';
import { runImport, type ImportReport } from '../../app/importService.js';
import { fileSource } from '../../adapters/sources/file.js';
import { errorReportCsv } from '../../core/report/errorCsv.js';
import { exitCodeOf, renderReport, reportJson } from '../render.js';
import { withDatabase, UsageError } from '../context.js';
import { progressPrinter } from '../progress.js';

/** The import flags, shared by `import` and (later) `enqueue`. */
export function addImportOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--org <code>', 'organization code (organizationCode)')
    .option('--create-org', 'create the organization if it does not exist')
    .option('--org-name <name>', 'name of an organization created with --create-org')
    .option('--name-scope <scope>', 'organization|siblings: where department names must be unique (with --create-org)')
    .option('--mode <mode>', 'upsert (default) or sync (a full export: absent departments are deactivated)')
    .option('--dry-run', 'plan and report, write nothing')
    .option('--atomic', 'write nothing if any row fails')
    .option('--parent-ref <type>', 'auto|id|openDepartmentId|code: how parent references are looked up')
    .option('--match-by <key>', 'auto|id|openDepartmentId|code|name: how rows find existing departments')
    .option('--max-depth <n>', 'maximum number of levels')
    .option('--max-deactivate <n|p%>', 'sync mode: most departments a run may deactivate (default 20%)')
    .option('--max-rows <n>', 'refuse files with more rows than this')
    .option('--format <format>', 'csv|yaml|json (default: from the file name or content)');
}

export interface ImportFlags {
  org: string;
  createOrg?: boolean;
  orgName?: string;
  nameScope?: string;
  mode?: string;
  dryRun?: boolean;
  atomic?: boolean;
  parentRef?: string;
  matchBy?: string;
  maxDepth?: string;
  maxDeactivate?: string;
  maxRows?: string;
  format?: string;
  report?: string;
  json?: boolean;
}

export function importOptionsFromFlags(flags: ImportFlags) {
  const parsed = parseImportOptions({
    mode: flags.mode,
    dryRun: flags.dryRun ?? false,
    atomic: flags.atomic ?? false,
    parentRef: flags.parentRef,
    matchBy: flags.matchBy,
    maxDepth: flags.maxDepth,
    maxDeactivate: flags.maxDeactivate,
    maxRows: flags.maxRows,
    format: flags.format,
    createOrg: flags.createOrg ?? false,
    orgName: flags.orgName,
    nameScope: flags.nameScope,
  });
  if (!parsed.ok) throw new UsageError(parsed.message);
  return parsed.value;
}

export function registerImport(program: Command): void {
  addImportOptions(program.command('import <file>').description('import a CSV, YAML or JSON file of departments'))
    .option('--report <file>', 'write failed rows to errors.csv (fix and re-import) or errors.json')
    .option('--json', 'print the report as one JSON object on stdout')
    .action(async (file: string, flags: ImportFlags) => {
      const options = importOptionsFromFlags(flags);
      const source = await fileSource(file);
      const report = await withDatabase(async (db, config) =>
        runImport(db, {
          organizationCode: flags.org,
          source,
          options,
          onProgress: progressPrinter(),
          lockTimeoutSeconds: config.database.lockTimeoutSeconds,
        }),
      );
      if (flags.report) await writeReportFile(flags.report, report);
      if (flags.json) process.stdout.write(`${JSON.stringify(reportJson(report))}\n`);
      else process.stdout.write(`${renderReport(report, file)}\n`);
      process.exitCode = exitCodeOf(report);
    });
}

export async function writeReportFile(path: string, report: ImportReport): Promise<void> {
  const failed = report.rowResults.filter((r) => r.action === 'failed' || r.action === 'skipped');
  if (path.toLowerCase().endsWith('.json')) {
    const rows = failed.map((r) => ({ row: r.row, key: r.key, errors: r.errors, raw: report.failedRaw.get(r.row) ?? null }));
    await writeFile(path, `${JSON.stringify({ runId: report.runId, fileError: report.fileError ?? null, rows }, null, 2)}\n`);
    return;
  }
  const csv = errorReportCsv({
    columns: report.columns,
    rows: failed.map((r) => ({ row: r.row, raw: report.failedRaw.get(r.row) ?? {}, errors: r.errors })),
  });
  await writeFile(path, csv);
}
