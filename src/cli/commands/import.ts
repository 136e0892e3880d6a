/**
 * `orgsync import FILE --org CODE [...]`: runs one import in-process.
 */
import { access, constants, open as openFile, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { isFailedOrSkipped } from '../../core/model.js';
import type { ImportReport, ImportSource } from '../../app/importService.js';
import { importInProcess } from '../../app/inProcessImport.js';
import { type CancelSwitch, cancelSwitch, EXIT_CODE_OF_SIGNAL, RunCancelledError, type StopSignal } from '../../app/runCancellation.js';
import { fileSource } from '../../adapters/sources/file.js';
import type { TextEncoding } from '../../core/read/decode.js';
import type { CsvStyle } from '../../core/report/reportStyle.js';
import { exitCodeOf, renderReport, reportJson } from '../render.js';
import { config, withRepositories, UsageError } from '../context.js';
import { isStdin, readStdin, STDIN_NAME } from '../stdinSource.js';
import { DEFAULT_SOURCE_MAX_BYTES } from '../../adapters/sources/byteCap.js';
import { progressPrinter } from '../progress.js';
import { cliActor } from '../actor.js';
import { writePlanReport } from '../planReport.js';
import { addImportOptions, type ImportFlags, importOptionsFromFlags } from '../importFlags.js';

// The import options as flags (declared once, from the options schema), shared with `enqueue` and `schedule add`.
export { addImportOptions, type ImportFlags, importOptionsFromFlags, readMappingFile } from '../importFlags.js';

export function registerImport(program: Command): void {
  addImportOptions(program.command('import <file>').description('import a CSV, YAML or JSON file of departments (- reads standard input)'), { orgFromFile: true })
    .option('--report <file>', 'write failed rows to errors.csv (fix and re-import) or errors.json')
    .option('--plan-report <file>', 'dry runs and held syncs: write the complete plan to plan.csv or plan.json')
    .option('--json', 'print the report as one JSON object on stdout')
    .action(async (file: string, flags: ImportFlags) => {
      const options = importOptionsFromFlags(flags);
      const planReport = (flags as { planReport?: string }).planReport;
      // Checked before anything runs: a report that cannot be written must not cost an import (docs/errors.md).
      if (flags.report) await checkReportPath(flags.report);
      if (planReport) await checkReportPath(planReport, '--plan-report');
      // Only a YAML/JSON document or a mapping can name the organization: a CSV without either is a usage error, said at once.
      if (flags.org === undefined && options.mapping?.organization === undefined && /\.(csv|tsv|txt)$/i.test(file)) {
        throw new UsageError('--org is required: a CSV file cannot name its organization (only a YAML/JSON document or a mapping can)');
      }
      // A missing or unreadable file is refused before the database is opened; each attempt then opens it afresh.
      let open = (): Promise<ImportSource> | ImportSource => fileSource(file);
      if (isStdin(file)) open = await readStdin(config().sources.maxBytes ?? DEFAULT_SOURCE_MAX_BYTES);
      else (((await fileSource(file)).bytes) as { destroy?: () => void }).destroy?.();
      const cancel = cancelSwitch();
      const printer = progressPrinter();
      const stopSignals = onStopSignals(cancel);
      const imported = await withRepositories(async (repos, config) =>
        importInProcess(
          repos,
          {
            organizationCode: flags.org,
            options: withinRowCeiling(options, config.runs.maxRows),
            // Each progress step is where a SIGINT/SIGTERM stops the import (runCancellation.ts). Never
            // after 'done': the run is committed by then, and a cancel would tell a lie.
            onProgress: (p) => {
              if (p.phase !== 'done') cancel.check();
              printer?.(p);
            },
            lockTimeoutSeconds: config.database.lockTimeoutSeconds,
            maxRowsPerRun: config.runs.maxRows,
            actor: cliActor(),
          },
          async () => open(),
          {
            leaseSeconds: config.runs.leaseSeconds,
            // Transient faults are retried as a worker's job is (ORGSYNC_JOB_ATTEMPTS, ORGSYNC_JOB_BACKOFF_MS).
            retry: {
              attempts: config.queue.attempts,
              backoffMs: config.queue.backoffMs,
              onRetry: (err, attempt, pauseMs) =>
                process.stderr.write(`orgsync: attempt ${attempt} hit a transient fault (${repos.transactions.describeError(err, 300)}); trying again in ${pauseMs} ms\n`),
            },
          },
        ),
      ).then(
        (report) => ({ report }),
        (err: unknown) => {
          if (err instanceof RunCancelledError) return { cancelled: err };
          throw err;
        },
      ).finally(stopSignals);
      if ('cancelled' in imported) {
        const { cancelled } = imported;
        process.stderr.write(`orgsync: run ${cancelled.runId ?? '(not started)'} cancelled (${cancelled.signal}): rolled back, nothing was written\n`);
        if (flags.json) process.stdout.write(`${JSON.stringify({ runId: cancelled.runId ?? null, status: 'cancelled', error: { code: cancelled.code, message: cancelled.message } })}\n`);
        process.exitCode = EXIT_CODE_OF_SIGNAL[cancelled.signal];
        return;
      }
      const { report } = imported;
      if (cancel.requested) process.stderr.write(`orgsync: ${cancel.requested} arrived after run ${report.runId} was written: it stands as reported\n`);
      if (flags.report) {
        // The import is done and stored: a report that fails now is a warning, never a "nothing was written" exit.
        await writeReportFile(flags.report, report, isStdin(file) ? undefined : await csvStyleOfFile(file, options.encoding)).catch((err: unknown) =>
          process.stderr.write(`orgsync: WARNING: run ${report.runId} finished, but its report could not be written to ${flags.report}: ${(err as Error).message}\n`),
        );
      }
      if (planReport) {
        await writePlanReport(planReport, report).catch((err: unknown) =>
          process.stderr.write(`orgsync: WARNING: run ${report.runId} finished, but its plan could not be written to ${planReport}: ${(err as Error).message}\n`),
        );
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(reportJson(report))}\n`);
      else process.stdout.write(`${renderReport(report, isStdin(file) ? STDIN_NAME : file)}\n`);
      process.exitCode = exitCodeOf(report);
    });
}

/**
 * SIGINT/SIGTERM while the import runs: the first asks it to stop and roll
 * back (the run ends `cancelled`); a second exits at once (the run is then
 * failed RUN_ABANDONED by the next sweep, once its lease expires). Returns
 * the function that removes the handlers.
 */
function onStopSignals(cancel: CancelSwitch): () => void {
  const handler = (signal: StopSignal) => {
    if (cancel.requested) process.exit(EXIT_CODE_OF_SIGNAL[signal]);
    cancel.request(signal);
    process.stderr.write(`orgsync: ${signal}: stopping the import and rolling it back (send it again to quit at once)\n`);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** --report PATH must name a file this process can create or overwrite: a usage error otherwise, before any import. */
export async function checkReportPath(path: string, flag = '--report'): Promise<void> {
  const target = resolve(path);
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) throw new UsageError(`${flag} ${path} is a directory: give a file name such as ${path.replace(/\/+$/, '')}/errors.csv`);
  const writable = existing ? target : dirname(target);
  const dir = existing ? undefined : await stat(writable).catch(() => undefined);
  if (!existing && !dir?.isDirectory()) throw new UsageError(`${flag} ${path}: the directory ${dirname(target)} does not exist`);
  await access(writable, constants.W_OK).catch(() => {
    throw new UsageError(`${flag} ${path}: ${existing ? 'the file' : `the directory ${writable}`} is not writable`);
  });
}

/** --max-rows may lower the configured ceiling, not raise it: a usage error rather than a silently lower limit. */
function withinRowCeiling<T extends { maxRows?: number | undefined }>(options: T, ceiling: number): T {
  if (options.maxRows !== undefined && options.maxRows > ceiling) {
    throw new UsageError(`--max-rows ${options.maxRows} is above ORGSYNC_MAX_ROWS_PER_RUN (${ceiling}), the most rows one run may have here; raise that setting to import larger files (see docs/operations.md)`);
  }
  return options;
}

/**
 * The report writers (CSV and .xlsx: csv-stringify, fflate and their modules),
 * loaded only when --report is given: an import without one does not load them
 * at start-up.
 */
const reportWriters = () => import('../../core/report/reportStyle.js');

/** The input's delimiter, encoding and BOM, so the CSV report matches the file it fixes (src/core/report/reportStyle.ts). */
async function csvStyleOfFile(file: string, encoding: TextEncoding | undefined): Promise<CsvStyle | undefined> {
  const { csvStyleOf } = await reportWriters();
  const handle = await openFile(file).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const { buffer, bytesRead } = await handle.read(new Uint8Array(128 * 1024), 0, 128 * 1024, 0);
    return csvStyleOf(buffer.subarray(0, bytesRead), encoding);
  } finally {
    await handle.close();
  }
}

/** `--report FILE`: .json, .xlsx or .csv by its extension; otherwise the input's own kind (a workbook for a workbook). */
export async function writeReportFile(path: string, report: ImportReport, csvStyle?: CsvStyle): Promise<void> {
  const { DEFAULT_CSV_STYLE, errorReportBytes, reportFormatOf } = await reportWriters();
  const failed = report.rowResults.filter((r) => isFailedOrSkipped(r.action));
  const format = reportFormatOf(path, report.format);
  if (format === 'json') {
    const rows = failed.map((r) => ({ row: r.row, key: r.key, errors: r.errors, raw: report.failedRaw.get(r.row) ?? null }));
    await writeFile(path, `${JSON.stringify({ runId: report.runId, fileError: report.fileError ?? null, rows }, null, 2)}\n`);
    return;
  }
  const rows = failed.map((r) => ({ row: r.row, raw: report.failedRaw.get(r.row) ?? {}, errors: r.errors }));
  // A CSV report for a non-CSV input is UTF-8 with BOM and commas.
  const style = report.format === 'csv' ? (csvStyle ?? DEFAULT_CSV_STYLE) : DEFAULT_CSV_STYLE;
  await writeFile(path, errorReportBytes({ columns: report.columns, rows }, format, style, report.sheet));
}
