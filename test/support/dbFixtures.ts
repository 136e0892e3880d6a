/** Hand-built departments and plans for database tests (the planner is tested elsewhere). */
import { emptyCounts, type DepartmentUpdate, type ImportPlan, type NameScope, type Organization, type StoredDepartment } from '../../src/core/model.js';
import { organizationsRepo, type Db } from '../../src/adapters/db/index.js';
import { newDepartmentId } from '../../src/ids.js';

let orgSeq = 0;

export async function createTestOrganization(db: Db, nameScope: NameScope = 'organization', code?: string): Promise<Organization> {
  orgSeq += 1;
  return organizationsRepo(db).create({ code: code ?? `org-${Date.now()}-${orgSeq}`, name: 'Test org', nameScope });
}

/** A new department under `parent` (top level without one), with every optional field empty. */
export function department(
  org: Organization,
  name: string,
  parent?: StoredDepartment,
  fields: Partial<StoredDepartment> = {},
): StoredDepartment {
  const id = fields.id ?? newDepartmentId();
  return {
    id,
    organizationId: org.id,
    parentId: parent?.id ?? null,
    path: `${parent?.path ?? ''}/${id}`,
    depth: parent ? parent.depth + 1 : 0,
    memberCount: 0,
    name,
    description: null,
    code: null,
    openDepartmentId: null,
    location: null,
    i18n: null,
    customData: null,
    leaderUserIds: null,
    postIds: null,
    isVirtual: false,
    isActive: true,
    color: null,
    tenantId: null,
    ...fields,
  };
}

/** An update of `before` to `before` + `changes` (moves must pass parentId, path and depth). */
export function update(before: StoredDepartment, changes: Partial<StoredDepartment>): DepartmentUpdate {
  const after = { ...before, ...changes };
  const changed = (Object.keys(changes) as (keyof StoredDepartment)[]).filter((k) => before[k] !== after[k]);
  return { before, after, changed };
}

export function plan(parts: Partial<Pick<ImportPlan, 'creates' | 'updates' | 'deactivations'>>): ImportPlan {
  return {
    creates: parts.creates ?? [],
    updates: parts.updates ?? [],
    deactivations: parts.deactivations ?? [],
    rowResults: [],
    errors: [],
    counts: emptyCounts(),
    warnings: [],
  };
}
