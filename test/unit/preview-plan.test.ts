/**
 * core/plan/preview.ts without I/O: paths as names, the members a sync leaves
 * without a department, paging, and the text report's cut (cli/planText.ts).
 */
import { describe, expect, it } from 'vitest';
import type { DepartmentUpdate, StoredDepartment } from '../../src/core/model.js';
import { buildPlanPreview, pagePlanPreview, type PlanPreview } from '../../src/core/plan/preview.js';
import { planReportCsv } from '../../src/core/report/planCsv.js';
import { MAX_PLAN_SHOWN, renderPlan } from '../../src/cli/planText.js';

function dept(id: string, name: string, parent: StoredDepartment | null, extra: Partial<StoredDepartment> = {}): StoredDepartment {
  return {
    id,
    organizationId: 'org_1',
    parentId: parent?.id ?? null,
    path: `${parent?.path ?? ''}/${id}`,
    depth: parent ? parent.depth + 1 : 0,
    memberCount: 0,
    name,
    isActive: true,
    ...extra,
  } as StoredDepartment;
}

const deactivate = (d: StoredDepartment): DepartmentUpdate => ({ before: d, after: { ...d, isActive: false }, changed: ['isActive'] });

describe('buildPlanPreview', () => {
  const eng = dept('d1', 'Engineering', null);
  const plat = dept('d2', 'Platform', eng, { memberCount: 2 });
  const infra = dept('d3', 'Infra', plat);
  const sales = dept('d4', 'Sales', null);
  const stored = [eng, plat, infra, sales];

  it('names paths, counts members and active children, and finds the members left without a department', () => {
    const preview = buildPlanPreview({
      plan: { creates: [dept('d9', 'Data', sales)], updates: [], deactivations: [deactivate(plat), deactivate(infra)] },
      stored,
      // m1 is only in departments that go; m2 is also in Sales, so keeps a department.
      memberships: new Map([
        ['d2', new Set(['m1', 'm2'])],
        ['d3', new Set(['m1'])],
        ['d4', new Set(['m2'])],
      ]),
    });
    expect(preview.created).toEqual([{ id: 'd9', name: 'Data', code: null, parentPath: 'Sales' }]);
    expect(preview.deactivated).toEqual([
      { id: 'd2', name: 'Platform', path: 'Engineering > Platform', memberCount: 2, activeChildren: 1 },
      { id: 'd3', name: 'Infra', path: 'Engineering > Platform > Infra', memberCount: 0, activeChildren: 0 },
    ]);
    expect(preview.membersOrphaned).toEqual([{ memberId: 'm1', leaves: ['Engineering > Platform', 'Engineering > Platform > Infra'] }]);
  });

  it('shows a move by old and new parent path, and a renamed parent by its new name', () => {
    const movedInfra = { ...infra, parentId: sales.id, path: `${sales.path}/d3`, depth: 1 };
    const renamedSales = { ...sales, name: 'Revenue' };
    const preview = buildPlanPreview({
      plan: {
        creates: [],
        updates: [
          { before: sales, after: renamedSales, changed: ['name'] },
          { before: infra, after: movedInfra, changed: ['parentId', 'path', 'depth'] },
        ],
        deactivations: [],
      },
      stored,
    });
    expect(preview.updated).toEqual([{ id: 'd4', name: 'Revenue', path: 'Revenue', changes: [{ field: 'name', before: 'Sales', after: 'Revenue' }] }]);
    expect(preview.moved).toEqual([{ id: 'd3', name: 'Infra', fromParentPath: 'Engineering > Platform', toParentPath: 'Revenue', changes: [] }]);
  });
});

describe('the plan report and the text cut', () => {
  const many: PlanPreview = {
    created: [],
    updated: [],
    moved: [],
    deactivated: Array.from({ length: MAX_PLAN_SHOWN + 7 }, (_, i) => ({ id: `d${i}`, name: `=Team ${i}`, path: `=Team ${i}`, memberCount: i, activeChildren: 0 })),
    membersOrphaned: [],
  };

  it('cuts each group at MAX_PLAN_SHOWN with the count of the rest; the CSV has them all, formula-safe', () => {
    const text = renderPlan(many, 'see --plan-report FILE').join('\n');
    expect(text).toContain(`Would deactivate (${MAX_PLAN_SHOWN + 7}):`);
    expect(text).toContain('… and 7 more: see --plan-report FILE');
    const csv = [...planReportCsv(many)].join('');
    const rows = csv.trim().split('\r\n').slice(1);
    expect(rows).toHaveLength(MAX_PLAN_SHOWN + 7);
    expect(rows[0]).toBe("deactivated,d0,'=Team 0,'=Team 0,,,,,,0,0,");
  });

  it('pages one action with a cursor', () => {
    const first = pagePlanPreview(many, 'deactivated', 0, 20);
    expect(first).toMatchObject({ total: 27, nextCursor: '20' });
    const rest = pagePlanPreview(many, 'deactivated', 20, 20);
    expect(rest.items).toHaveLength(7);
    expect(rest.nextCursor).toBeNull();
  });
});
