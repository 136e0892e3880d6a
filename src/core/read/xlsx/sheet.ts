/**
 * One worksheet, streamed: its XML is inflated and tokenized in chunks and
 * handed out row by row, each cell as the user sees it (see cellText).
 */
import { formatNumber } from './numberFormat.js';
import type { SheetInfo, Workbook } from './workbook.js';
import { XmlTokenizer } from './xml.js';
import { corrupt, streamEntry } from './zip.js';

export interface SheetRow {
  /** The row number Excel shows. */
  row: number;
  /** Dense, from column A; trailing empty cells dropped. */
  cells: string[];
  /** The row's only value is one cell merged across columns: a title above the table, not its header. */
  title: boolean;
}

/** Excel's own limits: a reference beyond them is a crafted or broken file. */
const MAX_COLUMNS = 16_384;
const MAX_ROWS = 1_048_576;
/** Merged ranges are kept in memory; real sheets have a handful. */
const MAX_MERGES = 100_000;

/** `B17` → column index 1 (0-based); -1 without letters. */
export function columnIndex(ref: string): number {
  let index = 0;
  let i = 0;
  for (; i < ref.length; i++) {
    const code = ref.charCodeAt(i) & ~32;
    if (code < 65 || code > 90) break;
    index = index * 26 + (code - 64);
  }
  return i === 0 ? -1 : index - 1;
}

/** Column index (0-based) → `A`, `B`, ..., `AA`. */
export function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

function* sheetText(workbook: Workbook, sheet: SheetInfo): Generator<string, void, undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for (const chunk of streamEntry(workbook.bytes, sheet.part)) yield decoder.decode(chunk, { stream: true });
    yield decoder.decode();
  } catch (error) {
    if (error instanceof TypeError) throw corrupt(`sheet "${sheet.name}" is not valid UTF-8 XML`);
    throw error;
  }
}

/** Whether the sheet has at least one value; stops at the first. */
export function hasData(workbook: Workbook, sheet: SheetInfo): boolean {
  for (const text of sheetText(workbook, sheet)) if (/<(?:\w+:)?(?:v|t)(?:\s[^>]*)?>[^<]/.test(text)) return true;
  return false;
}

interface Merge {
  top: number;
  bottom: number;
  column: number;
}

interface Merges {
  /** Vertical merges by their top row. */
  byTop: Map<number, Merge[]>;
  /** `row:column` of the first cell of each merge spanning several columns. */
  wide: Set<string>;
}

/**
 * Merged cells are listed after the rows, so a first pass over the sheet
 * collects them. A vertical merge (a "Division" cell spanning its
 * departments' rows) has its value repeated down the merged rows, as the user
 * sees it there; a merge across columns marks a title row.
 */
function collectMerges(workbook: Workbook, sheet: SheetInfo): Merges {
  const byTop = new Map<number, Merge[]>();
  const wide = new Set<string>();
  let count = 0;
  let tail = '';
  for (const text of sheetText(workbook, sheet)) {
    const window = tail + text;
    for (const m of window.matchAll(/<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"/g)) {
      const top = Number(m[2]);
      const bottom = Number(m[4]);
      if (++count > MAX_MERGES) continue;
      if (columnIndex(m[3]!) > columnIndex(m[1]!)) wide.add(`${top}:${columnIndex(m[1]!)}`);
      if (bottom <= top) continue;
      const merges = byTop.get(top) ?? [];
      merges.push({ top, bottom, column: columnIndex(m[1]!) });
      byTop.set(top, merges);
    }
    // Keep the end: a tag may be cut by the chunk boundary (a full match in the tail is skipped by `lastIndexOf`).
    const cut = window.lastIndexOf('<');
    tail = cut === -1 ? '' : window.slice(cut).slice(0, 200);
  }
  return { byTop, wide };
}

export function* sheetRows(workbook: Workbook, sheet: SheetInfo): Generator<SheetRow, void, undefined> {
  const { byTop: merges, wide } = collectMerges(workbook, sheet);
  const filling = new Map<number, { bottom: number; value: string }>();
  const tokenizer = new XmlTokenizer();
  let row = 0;
  let cells: string[] = [];
  let column = -1;
  let type = 'n';
  let style = 0;
  let value = '';
  let inline = '';
  let inValue = false;
  let inText = false;
  let inPhonetic = false;
  const finishRow = (): SheetRow => {
    for (const [col, fill] of filling) {
      if (fill.bottom < row) filling.delete(col);
      else if ((cells[col] ?? '') === '') cells[col] = fill.value;
    }
    for (const merge of merges.get(row) ?? []) filling.set(merge.column, { bottom: merge.bottom, value: cells[merge.column] ?? '' });
    let width = cells.length;
    while (width > 0 && (cells[width - 1] ?? '').trim() === '') width--;
    const out = Array.from({ length: width }, (_, i) => cells[i] ?? '');
    const filled = out.filter((c) => c.trim() !== '').length;
    return { row, cells: out, title: filled === 1 && wide.has(`${row}:${out.findIndex((c) => c.trim() !== '')}`) };
  };
  const cellText = (): string => {
    switch (type) {
      case 's': {
        const text = workbook.sharedStrings[Number(value)];
        if (text === undefined) throw corrupt(`sheet "${sheet.name}" refers to a text that is not in the workbook`);
        return text;
      }
      case 'inlineStr':
        return inline;
      case 'b':
        return value === '1' ? 'TRUE' : value === '0' ? 'FALSE' : value;
      case 'str':
      case 'e':
      case 'd':
        return value;
      default: {
        if (value.trim() === '') return '';
        const number = Number(value);
        return Number.isNaN(number) ? value : formatNumber(number, workbook.formats[style] ?? 'General', workbook.date1904);
      }
    }
  };
  for (const text of sheetText(workbook, sheet)) {
    for (const e of tokenizer.feed(text)) {
      if (e.kind === 'text') {
        if (inValue) value += e.text;
        else if (inText && !inPhonetic) inline += e.text;
      } else if (e.kind === 'open') {
        switch (e.name) {
          case 'row':
            row = e.attrs.r ? Number(e.attrs.r) : row + 1;
            if (!Number.isInteger(row) || row < 1 || row > MAX_ROWS) throw corrupt(`sheet "${sheet.name}" has a row numbered "${e.attrs.r}"`);
            cells = [];
            column = -1;
            if (e.selfClosing) yield finishRow();
            break;
          case 'c':
            column = e.attrs.r ? columnIndex(e.attrs.r) : column + 1;
            if (column < 0 || column >= MAX_COLUMNS) throw corrupt(`sheet "${sheet.name}" has a cell "${e.attrs.r}"`);
            type = e.attrs.t ?? 'n';
            style = Number(e.attrs.s ?? 0);
            value = '';
            inline = '';
            break;
          case 'v':
            inValue = !e.selfClosing;
            break;
          case 't':
            inText = !e.selfClosing;
            break;
          case 'rPh':
            inPhonetic = !e.selfClosing;
            break;
        }
      } else {
        switch (e.name) {
          case 'c':
            cells[column] = cellText();
            break;
          case 'row':
            yield finishRow();
            break;
          case 'v':
            inValue = false;
            break;
          case 't':
            inText = false;
            break;
          case 'rPh':
            inPhonetic = false;
            break;
        }
      }
    }
  }
  tokenizer.end();
}
