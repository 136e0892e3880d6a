/**
 * Runs real imports (the same runImport the CLI uses) from in-memory text.
 */
import { readFile } from 'node:fs/promises';
import type { Db } from '../../src/adapters/db/index.js';
import { departmentsRepo, organizationsRepo, repositories } from '../../src/adapters/db/index.js';
import { runImport, type ImportReport } from '../../src/app/importService.js';
import { parseImportOptions, type ImportOptionsInput } from '../../src/core/importOptions.js';
import type { StoredDepartment } from '../../src/core/model.js';

export async function importText(
  db: Db,
  text: string | Buffer,
  opts: ImportOptionsInput & { name?: string; org?: string } = {},
): Promise<ImportReport> {
  // `{ org: undefined }` means "no --org": the document names its organization.
  const { name = 'input.csv', org: _org, ...rest } = opts;
  const org = 'org' in opts ? opts.org : 'acme';
  const parsed = parseImportOptions({ createOrg: true, ...rest });
  if (!parsed.ok) throw new Error(parsed.message);
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  return runImport(repositories(db), {
    organizationCode: org,
    source: { name, bytes: (async function* () { yield bytes; })() },
    options: parsed.value,
  });
}

export async function importFile(db: Db, path: string, opts: ImportOptionsInput & { org?: string } = {}): Promise<ImportReport> {
  return importText(db, await readFile(path), { name: path, ...opts });
}

export async function departmentsOf(db: Db, org = 'acme'): Promise<StoredDepartment[]> {
  const found = await organizationsRepo(db).findByCode(org);
  if (!found) return [];
  return departmentsRepo(db).loadForOrganization(found.id);
}

/** The stored tree independent of generated ids: one line per department, sorted. */
export async function treeShape(db: Db, org = 'acme'): Promise<string[]> {
  const all = await departmentsOf(db, org);
  const byId = new Map(all.map((d) => [d.id, d]));
  return all
    .map((d) => {
      const names = d.path
        .split('/')
        .filter(Boolean)
        .map((id) => byId.get(id)?.name ?? '?');
      return `${names.join(' > ')} | depth ${d.depth} | ${d.isActive ? 'active' : 'inactive'} | code ${d.code ?? '-'} | ${d.description ?? ''}`;
    })
    .sort();
}

/** updated_at of every department, to prove a run wrote nothing. */
export async function updatedAtById(db: Db): Promise<Map<string, string>> {
  const rows = (await db.knex('departments').select('id', 'updated_at', 'last_import_run_id')) as { id: string; updated_at: unknown; last_import_run_id: string | null }[];
  return new Map(rows.map((r) => [r.id, `${String(r.updated_at)}|${r.last_import_run_id}`]));
}
