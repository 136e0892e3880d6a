/**
 * The history's keyset cursor (core/history/cursor.ts): an id, or id and
 * department inside an import run's creates, which share one row's id.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../src/core/history/changes.js';
import { compareEntries, cursorAfter, isAfterCursor, parseHistoryCursor } from '../../src/core/history/cursor.js';

const entry = (over: Partial<HistoryEntry>): HistoryEntry => ({
  id: 7,
  organizationId: 'org_1',
  departmentId: 'dept_B',
  action: 'created',
  before: null,
  after: null,
  runId: 'run_1',
  requestId: null,
  actor: 'cli:x',
  at: '2026-12-04T00:00:00.000Z',
  ...over,
});

describe('history cursor', () => {
  it('parses an id or id:department, and nothing else', () => {
    expect(parseHistoryCursor('42')).toEqual({ id: 42 });
    expect(parseHistoryCursor('42:dept_01ABC')).toEqual({ id: 42, departmentId: 'dept_01ABC' });
    for (const bad of ['', '0', '-1', '1.5', '42:', 'x:1', '42: a', '99999999999999999', `1:${'d'.repeat(65)}`]) expect(parseHistoryCursor(bad), bad).toBeUndefined();
  });

  it('is composite only where the id may be shared: a run\'s create outside one department\'s history', () => {
    expect(cursorAfter(entry({}), false)).toBe('7:dept_B');
    expect(cursorAfter(entry({}), true)).toBe(7);
    expect(cursorAfter(entry({ action: 'updated' }), false)).toBe(7);
    expect(cursorAfter(entry({ runId: null }), false)).toBe(7);
  });

  it('orders by id, then department, and a cursor excludes itself and everything before', () => {
    const list = [entry({ id: 9, departmentId: 'dept_A' }), entry({ departmentId: 'dept_C' }), entry({ departmentId: 'dept_A' })];
    expect(list.sort(compareEntries).map((e) => `${e.id}:${e.departmentId}`)).toEqual(['7:dept_A', '7:dept_C', '9:dept_A']);
    expect(isAfterCursor({ id: 7, departmentId: 'dept_A' }, 7, 'dept_A')).toBe(false);
    expect(isAfterCursor({ id: 7, departmentId: 'dept_A' }, 7, 'dept_B')).toBe(true);
    expect(isAfterCursor({ id: 7 }, 7, 'dept_Z')).toBe(false);
    expect(isAfterCursor({ id: 7 }, 8, 'dept_A')).toBe(true);
    expect(isAfterCursor(undefined, 1, 'dept_A')).toBe(true);
  });
});
