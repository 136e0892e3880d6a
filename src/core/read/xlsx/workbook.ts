/**
 * The parts of a workbook a sheet needs: its sheets (names, order, parts),
 * the date system, the number format of each cell style, the shared strings.
 */
import { FileError } from '../../errors.js';
import { builtInFormat } from './numberFormat.js';
import { xmlEvents } from './xml.js';
import { type ZipEntry, corrupt, listEntries, readEntry } from './zip.js';

export interface SheetInfo {
  name: string;
  /** 1-based, in the workbook's tab order. */
  index: number;
  hidden: boolean;
  part: ZipEntry;
}

export interface Workbook {
  bytes: Uint8Array;
  sheets: SheetInfo[];
  date1904: boolean;
  /** Cell style index (`s`) → number format code. */
  formats: string[];
  sharedStrings: string[];
}

/** Shared strings are held whole (a sheet refers to them by index), so they get a tighter bound. */
const MAX_SHARED_STRINGS_BYTES = 256 * 2 ** 20;

function resolve(base: string, target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = base.split('/').slice(0, -1);
  for (const piece of target.split('/')) {
    if (piece === '..') parts.pop();
    else if (piece !== '.') parts.push(piece);
  }
  return parts.join('/');
}

function relationships(bytes: Uint8Array, entries: Map<string, ZipEntry>, owner: string): Map<string, string> {
  const slash = owner.lastIndexOf('/');
  const relsName = `${owner.slice(0, slash + 1)}_rels/${owner.slice(slash + 1)}.rels`;
  const rels = new Map<string, string>();
  const entry = entries.get(relsName);
  if (!entry) return rels;
  for (const e of xmlEvents(readEntry(bytes, entry))) {
    if (e.kind === 'open' && e.name === 'Relationship' && e.attrs.Id && e.attrs.Target) {
      rels.set(e.attrs.Id, e.attrs.TargetMode === 'External' ? '' : resolve(owner, e.attrs.Target));
    }
  }
  return rels;
}

/** Throws the precise error for a zip that is not an Excel workbook. */
function notAWorkbook(bytes: Uint8Array, entries: Map<string, ZipEntry>): FileError {
  const mimetype = entries.get('mimetype');
  const kind = mimetype ? new TextDecoder().decode(readEntry(bytes, mimetype, 1024)) : '';
  if (kind.includes('opendocument.spreadsheet')) {
    return new FileError('UNSUPPORTED_FORMAT', 'this is an OpenDocument spreadsheet (.ods); save it as Excel (.xlsx) or "CSV UTF-8" and import that file');
  }
  return new FileError('UNSUPPORTED_FORMAT', 'this is a zip archive but not an Excel workbook (it has no xl/workbook.xml); import an .xlsx, CSV, YAML or JSON file');
}

function readStyles(bytes: Uint8Array, entry: ZipEntry | undefined): string[] {
  if (!entry) return [];
  const custom = new Map<number, string>();
  const formats: string[] = [];
  let inCellXfs = false;
  for (const e of xmlEvents(readEntry(bytes, entry))) {
    if (e.kind === 'open' && e.name === 'numFmt') custom.set(Number(e.attrs.numFmtId), e.attrs.formatCode ?? 'General');
    else if (e.kind === 'open' && e.name === 'cellXfs') inCellXfs = !e.selfClosing;
    else if (e.kind === 'close' && e.name === 'cellXfs') inCellXfs = false;
    else if (e.kind === 'open' && e.name === 'xf' && inCellXfs) {
      const id = Number(e.attrs.numFmtId ?? 0);
      formats.push(custom.get(id) ?? builtInFormat(id));
    }
  }
  return formats;
}

function readSharedStrings(bytes: Uint8Array, entry: ZipEntry | undefined): string[] {
  if (!entry) return [];
  const strings: string[] = [];
  let current = '';
  let inText = false;
  let inPhonetic = false; // <rPh>: the reading aid of East Asian text, not shown in the cell
  for (const e of xmlEvents(readEntry(bytes, entry, MAX_SHARED_STRINGS_BYTES))) {
    if (e.kind === 'open') {
      if (e.name === 'si') current = '';
      else if (e.name === 'rPh') inPhonetic = !e.selfClosing;
      else if (e.name === 't') inText = !e.selfClosing;
    } else if (e.kind === 'close') {
      if (e.name === 'si') strings.push(current);
      else if (e.name === 'rPh') inPhonetic = false;
      else if (e.name === 't') inText = false;
    } else if (inText && !inPhonetic) current += e.text;
  }
  return strings;
}

export function openWorkbook(bytes: Uint8Array): Workbook {
  const entries = listEntries(bytes);
  const rootRels = relationships(bytes, entries, '');
  const workbookName = [...rootRels.values()].find((t) => /(^|\/)workbook\.xml$/.test(t)) ?? 'xl/workbook.xml';
  const workbookEntry = entries.get(workbookName);
  if (!workbookEntry || !entries.has('[Content_Types].xml')) throw notAWorkbook(bytes, entries);
  const rels = relationships(bytes, entries, workbookName);
  const sheets: SheetInfo[] = [];
  let date1904 = false;
  for (const e of xmlEvents(readEntry(bytes, workbookEntry))) {
    if (e.kind !== 'open') continue;
    if (e.name === 'workbookPr') date1904 = e.attrs.date1904 === '1' || e.attrs.date1904 === 'true';
    if (e.name === 'sheet') {
      const target = rels.get(e.attrs.id ?? '');
      const part = target ? entries.get(target) : undefined;
      if (!part) continue; // a chart sheet or a dangling reference: nothing to read
      sheets.push({ name: e.attrs.name ?? `Sheet${sheets.length + 1}`, index: sheets.length + 1, hidden: (e.attrs.state ?? 'visible') !== 'visible', part });
    }
  }
  if (sheets.length === 0) throw corrupt('it has no worksheet');
  const partOf = (suffix: string): ZipEntry | undefined => {
    const target = [...rels.values()].find((t) => t.endsWith(suffix));
    return target ? entries.get(target) : undefined;
  };
  return {
    bytes,
    sheets,
    date1904,
    formats: readStyles(bytes, partOf('styles.xml')),
    sharedStrings: readSharedStrings(bytes, partOf('sharedStrings.xml')),
  };
}
