/**
 * A small one-sheet .xlsx writer, shared by the error report
 * (report/errorXlsx.ts) and the export (export/formats.ts): the workbook's
 * fixed parts, cells as inline strings and a zip built by fflate, either at
 * once or streamed as the sheet's XML is produced.
 *
 * Formula-safe by construction: every cell is an inline string, never a
 * formula, so a value like `=HYPERLINK(...)` is shown as text and kept
 * exactly (importing the file again reads it back unchanged). A cell that
 * starts like a formula also gets Excel's "quote prefix" style, so editing it
 * in Excel keeps it text. Every style formats as text (`@`), so a code like
 * `00123` typed over in Excel stays `00123`. Pure: no I/O.
 */
import { strToU8, Zip, ZipDeflate, zipSync } from 'fflate';
import { neutraliseFormula } from './report/formulaSafe.js';

/** Cell styles, indexes into cellXfs of STYLES. */
export const PLAIN = 0 as const;
export const HEADER = 1 as const;
export const FAILED = 2 as const;
const QUOTED = 3;
const FAILED_QUOTED = 4;
export type CellStyle = typeof PLAIN | typeof HEADER | typeof FAILED;

export const escapeXml = (text: string): string =>
  text
    // Characters XML 1.0 cannot hold at all (C0 controls but tab and line breaks).
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // A raw CR would be read back as LF (XML normalises line ends): as a reference it stays a CR.
    .replace(/\r/g, '&#13;');

/** `A`, `B`, ... `Z`, `AA`, ... for a 0-based column index. */
export function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

/** One cell as an inline string; an empty plain cell is left out (the reader sees it empty). */
export function cellXml(ref: string, text: string, style: CellStyle): string {
  if (text === '' && style === PLAIN) return '';
  const looksLikeFormula = neutraliseFormula(text) !== text;
  const s = looksLikeFormula ? (style === FAILED ? FAILED_QUOTED : QUOTED) : style;
  const space = /^\s|\s$/.test(text) ? ' xml:space="preserve"' : '';
  return `<c r="${ref}" t="inlineStr"${s === PLAIN ? '' : ` s="${s}"`}><is><t${space}>${escapeXml(text)}</t></is></c>`;
}

/** Row `rowNumber` (1-based, as Excel shows it) of these cells, from column A. */
export function rowXml(rowNumber: number, cells: readonly { text: string; style: CellStyle }[]): string {
  return `<row r="${rowNumber}">${cells.map((c, i) => cellXml(`${columnName(i)}${rowNumber}`, c.text, c.style)).join('')}</row>`;
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

/** The sheet's XML before its rows: the header row frozen, so it stays in view. */
export const SHEET_HEAD =
  `${XML_DECLARATION}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
  '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>' +
  '<sheetData>';
export const SHEET_TAIL = '</sheetData></worksheet>';

const STYLES =
  `${XML_DECLARATION}<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
  '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>' +
  '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>' +
  '<fill><patternFill patternType="solid"><fgColor rgb="FFFFC7CE"/><bgColor indexed="64"/></patternFill></fill></fills>' +
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="5"><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
  '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>' +
  '<xf numFmtId="49" fontId="0" fillId="2" borderId="0" xfId="0" applyFill="1"/>' +
  '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>' +
  '<xf numFmtId="49" fontId="0" fillId="2" borderId="0" xfId="0" applyFill="1" quotePrefix="1"/></cellXfs>' +
  '</styleSheet>';

const CONTENT_TYPES =
  `${XML_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
  '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
  '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>';

const ROOT_RELS =
  `${XML_DECLARATION}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>';

const WORKBOOK_RELS =
  `${XML_DECLARATION}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>' +
  '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>';

const SHEET_PART = 'xl/worksheets/sheet1.xml';

/** Excel's rules for a sheet name: at most 31 characters, none of : \ / ? * [ ]. */
export function sheetName(name: string | undefined, fallback: string): string {
  const clean = (name ?? '').replace(/[:\\/?*[\]]/g, ' ').trim().slice(0, 31);
  return clean === '' ? fallback : clean;
}

/** Every part but the sheet, in the order they are zipped. */
function fixedParts(name: string): [string, string][] {
  const workbook =
    `${XML_DECLARATION}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
    `<sheets><sheet name="${escapeXml(name)}" sheetId="1" r:id="rId1"/></sheets></workbook>`;
  return [
    ['[Content_Types].xml', CONTENT_TYPES],
    ['_rels/.rels', ROOT_RELS],
    ['xl/workbook.xml', workbook],
    ['xl/_rels/workbook.xml.rels', WORKBOOK_RELS],
    ['xl/styles.xml', STYLES],
  ];
}

/** A workbook of one sheet named `name` whose whole XML is `sheet`. */
export function zipWorkbook(name: string, sheet: string): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [path, text] of fixedParts(name)) files[path] = strToU8(text);
  files[SHEET_PART] = strToU8(sheet);
  return zipSync(files);
}

/**
 * A workbook of one sheet named `name`, zipped as `sheet` (its XML, in pieces)
 * is produced: each piece is deflated and handed on at once, so the memory
 * held is fflate's window, not the sheet. The sheet is the last part (a zip
 * entry must be complete before the next starts), its sizes in a data
 * descriptor, as streamed zips have them.
 */
export async function* streamWorkbook(name: string, sheet: AsyncIterable<string>): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, data) => {
    if (err) failure = err;
    else out.push(data);
  });
  const drain = function* (): Generator<Uint8Array> {
    if (failure) throw failure;
    if (out.length > 0) yield* out.splice(0);
  };
  for (const [path, text] of fixedParts(name)) {
    const part = new ZipDeflate(path, { level: 6 });
    zip.add(part);
    part.push(strToU8(text), true);
  }
  const part = new ZipDeflate(SHEET_PART, { level: 6 });
  zip.add(part);
  yield* drain();
  for await (const piece of sheet) {
    part.push(strToU8(piece));
    yield* drain();
  }
  part.push(new Uint8Array(0), true);
  zip.end();
  yield* drain();
}
