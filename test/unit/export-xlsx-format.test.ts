/**
 * The export as .xlsx (issue 14): a workbook the project's reader opens again
 * with every value exact (codes like `00123` stay text, a CR stays a CR),
 * formula-safe (inline strings only, formula-looking cells quote-prefixed),
 * and zipped as a stream (the sheet's sizes in a data descriptor, written
 * after its data, so no part was held to measure it first).
 */
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { exportOrganization } from '../../src/app/exportDepartments.js';
import type { StoredDepartment } from '../../src/core/model.js';
import { readInput } from '../../src/core/read/index.js';
import { memoryExportPort } from '../support/memoryExportPort.js';

const ORG = { id: 'org_1', code: 'acme:hq', name: 'ACME', nameScope: 'organization' as const };

function dept(i: number, fields: Partial<StoredDepartment>): StoredDepartment {
  return {
    id: `dept_${i}`,
    organizationId: ORG.id,
    parentId: null,
    path: `/dept_${i}`,
    depth: 0,
    memberCount: 0,
    code: null,
    openDepartmentId: null,
    name: `D${i}`,
    description: null,
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

const TREE: StoredDepartment[] = [
  dept(1, { code: '00123', name: 'Head office', description: '=HYPERLINK("http://evil.example")', customData: { cost: 7 } }),
  dept(2, { code: '-5', name: '+Plus', parentId: 'dept_1', path: '/dept_1/dept_2', depth: 1, description: 'two\r\nlines', isActive: false }),
  dept(3, { code: '1E5', name: ' padded ', parentId: 'dept_1', path: '/dept_1/dept_3', depth: 1, location: 'Zürich & <Bern>' }),
];

async function exportXlsx(): Promise<{ bytes: Uint8Array; contentType: string; fileName: string }> {
  const exported = exportOrganization(memoryExportPort(TREE), ORG, { format: 'xlsx', activeOnly: false });
  const parts: Buffer[] = [];
  for await (const chunk of exported.chunks) {
    expect(chunk).toBeInstanceOf(Uint8Array);
    parts.push(Buffer.from(chunk));
  }
  return { bytes: Buffer.concat(parts), contentType: exported.contentType, fileName: exported.fileName };
}

describe('export as xlsx', () => {
  it('is read back by the reader with every value exact', async () => {
    const { bytes, contentType, fileName } = await exportXlsx();
    expect(contentType).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(fileName).toBe('acme_hq-departments.xlsx');
    const input = await readInput((async function* () { yield bytes; })(), {});
    expect(input.format).toBe('xlsx');
    const rows: Record<string, unknown>[] = [];
    for await (const r of input.records) rows.push({ row: r.row, ...r.values });
    expect(input.columns.slice(0, 4)).toEqual(['code', 'openDepartmentId', 'name', 'parentCode']);
    expect(rows.map((r) => [r.row, r.code, r.name, r.parentCode, r.description, r.location, r.customData, r.isActive])).toEqual([
      [2, '00123', 'Head office', '', '=HYPERLINK("http://evil.example")', '', '{"cost":7}', 'true'],
      [3, '-5', '+Plus', '00123', 'two\r\nlines', '', '', 'false'],
      [4, '1E5', ' padded ', '00123', '', 'Zürich & <Bern>', '', 'true'],
    ]);
  });

  it('is formula-safe: text cells only, formula-looking ones quote-prefixed, the sheet named after the organization', async () => {
    const parts = unzipSync((await exportXlsx()).bytes);
    const sheet = new TextDecoder().decode(parts['xl/worksheets/sheet1.xml']);
    expect(sheet).not.toMatch(/<f[ >]/u);
    expect([...sheet.matchAll(/<c [^>]*>/gu)].every((m) => m[0].includes('t="inlineStr"'))).toBe(true);
    const styleOf = (text: string) => new RegExp(`<c r="[A-Z]+\\d+" t="inlineStr"( s="\\d")?><is><t[^>]*>${text}</t>`, 'u').exec(sheet)?.[1];
    expect(styleOf('=HYPERLINK\\(&quot;http://evil.example&quot;\\)')).toBe(' s="3"');
    expect(styleOf('-5')).toBe(' s="3"');
    expect(styleOf('\\+Plus')).toBe(' s="3"');
    expect(styleOf('00123')).toBeUndefined();
    // XML parsers (Excel's) turn a raw CR into LF (XML 1.0, 2.11): written as a reference, it stays a CR.
    expect(sheet).not.toContain('\r');
    expect(sheet).toContain('two&#13;\nlines');
    expect(new TextDecoder().decode(parts['xl/workbook.xml'])).toContain('<sheet name="acme hq"');
  });

  it('is zipped as a stream: the sheet part carries a data descriptor', async () => {
    const { bytes } = await exportXlsx();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const flagsOf = (part: string): number => {
      const name = new TextEncoder().encode(part);
      for (let at = 0; at + 30 < bytes.length; at++) {
        if (view.getUint32(at, true) !== 0x04034b50) continue;
        const length = view.getUint16(at + 26, true);
        if (length === name.length && Buffer.from(bytes.subarray(at + 30, at + 30 + length)).equals(name)) return view.getUint16(at + 6, true);
      }
      throw new Error(`no part ${part}`);
    };
    // Bit 3: sizes and CRC follow the data, as only a writer that did not hold the part whole writes them.
    expect(flagsOf('xl/worksheets/sheet1.xml') & 8).toBe(8);
  });
});
