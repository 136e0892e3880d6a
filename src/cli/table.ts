/**
 * One small table renderer for the listing commands (`runs`, `org list`,
 * `token list`, `schedule list`): a header row, columns padded to their widest
 * cell (by code points, so "Zürich" lines up), two spaces between columns, and
 * the last column left unpadded so no line ends in blanks.
 */
export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Right-aligned (numbers). */
  right?: boolean;
}

const width = (s: string): number => [...s].length;

/** Control characters in data would move the cursor: shown escaped instead. */
function cell(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function renderTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(c.value(r))));
  const widths = columns.map((c, i) => Math.max(width(c.header), ...cells.map((row) => width(row[i]!))));
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => {
        const pad = ' '.repeat(widths[i]! - width(v));
        if (columns[i]!.right) return pad + v;
        return i === values.length - 1 ? v : v + pad;
      })
      .join('  ');
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

/** One time format everywhere in the CLI: `2026-12-04 18:48:24Z` (UTC, to the second). */
export function formatTime(value: Date | string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}
