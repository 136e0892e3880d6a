/**
 * The one definition of a settled run (src/app/waitForRun.ts), which
 * `enqueue --wait`, `retry --wait`, HTTP `?wait=true`, the test harnesses and
 * the load and chaos scripts all wait for.
 */
import { describe, expect, it } from 'vitest';
import type { ImportRunStatus } from '../../src/adapters/db/index.js';
import { isSettled, SETTLED_RUN_STATUSES } from '../../src/app/waitForRun.js';

// Held for approval counts as settled: nothing more happens until a person approves, so waiting on would hang.
const WAITING_STOPS_AT: ImportRunStatus[] = ['completed', 'completed_with_errors', 'failed', 'needs_approval', 'cancelled', 'skipped'];
const WAITING_GOES_ON_AT: ImportRunStatus[] = ['queued', 'running'];

describe('settled runs', () => {
  it('finished runs and runs held for approval are settled; queued and running ones are not', () => {
    const asked = [...WAITING_STOPS_AT, ...WAITING_GOES_ON_AT].map((status) => [status, isSettled(status)]);
    expect(asked).toEqual([...WAITING_STOPS_AT.map((s) => [s, true]), ...WAITING_GOES_ON_AT.map((s) => [s, false])]);
  });

  it('SETTLED_RUN_STATUSES (for SQL `IN` lists) lists exactly the settled statuses', () => {
    expect([...SETTLED_RUN_STATUSES].sort()).toEqual([...WAITING_STOPS_AT].sort());
  });
});
