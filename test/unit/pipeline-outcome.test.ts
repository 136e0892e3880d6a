/**
 * Run outcomes as one union (src/core/runOutcome.ts): each kind carries exactly
 * the status, `applied` and reason it can have; the CLI's exit code and the
 * JSON every face prints derive from it; a stored run reads back as the same kind.
 */
import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../../src/core/model.js';
import { type ImportReport, outcomeOfStoredRun, outcomes, type ReportBody, type RunOutcome } from '../../src/core/runOutcome.js';
import { exitCodeOf, renderReport, reportJson } from '../../src/cli/render.js';
import { toApiReport } from '../../src/adapters/http/runPresenters.js';

const body = (rowErrors = 0): ReportBody => ({
  runId: 'run_1',
  organization: 'acme',
  mode: 'upsert',
  dryRun: false,
  counts: { ...emptyCounts(), rows: 2, failed: rowErrors },
  errors: Array.from({ length: rowErrors }, (_, i) => ({ row: i + 2, code: 'NAME_REQUIRED' as const, field: 'name', message: 'name is required', key: 'k' })),
  warnings: [],
  columns: ['name'],
  failedRaw: new Map(),
  rowResults: [],
});
const report = (outcome: RunOutcome, rowErrors = 0): ImportReport => ({ ...body(rowErrors), ...outcome });
const held = outcomes.held({ code: 'DEACTIVATION_THRESHOLD_EXCEEDED', message: 'would deactivate 5 of 6' });
const failed = outcomes.failed({ code: 'CSV_SYNTAX_ERROR', message: 'unclosed quote', line: 3 });

describe('run outcomes', () => {
  it('each kind has its status, applied flag and reason', () => {
    expect(outcomes.applied(0)).toEqual({ kind: 'applied', status: 'completed', applied: true });
    expect(outcomes.applied(2)).toEqual({ kind: 'applied', status: 'completed_with_errors', applied: true });
    expect(outcomes.dryRun(1)).toEqual({ kind: 'dry-run', status: 'completed_with_errors', applied: false });
    expect(held).toMatchObject({ kind: 'held', status: 'needs_approval', applied: false, fileError: { code: 'DEACTIVATION_THRESHOLD_EXCEEDED' } });
    expect(outcomes.atomicAborted(3)).toEqual({
      kind: 'atomic-aborted',
      status: 'failed',
      applied: false,
      fileError: { code: 'ATOMIC_ABORTED', message: '3 row error(s) in an --atomic import: nothing was written' },
    });
    expect(failed).toEqual({ kind: 'failed', status: 'failed', applied: false, fileError: { code: 'CSV_SYNTAX_ERROR', message: 'unclosed quote', line: 3 } });
  });

  it('the CLI exit code follows the kind, not a code string', () => {
    expect(exitCodeOf(report(outcomes.applied(0)))).toBe(0);
    expect(exitCodeOf(report(outcomes.applied(1), 1))).toBe(3);
    expect(exitCodeOf(report(outcomes.dryRun(0)))).toBe(0);
    expect(exitCodeOf(report(outcomes.atomicAborted(1), 1))).toBe(3);
    expect(exitCodeOf(report(held))).toBe(1);
    expect(exitCodeOf(report(failed))).toBe(1);
  });

  it('the public JSON keeps its fields: fileError only when there is one (CLI), null otherwise (HTTP)', () => {
    expect(reportJson(report(outcomes.applied(0)))).not.toHaveProperty('fileError');
    expect(reportJson(report(failed))).toMatchObject({ status: 'failed', applied: false, fileError: { code: 'CSV_SYNTAX_ERROR', line: 3 } });
    expect(Object.keys(reportJson(report(held)))).toEqual(['runId', 'organization', 'mode', 'dryRun', 'status', 'applied', 'counts', 'errors', 'warnings', 'fileError']);
    expect(toApiReport(report(outcomes.applied(0)), 'acme').fileError).toBeNull();
    expect(toApiReport(report(held), 'acme').fileError).toEqual({ code: 'DEACTIVATION_THRESHOLD_EXCEEDED', message: 'would deactivate 5 of 6', line: null });
  });

  it('renders each kind: held and failed say why and that nothing was written; an atomic abort lists its rows', () => {
    expect(renderReport(report(held), 'f.csv')).toContain('NEEDS APPROVAL DEACTIVATION_THRESHOLD_EXCEEDED');
    expect(renderReport(report(failed), 'f.csv')).toContain('FAILED CSV_SYNTAX_ERROR: unclosed quote');
    const aborted = renderReport(report(outcomes.atomicAborted(1), 1), 'f.csv');
    expect(aborted).toContain('row 2  NAME_REQUIRED');
    expect(aborted).toContain('nothing was written.');
    expect(aborted).toContain('Status: failed');
  });

  it('a stored run reads back as the kind it ended with', () => {
    const error = { code: 'ATOMIC_ABORTED', message: '1 row error(s)' };
    expect(outcomeOfStoredRun({ status: 'completed', dryRun: false, error: null }).kind).toBe('applied');
    expect(outcomeOfStoredRun({ status: 'completed_with_errors', dryRun: true, error: null })).toEqual(outcomes.dryRun(1));
    expect(outcomeOfStoredRun({ status: 'failed', dryRun: false, error }).kind).toBe('atomic-aborted');
    expect(outcomeOfStoredRun({ status: 'failed', dryRun: false, error: { code: 'JOB_LOST', message: 'gone' } })).toMatchObject({ kind: 'failed', fileError: { code: 'JOB_LOST' } });
    expect(outcomeOfStoredRun({ status: 'needs_approval', dryRun: false, error: held.fileError })).toEqual(held);
    expect(outcomeOfStoredRun({ status: 'running', dryRun: false, error: null })).toEqual({ kind: 'unfinished', status: 'running', applied: false });
  });
});
