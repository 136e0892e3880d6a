/**
 * "Failed or skipped" (src/core/model.ts): the rows an error report lists and
 * a retry imports again, asked in one place by the CLI report writer, the
 * HTTP errors route, `orgsync report`, retries, the stored row results and
 * the importer.
 */
import { describe, expect, it } from 'vitest';
import { FAILED_OR_SKIPPED, isFailedOrSkipped, type RowAction } from '../../src/core/model.js';

// Every row action, and whether the row is in the error report. A Record, so a new action fails to compile here until decided.
const EXPECTED: Record<RowAction, boolean> = {
  created: false,
  updated: false,
  moved: false,
  unchanged: false,
  merged: false,
  failed: true,
  skipped: true,
};

describe('isFailedOrSkipped', () => {
  it('is true for rows with their own error and rows under a failed one, and for nothing written', () => {
    for (const [action, expected] of Object.entries(EXPECTED)) expect({ action, is: isFailedOrSkipped(action) }).toEqual({ action, is: expected });
    // Stored row results also carry `deactivated` (a department, not a row of the file).
    expect(isFailedOrSkipped('deactivated')).toBe(false);
  });

  it('FAILED_OR_SKIPPED (for SQL `IN` lists) is the same set', () => {
    expect([...FAILED_OR_SKIPPED].sort()).toEqual(Object.keys(EXPECTED).filter((a) => EXPECTED[a as RowAction]).sort());
  });
});
