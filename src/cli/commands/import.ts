/**
 * `orgsync import FILE --org CODE [...]`: runs one import in-process.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
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
    .option('--format <format>', 'csv|yaml|json|ndjson (default: from the file name or content)')
    .option('--mapping <file>', 'a YAML file naming your columns in our vocabulary, with shape options (see docs/formats.md)')
    .option('--encoding <name>', 'utf-8|utf-16le|utf-16be|windows-1252 (default: from the byte order mark, else UTF-8)')
    .option('--path-column <column>', 'one column holds the department path, e.g. "Company > Engineering > Backend"')
    .option('--path-separator <text>', 'what separates the levels of --path-column (default " > ")')
    .option('--level-columns <columns>', 'comma-separated columns from the top level down, e.g. Division,Department,Team')
    .option('--member-column <column>', 'each row is a member (employee) of its department: sync department_members')
    .option('--repeated-rows', 'rows may repeat a department (one row per employee or per parent): merge identical ones')
    .option('--keep-unknown-columns', 'keep columns that match no field in customData instead of ignoring them')
    .option('--clean-names', 'remove control characters from names (reported as warnings) instead of failing the row');
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
  mapping?: string;
  encoding?: string;
  pathColumn?: string;
  pathSeparator?: string;
  levelColumns?: string;
  memberColumn?: string;
  repeatedRows?: boolean;
  keepUnknownColumns?: boolean;
  cleanNames?: boolean;
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
    mapping: flags.mapping === undefined ? undefined : readMappingFile(flags.mapping),
    encoding: flags.encoding,
    pathColumn: flags.pathColumn,
    pathSeparator: flags.pathSeparator,
    levelColumns: flags.levelColumns,
    memberColumn: flags.memberColumn,
    repeatedRows: flags.repeatedRows,
    keepUnknownColumns: flags.keepUnknownColumns,
    cleanNames: flags.cleanNames,
  });
  if (!parsed.ok) throw new UsageError(parsed.message);
  return parsed.value;
}

/** Reads and parses a mapping file; its content is validated with the other options. */
export function readMappingFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `no such mapping file: ${path}` : `cannot read the mapping file ${path} (${code ?? 'error'})`);
  }
  try {
    // YAML 1.2 core schema (JSON is YAML too); no merge keys, bounded aliases.
    return parseYaml(text, { merge: false, uniqueKeys: true, maxAliasCount: 100 }) ?? {};
  } catch (err) {
    throw new UsageError(`the mapping file ${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
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
          failRunOnError: true,
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
