/**
 * The one definition of a run's errors (app/runErrors.ts): one entry per
 * failed or skipped row, resolvedBy from the stored resolution, and the rows
 * to fix are exactly the unresolved ones.
 */
import { describe, expect, it } from 'vitest';
import type { StoredRowResult } from '../../src/app/ports.js';
import { rowsToFix, runErrorRows } from '../../src/app/runErrors.js';

const stored = (over: Partial<StoredRowResult>): StoredRowResult => ({
  id: 0,
  runId: 'run_A',
  rowNumber: 2,
  departmentKey: 'K',
  departmentId: null,
  action: 'failed',
  errorCode: 'PARENT_NOT_FOUND',
  field: 'parentCode',
  message: 'no parent',
  raw: { name: 'N' },
  resolvedByRunId: null,
  ...over,
});

describe('runErrorRows', () => {
  it('groups errors per row, keeps resolvedBy, ignores written rows and deactivations, and sorts by row', () => {
    const rows = runErrorRows([
      stored({ rowNumber: 4, resolvedByRunId: null }),
      stored({ rowNumber: 2, resolvedByRunId: 'run_R' }),
      stored({ rowNumber: 2, field: 'name', errorCode: 'NAME_TOO_LONG', resolvedByRunId: 'run_R' }),
      stored({ rowNumber: 3, action: 'skipped', errorCode: 'PARENT_FAILED', resolvedByRunId: 'run_R' }),
      stored({ rowNumber: 5, action: 'created', errorCode: null }),
      stored({ rowNumber: null, action: 'deactivated', errorCode: null }),
    ]);
    expect(rows.map((r) => [r.row, r.action, r.errors.map((e) => e.code), r.resolvedBy])).toEqual([
      [2, 'failed', ['PARENT_NOT_FOUND', 'NAME_TOO_LONG'], 'run_R'],
      [3, 'skipped', ['PARENT_FAILED'], 'run_R'],
      [4, 'failed', ['PARENT_NOT_FOUND'], null],
    ]);
    expect(rowsToFix(rows).map((r) => r.row)).toEqual([4]);
  });
});
