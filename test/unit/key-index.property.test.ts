/**
 * core/plan/keyIndex.ts answers as a Map<string, position> would, for any
 * sequence of adds, replacements and lookups: keys that collide in the table
 * (a small table, many keys, keys that share prefixes and lengths), growth
 * past its expected size, and clears.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashKey, KeyIndex } from '../../src/core/plan/keyIndex.js';

type Op = { kind: 'set' | 'addIfAbsent'; key: string } | { kind: 'get'; key: string } | { kind: 'clear' };

// Short keys from a small alphabet: many repeats, and many keys per table slot.
const key = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'é', '\u0000'), maxLength: 4 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('set' as const, 'addIfAbsent' as const), key }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('get' as const), key }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
);

describe('KeyIndex', () => {
  it('answers every lookup as a Map of the same adds would', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.nat({ max: 40 }), (ops, expected) => {
        // Each position holds one key for good, as the planner's lists do.
        const keys: string[] = [];
        const index = new KeyIndex((at) => keys[at]!, expected);
        const model = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === 'clear') {
            index.clear();
            model.clear();
          } else if (o.kind === 'get') {
            expect(index.get(o.key)).toBe(model.get(o.key) ?? -1);
          } else {
            const position = keys.length;
            keys.push(o.key);
            const before = model.get(o.key);
            if (o.kind === 'set') {
              index.set(o.key, position);
              model.set(o.key, position);
            } else {
              expect(index.addIfAbsent(o.key, position)).toBe(before ?? -1);
              if (before === undefined) model.set(o.key, position);
            }
          }
          expect(index.size).toBe(model.size);
        }
        for (const [k, at] of model) expect(index.get(k)).toBe(at);
      }),
      { numRuns: 300 },
    );
  });

  it('holds many keys that differ in one character (codes of a real file) past several growths', () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => `D${String(i).padStart(6, '0')}`);
    const index = new KeyIndex((at) => keys[at]!);
    keys.forEach((k, at) => index.set(k, at));
    expect(index.size).toBe(keys.length);
    for (let at = 0; at < keys.length; at += 997) expect(index.get(keys[at]!)).toBe(at);
    expect(index.get('D050000')).toBe(-1);
    // The hash spreads such keys: no slot chain is long (a poor hash put them all in a few buckets).
    const buckets = new Set(keys.map((k) => hashKey(k) & 0xffff));
    expect(buckets.size).toBeGreaterThan(30_000);
  });

  it('refuses a position it cannot store', () => {
    const index = new KeyIndex(() => 'k');
    expect(() => index.set('k', -1)).toThrow(RangeError);
    expect(() => index.set('k', 2 ** 31)).toThrow(RangeError);
  });
});
