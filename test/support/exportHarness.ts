/**
 * Exports through the same use case and adapter `orgsync export` and the HTTP
 * route use, and the stored tree in a form two organizations can be compared by.
 */
import type { Db } from '../../src/adapters/db/index.js';
import { organizationsRepo, repositories } from '../../src/adapters/db/index.js';
import { exportByCode } from '../../src/app/exportDepartments.js';
import type { ExportFormat } from '../../src/core/export/formats.js';
import type { Organization } from '../../src/core/model.js';
import { departmentsOf } from './importHarness.js';

/** The export's bytes (text formats as UTF-8, xlsx as the workbook). */
export async function exportBytes(db: Db, org: string, format: ExportFormat, opts: { activeOnly?: boolean; pageSize?: number } = {}): Promise<Buffer> {
  const exported = await exportByCode(repositories(db), org, { format, activeOnly: opts.activeOnly ?? false, pageSize: opts.pageSize });
  const parts: Buffer[] = [];
  for await (const chunk of exported.chunks) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

export async function exportText(db: Db, org: string, format: ExportFormat, opts: { activeOnly?: boolean; pageSize?: number } = {}): Promise<string> {
  return (await exportBytes(db, org, format, opts)).toString('utf8');
}

/**
 * Every department by its path of names, with depth, active flag, keys and every
 * field an import sets: independent of generated ids, so two organizations compare.
 */
export async function treeSignature(db: Db, org: string): Promise<string[]> {
  const all = await departmentsOf(db, org);
  const byId = new Map(all.map((d) => [d.id, d]));
  return all
    .map((d) => {
      const path = d.path
        .split('/')
        .filter(Boolean)
        .map((id) => byId.get(id)?.name ?? '?');
      const { id: _id, organizationId: _o, parentId: _p, path: _path, memberCount: _m, ...fields } = d;
      return JSON.stringify({ path, ...fields });
    })
    .sort();
}

/**
 * An organization of `count` departments in a tree of fan-out 8 (every tenth
 * inactive), inserted directly: for tests of the export, not of the import.
 */
export async function seedTree(db: Db, code: string, count: number): Promise<Organization> {
  const org = await organizationsRepo(db).create({ code, name: code.toUpperCase(), nameScope: 'organization' });
  const now = '2026-01-01 00:00:00';
  const paths: string[] = [];
  const rows: Record<string, unknown>[] = [];
  const idOf = (i: number) => `dept_${code.replace(/\W/gu, '').slice(0, 6)}${String(i).padStart(20, '0')}`;
  for (let i = 0; i < count; i++) {
    const parent = i === 0 ? -1 : Math.floor((i - 1) / 8);
    paths.push(`${parent < 0 ? '' : paths[parent]}/${idOf(i)}`);
    rows.push({
      id: idOf(i),
      organization_id: org.id,
      name: `Department ${i} with a name of a realistic length`,
      description: i % 3 === 0 ? null : i % 5 === 1 ? `=HYPERLINK("http://example.com/${i}")` : `Description of department ${i}, long enough to weigh something; "quoted"`,
      code: `${code}-${i}`,
      parent_id: parent < 0 ? null : idOf(parent),
      path: paths[i],
      depth: paths[i]!.split('/').length - 2,
      is_active: i % 10 !== 9,
      custom_data: i % 4 === 0 ? JSON.stringify({ cost: i, site: 'Zürich' }) : null,
      created_at: now,
      updated_at: now,
      name_scope_key: '',
    });
  }
  await db.knex.batchInsert('departments', rows, 500);
  return org;
}
