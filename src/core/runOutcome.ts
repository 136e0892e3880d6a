/**
 * How an import run ended, and the report of it: one discriminated union, so
 * status, `applied` and the reason for a stop can only come in combinations
 * that happen. The CLI (text, --json, exit code) and the HTTP API render from
 * here; the JSON field names (`status`, `applied`, `fileError`) are the public
 * contract (README, docs/api.md) and never change.
 */
import { THROWN_ERROR_CODES, type RowIssue, type ThrownErrorCode } from './errors.js';
import type { ImportCounts, ImportMode, InputFormat, RowResult } from './model.js';
import { type PlanPreview, planPreviewCounts } from './plan/preview.js';
import type { RunStatus } from './runLifecycle.js';

/** Why a run stopped or was held: a code from the registry, a message for a person, the file's line when known. */
export interface RunProblem<Code extends string = string> {
  code: Code;
  message: string;
  line?: number;
}

export type RunOutcome =
  /** Departments were written (row errors, if any, are in the report). */
  | { kind: 'applied'; status: 'completed' | 'completed_with_errors'; applied: true; fileError?: undefined }
  /** Planned and reported; nothing written, by request. */
  | { kind: 'dry-run'; status: 'completed' | 'completed_with_errors'; applied: false; fileError?: undefined }
  /** A sync over its deactivation threshold, stored for `orgsync approve`; nothing written yet. */
  | { kind: 'held'; status: 'needs_approval'; applied: false; fileError: RunProblem<'DEACTIVATION_THRESHOLD_EXCEEDED'> }
  /** --atomic with row errors: the plan is reported, nothing written. */
  | { kind: 'atomic-aborted'; status: 'failed'; applied: false; fileError: RunProblem<'ATOMIC_ABORTED'> }
  /** The file or the run failed as a whole: nothing written. */
  | { kind: 'failed'; status: 'failed'; applied: false; fileError: RunProblem<FailureCode> }
  /** Stopped without writing anything: interrupted (cancelled), or a scheduled sync with nothing new (skipped). */
  | { kind: 'stopped'; status: 'cancelled' | 'skipped'; applied: false; fileError: RunProblem<FailureCode> }
  /** Not over yet (a report read while another attempt still runs it). */
  | { kind: 'unfinished'; status: 'queued' | 'running'; applied: false; fileError?: undefined };

export type OutcomeKind = RunOutcome['kind'];

/** Why a run failed as a whole: a code of the one registry (core/errors.ts). */
export type FailureCode = Exclude<ThrownErrorCode, 'ATOMIC_ABORTED'>;

function isFailureCode(code: string): code is FailureCode {
  return code !== 'ATOMIC_ABORTED' && (THROWN_ERROR_CODES as readonly string[]).includes(code);
}

/** Everything a report says besides its outcome. */
export interface ReportBody {
  runId: string;
  organization: string;
  mode: ImportMode;
  dryRun: boolean;
  counts: ImportCounts;
  errors: RowIssue[];
  warnings: string[];
  format?: InputFormat;
  /** Excel: the sheet the rows were read from (their row numbers are that sheet's). */
  sheet?: string;
  /** The input's columns in file order, for the fix-and-reimport CSV. */
  columns: string[];
  /** Original records of failed and skipped rows, by row number. */
  failedRaw: Map<number, Record<string, unknown>>;
  rowResults: RowResult[];
  /** Dry runs and runs held for approval: every change the plan makes (core/plan/preview.ts). */
  plan?: PlanPreview;
}

export type ImportReport = ReportBody & RunOutcome;

function planned(errors: number): 'completed' | 'completed_with_errors' {
  return errors > 0 ? 'completed_with_errors' : 'completed';
}

type Of<K extends OutcomeKind> = Extract<RunOutcome, { kind: K }>;

export const outcomes = {
  applied: (rowErrors: number): Of<'applied'> => ({ kind: 'applied', status: planned(rowErrors), applied: true }),
  dryRun: (rowErrors: number): Of<'dry-run'> => ({ kind: 'dry-run', status: planned(rowErrors), applied: false }),
  held: (reason: RunProblem<'DEACTIVATION_THRESHOLD_EXCEEDED'>): Of<'held'> => ({ kind: 'held', status: 'needs_approval', applied: false, fileError: reason }),
  atomicAborted: (rowErrors: number): Of<'atomic-aborted'> => ({
    kind: 'atomic-aborted',
    status: 'failed',
    applied: false,
    fileError: { code: 'ATOMIC_ABORTED', message: `${rowErrors} row error(s) in an --atomic import: nothing was written` },
  }),
  failed: (problem: RunProblem<FailureCode>): Of<'failed'> => ({
    kind: 'failed',
    status: 'failed',
    applied: false,
    fileError: { code: problem.code, message: problem.message, ...(problem.line === undefined ? {} : { line: problem.line }) },
  }),
  unfinished: (status: 'queued' | 'running'): Of<'unfinished'> => ({ kind: 'unfinished', status, applied: false }),
};

/**
 * The outcome of a run as the run history stores it (status, dry run, error):
 * for reports rebuilt from the database. The one place a stored code string is
 * read back into a kind.
 */
export function outcomeOfStoredRun(run: { status: RunStatus; dryRun: boolean; error: RunProblem | null }): RunOutcome {
  const { status, error } = run;
  switch (status) {
    case 'completed':
    case 'completed_with_errors':
      return run.dryRun ? { kind: 'dry-run', status, applied: false } : { kind: 'applied', status, applied: true };
    case 'needs_approval':
      return outcomes.held({ ...(error ?? { message: 'this sync waits for approval' }), code: 'DEACTIVATION_THRESHOLD_EXCEEDED' });
    case 'failed':
      if (error?.code === 'ATOMIC_ABORTED') return { kind: 'atomic-aborted', status, applied: false, fileError: { ...error, code: 'ATOMIC_ABORTED' } };
      if (error === null) return outcomes.failed({ code: 'INTERNAL_ERROR', message: 'the run failed without a recorded reason' });
      // Every stored code comes from the registry; one that does not (a run recorded by a
      // newer version, say) is shown as INTERNAL_ERROR with its own words kept.
      return outcomes.failed(isFailureCode(error.code) ? { ...error, code: error.code } : { ...error, code: 'INTERNAL_ERROR', message: `${error.code}: ${error.message}` });
    case 'cancelled':
    case 'skipped': {
      const fallback = status === 'cancelled' ? ('RUN_CANCELLED' as const) : ('SOURCE_UNCHANGED' as const);
      const problem = error !== null && isFailureCode(error.code) ? { ...error, code: error.code } : { message: error?.message ?? `the run was ${status}`, code: fallback };
      return { kind: 'stopped', status, applied: false, fileError: problem };
    }
    case 'queued':
    case 'running':
      return outcomes.unfinished(status);
  }
}

/**
 * The one JSON shape of an import report, shared by the CLI's --json, the
 * queue's results and the HTTP API (each face adds what only it has).
 */
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
    ...(report.sheet === undefined ? {} : { sheet: report.sheet }),
    // Only how many: a queue result or a run resource never carries a whole plan (the CLI's --json adds it; HTTP pages it).
    ...(report.plan === undefined ? {} : { planCounts: planPreviewCounts(report.plan) }),
  };
}
