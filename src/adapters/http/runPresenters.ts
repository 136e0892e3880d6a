/**
 * Import runs and reports → the API's JSON shapes (schemas/imports.ts).
 */
import { type ImportReport, reportSummary } from '../../core/runOutcome.js';
import type { ImportRunRecord } from '../db/index.js';
import type { PlanPreviewCounts } from '../../core/plan/preview.js';

export function runLinks(orgCode: string, runId: string) {
  const self = `/v1/organizations/${encodeURIComponent(orgCode)}/imports/${runId}`;
  return { self, errors: `${self}/errors`, errors_csv: `${self}/errors?format=csv`, plan: `${self}/plan` };
}

/** `plan`: the counts of the run's stored plan preview (GET of one run); null when it has none; unset in listings. */
export function toApiRun(run: ImportRunRecord, orgCode: string, plan?: PlanPreviewCounts | null) {
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
    submittedBy: run.submittedBy,
    approvedBy: run.approvedBy,
    approvedAt: run.approvedAt,
    ...(plan === undefined ? {} : { plan: plan === null ? null : { counts: plan } }),
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
