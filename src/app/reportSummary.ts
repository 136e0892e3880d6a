/**
 * The one JSON shape of an import report, shared by the CLI's --json, the
 * queue's results and the HTTP API (each face adds what only it has).
 */
import type { ImportReport } from './importService.js';

export function reportSummary(report: ImportReport) {
  return {
    runId: report.runId,
    organization: report.organization,
    mode: report.mode,
    dryRun: report.dryRun,
    status: report.status,
    applied: report.applied,
    counts: report.counts,
    errors: report.errors.map((e) => ({ row: e.row, code: e.code, field: e.field, message: e.message, key: e.key ?? null })),
    warnings: report.warnings,
  };
}
