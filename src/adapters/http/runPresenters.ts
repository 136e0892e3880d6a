/**
 * Import runs and reports → the API's JSON shapes (schemas/imports.ts).
 */
import { type ImportReport, reportSummary } from '../../core/runOutcome.js';
import type { ImportRunRecord } from '../db/index.js';
import { isFailedOrSkipped } from '../../core/model.js';

export function runLinks(orgCode: string, runId: string) {
  const self = `/v1/organizations/${encodeURIComponent(orgCode)}/imports/${runId}`;
  return { self, errors: `${self}/errors`, errors_csv: `${self}/errors?format=csv` };
}

export function toApiRun(run: ImportRunRecord, orgCode: string) {
  return {
    runId: run.id,
    organization: run.organizationCode,
    status: run.status,
    mode: run.mode,
    dryRun: run.dryRun,
    source: run.sourceName,
    format: run.format,
    counts: run.counts,
    progress: run.progress,
    error: run.errorCode === null ? null : { code: run.errorCode, message: run.errorMessage ?? '', line: run.errorLine },
    warnings: run.warnings,
    attempts: run.attempts,
    parentRunId: run.parentRunId,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    links: runLinks(orgCode, run.id),
  };
}

/** The report of a finished run: the fields of the CLI's `--json` report, plus links. */
export function toApiReport(report: ImportReport, orgCode: string) {
  return {
    ...reportSummary(report),
    fileError: report.fileError ? { code: report.fileError.code, message: report.fileError.message, line: report.fileError.line ?? null } : null,
    links: runLinks(orgCode, report.runId),
  };
}

/** Failed and skipped rows with their errors and original records: the JSON twin of the errors CSV. */
export function failedRowsOf(report: ImportReport) {
  return report.rowResults.flatMap(({ row, key, action, errors }) =>
    isFailedOrSkipped(action)
      ? [{ row, key, action, errors: errors.map((e) => ({ code: e.code, field: e.field, message: e.message })), raw: report.failedRaw.get(row) ?? {} }]
      : [],
  );
}
