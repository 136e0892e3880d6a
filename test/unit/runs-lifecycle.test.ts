/**
 * The run lifecycle table (core/runLifecycle.ts), without a database: every
 * allowed transition, every refused one, and the guards the repository builds
 * from them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowedFrom,
  canTransition,
  FINAL_RUN_STATUSES,
  guardFor,
  RUN_STATUSES,
  RUN_TRANSITIONS,
  type RunStatus,
} from '../../src/core/runLifecycle.js';

/** The lifecycle as today's code uses it, written out pair by pair. */
const ALLOWED: readonly (readonly [RunStatus, RunStatus])[] = [
  ['queued', 'running'],
  ['queued', 'failed'],
  ['running', 'running'],
  ['running', 'completed'],
  ['running', 'completed_with_errors'],
  ['running', 'failed'],
  ['running', 'needs_approval'],
  ['running', 'cancelled'],
  ['queued', 'skipped'],
  ['needs_approval', 'needs_approval'],
  ['needs_approval', 'completed'],
  ['needs_approval', 'completed_with_errors'],
  ['needs_approval', 'failed'],
  ['failed', 'queued'],
];
const key = (from: RunStatus, to: RunStatus) => `${from} -> ${to}`;
const allowedKeys = new Set(ALLOWED.map(([from, to]) => key(from, to)));
const allPairs = RUN_STATUSES.flatMap((from) => RUN_STATUSES.map((to) => [from, to] as const));
const refused = allPairs.filter(([from, to]) => !allowedKeys.has(key(from, to)));

describe('the run transition table', () => {
  it.each(ALLOWED)('allows %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(allowedFrom(to)).toContain(from);
    expect(guardFor(to, [from])).toEqual([from]);
  });

  it.each(refused)('refuses %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(allowedFrom(to)).not.toContain(from);
    expect(() => guardFor(to, [from])).toThrow(/not an allowed transition/);
  });

  it('has exactly the pairs listed (64 pairs: 14 allowed, 50 refused)', () => {
    expect(allPairs).toHaveLength(64);
    expect(refused).toHaveLength(50);
    const fromTable = RUN_STATUSES.flatMap((from) => RUN_TRANSITIONS[from].map((to) => key(from, to)));
    expect(new Set(fromTable)).toEqual(allowedKeys);
  });

  it('cancelled and skipped runs are final and never change again', () => {
    expect(FINAL_RUN_STATUSES).toEqual(expect.arrayContaining(['cancelled', 'skipped']));
    expect(RUN_TRANSITIONS.cancelled).toEqual([]);
    expect(RUN_TRANSITIONS.skipped).toEqual([]);
    // Only a running run is cancelled (a signal to its owner); only a queued one is skipped (never started).
    expect(allowedFrom('cancelled')).toEqual(['running']);
    expect(allowedFrom('skipped')).toEqual(['queued']);
  });

  it('never leaves completed runs; a failed run only goes back to the queue', () => {
    for (const final of FINAL_RUN_STATUSES) {
      expect(RUN_TRANSITIONS[final].filter((to) => to !== 'queued')).toEqual([]);
    }
  });

  it('a guard narrows the table and never widens it (any subset of from-states)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...RUN_STATUSES), fc.subarray([...RUN_STATUSES]), (to, only) => {
        const bad = only.filter((from) => !canTransition(from, to));
        if (bad.length > 0) expect(() => guardFor(to, only)).toThrow();
        else expect(guardFor(to, only)).toEqual(only);
      }),
    );
  });
});
