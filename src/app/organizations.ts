/**
 * Organizations and their departments as the faces read them: `orgsync org`,
 * `orgsync tree`, and the HTTP API's organization in the path and department reads.
 */
import type { Organization, StoredDepartment } from '../core/model.js';
import { buildTree, depthFirst } from '../core/tree.js';
import type { DepartmentView, NewOrganization, Repositories } from './ports.js';

/** `duplicate`: an organization with that code exists already. */
export type CreateOrganizationResult = { created: true; organization: Organization } | { created: false; duplicate: true };

export async function createOrganization(
  { organizations, transactions }: Pick<Repositories, 'organizations' | 'transactions'>,
  input: NewOrganization,
): Promise<CreateOrganizationResult> {
  try {
    return { created: true, organization: await organizations.create(input) };
  } catch (err) {
    if (transactions.isDuplicateKeyError(err)) return { created: false, duplicate: true };
    throw err;
  }
}

export function listOrganizations({ organizations }: Pick<Repositories, 'organizations'>): Promise<Organization[]> {
  return organizations.list();
}

/** The organization with this code, or with this `org_...` id. */
export async function findOrganization({ organizations }: Pick<Repositories, 'organizations'>, ref: string): Promise<Organization | undefined> {
  return (await organizations.findByCode(ref)) ?? (ref.startsWith('org_') ? organizations.findById(ref) : undefined);
}

/** Every department of the organization named by `code` (only active ones with `activeOnly`); undefined: no such organization. */
export async function organizationDepartments(
  repos: Pick<Repositories, 'organizations' | 'departments'>,
  code: string,
  opts: { activeOnly?: boolean } = {},
): Promise<{ organization: Organization; departments: StoredDepartment[] } | undefined> {
  const organization = await repos.organizations.findByCode(code);
  if (!organization) return undefined;
  const all = await repos.departments.loadForOrganization(organization.id);
  if (!opts.activeOnly) return { organization, departments: all };
  // An inactive department is left out with its whole subtree, as the API's
  // tree does (the activity rule: core/plan/activeRule.ts), never shown as an orphan.
  const active = [...depthFirst(buildTree(all), (n) => n.department.isActive)].map((v) => v.node.department);
  return { organization, departments: active };
}

/** The API's list and tree: listDepartments.ts and departmentTree.ts. */
export function departmentById({ departmentReads }: Pick<Repositories, 'departmentReads'>, organizationId: string, id: string): Promise<DepartmentView | undefined> {
  return departmentReads.get(organizationId, id);
}
