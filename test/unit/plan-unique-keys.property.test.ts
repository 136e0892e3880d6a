/**
 * Codes, openDepartmentIds and names stay unique in the organization after
 * any import (core/plan/uniqueness.ts with match.ts's indexFileKeys), for
 * files whose rows collide with each other and with what is stored: rows
 * that repeat, take or give up stored keys, in any order. The stored tree
 * after applying the plan never holds one key twice, and every row refused
 * for a duplicate names a department that holds the key.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ImportPlan, StoredDepartment } from '../../src/core/model.js';
import { applyInMemory, idGenerator, plan } from '../support/planHarness.js';

const KEYS = ['K1', 'K2', 'K3', 'K4', 'K5'];
const key = fc.option(fc.constantFrom(...KEYS), { nil: undefined });
const name = fc.constantFrom('Alpha', 'Beta', 'Gamma', 'Delta', 'Epsilon', 'Zeta');

/** A row: an optional code and openDepartmentId from a small pool, a name, maybe the id of a stored department. */
const row = fc.record({ code: key, openId: key, name, storedIndex: fc.option(fc.nat({ max: 5 }), { nil: undefined }) });

/** Stored departments with distinct codes, openDepartmentIds and names (as the database keeps them). */
function storedOf(count: number): StoredDepartment[] {
  const ids = idGenerator('dept_s');
  return Array.from({ length: count }, (_, i) => {
    const id = ids();
    return {
      id,
      organizationId: 'org_test',
      parentId: null,
      path: `/${id}`,
      depth: 0,
      memberCount: 0,
      name: `Stored ${i}`,
      description: null,
      code: `K${i + 1}`,
      openDepartmentId: i % 2 === 0 ? `K${5 - i}` : null,
      location: null,
      i18n: null,
      customData: null,
      leaderUserIds: null,
      postIds: null,
      isVirtual: false,
      isActive: true,
      color: null,
      tenantId: null,
    };
  });
}

function holdersOf(store: Map<string, StoredDepartment>, field: 'code' | 'openDepartmentId' | 'name'): Map<string, number> {
  const count = new Map<string, number>();
  for (const d of store.values()) {
    const v = d[field];
    if (v !== null) count.set(v, (count.get(v) ?? 0) + 1);
  }
  return count;
}

describe('unique keys after any import', () => {
  it('no code, openDepartmentId or name is held twice, and each duplicate refusal names a holder', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.array(row, { minLength: 1, maxLength: 12 }), (storedCount, rows) => {
        const stored = storedOf(storedCount);
        const objects = rows.map((r) => {
          const o: Record<string, unknown> = { name: r.name };
          if (r.code !== undefined) o.code = r.code;
          if (r.openId !== undefined) o.openDepartmentId = r.openId;
          if (r.storedIndex !== undefined && r.storedIndex < stored.length) o.id = stored[r.storedIndex]!.id;
          return o;
        });
        const p: ImportPlan = plan(objects, { stored });
        const store = new Map(stored.map((d) => [d.id, d]));
        applyInMemory(store, p);
        for (const field of ['code', 'openDepartmentId', 'name'] as const) {
          for (const [value, n] of holdersOf(store, field)) expect(n, `${field} ${value}`).toBe(1);
        }
        for (const e of p.errors) {
          if (e.code === 'DUPLICATE_CODE' || e.code === 'DUPLICATE_OPEN_DEPARTMENT_ID') {
            // Held by an earlier row or a stored department, or a second row matching the same stored one.
            expect(e.message).toMatch(/is already used by (row \d+|the stored department ")|^row \d+ already updates the department /);
          }
        }
        // Rows that were written are the rows the plan says were.
        const written = p.rowResults.filter((r) => r.action === 'created' || r.action === 'updated' || r.action === 'moved').length;
        expect(written).toBe(p.counts.created + p.counts.updated + p.counts.moved);
      }),
      { numRuns: 400 },
    );
  });
});
