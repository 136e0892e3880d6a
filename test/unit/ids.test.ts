/**
 * Generated ids (src/ids.ts): ULIDs whose random part comes from a pooled
 * crypto buffer instead of one crypto call per character.
 */
import { describe, expect, it, vi } from 'vitest';
import { newDepartmentId, newUlid, pooledRandom } from '../../src/ids.js';
import { DEPARTMENT_ID_PREFIX } from '../../src/core/model.js';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('ids', () => {
  it('are prefixed ULIDs in Crockford base32', () => {
    const id = newDepartmentId();
    expect(id.startsWith(DEPARTMENT_ID_PREFIX)).toBe(true);
    expect(id.slice(DEPARTMENT_ID_PREFIX.length)).toMatch(ULID);
    expect(newUlid()).toMatch(ULID);
  });

  it('are unique and sort in creation order, also within one millisecond', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z'), toFake: ['Date'] });
    try {
      const ids = Array.from({ length: 10_000 }, () => newUlid());
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual(ids);
    } finally {
      vi.useRealTimers();
    }
  });

  it('draw their random part from crypto, one call per pool of bytes rather than per character', async () => {
    const crypto = await import('node:crypto');
    const spy = vi.spyOn(crypto.webcrypto, 'getRandomValues');
    try {
      for (let i = 0; i < 1000; i++) newDepartmentId();
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('the pooled generator is uniform over the 32 ULID symbols and varies', () => {
    const counts = new Array<number>(32).fill(0);
    const n = 64_000;
    for (let i = 0; i < n; i++) {
      const x = pooledRandom();
      expect(x >= 0 && x < 1).toBe(true);
      counts[Math.floor(x * 32)]! += 1;
    }
    // Expected 2,000 per symbol; a fair source stays far inside these bounds.
    for (const c of counts) expect(c).toBeGreaterThan(1600);
    for (const c of counts) expect(c).toBeLessThan(2400);
    const a = Array.from({ length: 8 }, () => newUlid().slice(10));
    expect(new Set(a).size).toBe(8);
  });
});
