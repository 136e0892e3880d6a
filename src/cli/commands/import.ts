/**
 * `orgsync import FILE --org CODE [...]`: runs one import in-process.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { isFailedOrSkipped } from '../../core/model.js';
import type { ImportReport } from '../../app/importService.js';
import { importInProcess } from '../../app/inProcessImport.js';
import { describeError } from '../../adapters/db/index.js';
import { fileSource } from '../../adapters/sources/file.js';
import { errorReportCsv } from '../../core/report/errorCsv.js';
import { exitCodeOf, renderReport, reportJson } from '../render.js';
import { withDatabase, UsageError } from '../context.js';
import { progressPrinter } from '../progress.js';
import { addImportOptions, type ImportFlags, importOptionsFromFlags } from '../importFlags.js';

// The import options as flags (declared once, from the options schema), shared with `enqueue` and `schedule add`.
export { addImportOptions, type ImportFlags, importOptionsFromFlags, readMappingFile } from '../importFlags.js';

export function registerImport(program: Command): void {
  addImportOptions(program.command('import <file>').description('import a CSV, YAML or JSON file of departments'))
    .option('--report <file>', 'write failed rows to errors.csv (fix and re-import) or errors.json')
    .option('--json', 'print the report as one JSON object on stdout')
    .action(async (file: string, flags: ImportFlags) => {
      const options = importOptionsFromFlags(flags);
      // A missing or unreadable file is refused before the database is opened; each attempt then opens it afresh.
      const probe = await fileSource(file);
      (probe.bytes as { destroy?: () => void }).destroy?.();
      const report = await withDatabase(async (db, config) =>
        importInProcess(
          db,
          {
            organizationCode: flags.org,
            options: withinRowCeiling(options, config.runs.maxRows),
            onProgress: progressPrinter(),
            lockTimeoutSeconds: config.database.lockTimeoutSeconds,
            maxRowsPerRun: config.runs.maxRows,
          },
          () => fileSource(file),
          {
            leaseSeconds: config.runs.leaseSeconds,
            // Transient faults are retried as a worker's job is (ORGSYNC_JOB_ATTEMPTS, ORGSYNC_JOB_BACKOFF_MS).
            retry: {
              attempts: config.queue.attempts,
              backoffMs: config.queue.backoffMs,
              onRetry: (err, attempt, pauseMs) =>
                process.stderr.write(`orgsync: attempt ${attempt} hit a transient fault (${describeError(err, 300)}); trying again in ${pauseMs} ms\n`),
            },
          },
        ),
      );
      if (flags.report) await writeReportFile(flags.report, report);
      if (flags.json) process.stdout.write(`${JSON.stringify(reportJson(report))}\n`);
      else process.stdout.write(`${renderReport(report, file)}\n`);
      process.exitCode = exitCodeOf(report);
    });
}

/** --max-rows may lower the configured ceiling, not raise it: a usage error rather than a silently lower limit. */
function withinRowCeiling<T extends { maxRows?: number | undefined }>(options: T, ceiling: number): T {
  if (options.maxRows !== undefined && options.maxRows > ceiling) {
    throw new UsageError(`--max-rows ${options.maxRows} is above ORGSYNC_MAX_ROWS_PER_RUN (${ceiling}), the most rows one run may have here; raise that setting to import larger files (see docs/operations.md)`);
  }
  return options;
}

export async function writeReportFile(path: string, report: ImportReport): Promise<void> {
  const failed = report.rowResults.filter((r) => isFailedOrSkipped(r.action));
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
