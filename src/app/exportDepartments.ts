/**
 * `orgsync export` and GET .../departments/export: an organization's stored
 * departments as a file the importer reads back (core/export/). Read in
 * keyset pages ordered by (depth, id), so parents come before their children,
 * and handed out in chunks while reading, so memory does not grow with
 * the organization (an .xlsx is zipped as its sheet is written).
 */
import { chooseParentKey, exportColumns, exportValues } from '../core/export/exportRecord.js';
import { EXPORT_WRITERS, type ExportFormat } from '../core/export/formats.js';
import { OrgsyncError } from '../core/errors.js';
import type { Organization } from '../core/model.js';
import { sheetName, streamWorkbook } from '../core/xlsxWrite.js';
import { findOrganization } from './organizations.js';
import type { DepartmentExportPort, ExportCursor, Repositories } from './ports.js';

export type { DepartmentExportPort, ExportCursor } from './ports.js';

export interface ExportOptions {
  format: ExportFormat;
  activeOnly: boolean;
  /** Departments per query; the memory an export holds is about one page. */
  pageSize?: number;
}

export interface DepartmentExport {
  contentType: string;
  /** A file name for the export: `<org code>-departments.<ext>`. */
  fileName: string;
  /** Text for the text formats, bytes for xlsx. */
  chunks: AsyncIterable<string | Uint8Array>;
}

const DEFAULT_PAGE_SIZE = 1000;

/** Writes up to this many characters per chunk: few writes, bounded memory. */
const CHUNK_CHARS = 64 * 1024;

async function* exportChunks(port: DepartmentExportPort, org: Organization, opts: ExportOptions): AsyncGenerator<string> {
  const writer = EXPORT_WRITERS[opts.format];
  const key = chooseParentKey({
    code: await port.everyDepartmentHas(org.id, 'code'),
    openDepartmentId: await port.everyDepartmentHas(org.id, 'openDepartmentId'),
  });
  const columns = exportColumns(key);
  const limit = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  let buffer = writer.header(columns);
  let after: ExportCursor | null = null;
  let written = 0;
  for (;;) {
    const page = await port.page(org.id, { activeOnly: opts.activeOnly, after, limit });
    for (const d of page) {
      buffer += writer.record(columns, exportValues(d, key), written);
      written += 1;
      if (buffer.length >= CHUNK_CHARS) {
        yield buffer;
        buffer = '';
      }
    }
    if (page.length < limit) break;
    const last = page[page.length - 1]!;
    after = { depth: last.depth, id: last.id };
  }
  yield buffer + writer.footer(written === 0);
}

/** The export of an organization the caller has already resolved (and authorised). */
export function exportOrganization(port: DepartmentExportPort, org: Organization, opts: ExportOptions): DepartmentExport {
  const writer = EXPORT_WRITERS[opts.format];
  return {
    contentType: writer.contentType,
    fileName: `${org.code.replace(/[^\w.-]+/gu, '_')}-departments.${writer.extension}`,
    // The sheet is named after the organization, as a person would name it.
    chunks: writer.workbook ? streamWorkbook(sheetName(org.code, 'departments'), exportChunks(port, org, opts)) : exportChunks(port, org, opts),
  };
}

/** The export of the organization with this code (or `org_...` id); ORGANIZATION_NOT_FOUND if there is none. */
export async function exportByCode(
  repos: Pick<Repositories, 'organizations' | 'departmentExport'>,
  organizationCode: string,
  opts: ExportOptions,
): Promise<DepartmentExport> {
  const org = await findOrganization(repos, organizationCode);
  if (!org) throw new OrgsyncError('ORGANIZATION_NOT_FOUND', `organization "${organizationCode}" does not exist`);
  return exportOrganization(repos.departmentExport, org, opts);
}
