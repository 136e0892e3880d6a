/**
 * The record as read, for the fix-and-reimport report, without keeping it
 * when the row itself says it exactly.
 *
 * A run keeps every row's original record for its whole length: any row may
 * fail, and the organization's lock may plan again against other stored data.
 * For a usual CSV row each cell is exactly a value the row holds anyway (the
 * name, the code, the parent's code, ...). Such a row keeps instead the
 * file's column layout (one object per file) and rebuilds its record when a
 * report asks for it: the record object and its keys were ~56 bytes a row,
 * ~56 MB held through an import of 1,000,000 rows. A row whose record cannot
 * be rebuilt to the very same values (a cell trimmed or changed by reading,
 * an unmapped or JSON column with a value, a mapping's default, a row with
 * issues) keeps its record as before.
 */
import type { DepartmentFields, DepartmentRow, ParentRef, SourceRecord } from '../model.js';
import type { ColumnMapping, InputField } from '../normalise/vocabulary.js';

/** Fields read from a column as the text they hold (values.ts: parseText and the like, unchanged when already trimmed). */
const TEXT_FIELDS: ReadonlySet<InputField> = new Set(['name', 'description', 'code', 'openDepartmentId', 'location', 'color', 'tenantId']);
const PARENT_FIELDS: ReadonlySet<InputField> = new Set(['parent', 'parentCode', 'parentOpenDepartmentId']);

/**
 * The text a row gives back for a column of `field`: the value it holds, ''
 * when it holds none. Verified against the record before the record is
 * dropped (see compactRow): a rebuilt record is the one read, by construction.
 */
function textFor(row: DepartmentRow, field: InputField | undefined): string {
  if (field === undefined) return '';
  if (TEXT_FIELDS.has(field)) {
    const v = row.fields[field as keyof DepartmentFields];
    return typeof v === 'string' ? v : '';
  }
  if (PARENT_FIELDS.has(field)) {
    const p = row.parent;
    return p.kind === 'ref' && p.field === field ? p.value : '';
  }
  if (field === 'id') return row.id ?? '';
  if (field === 'organization') return row.organization ?? '';
  return '';
}

/** A file's columns (in the records' key order) and the field each feeds. */
export class RawLayout {
  readonly fields: (InputField | undefined)[];

  constructor(
    readonly keys: readonly string[],
    mapping: ColumnMapping,
  ) {
    const byColumn = new Map<string, InputField>();
    for (const [field, columns] of mapping.columnsByField) for (const c of columns) byColumn.set(c, field);
    this.fields = keys.map((k) => byColumn.get(k));
  }

  /** Whether `values` has exactly these keys, in this order. */
  fits(keys: readonly string[]): boolean {
    if (keys.length !== this.keys.length) return false;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== this.keys[i]) return false;
    return true;
  }

  /** Whether every cell of `values` is the text `row` gives back for its column. */
  rebuilds(row: DepartmentRow, values: Record<string, unknown>): boolean {
    for (let i = 0; i < this.keys.length; i++) {
      if (values[this.keys[i]!] !== textFor(row, this.fields[i])) return false;
    }
    return true;
  }

  /** The record, as the reader made it (a null-prototype object, keys in order). */
  rebuild(row: DepartmentRow): Record<string, unknown> {
    const values = Object.setPrototypeOf({}, null) as Record<string, unknown>;
    for (let i = 0; i < this.keys.length; i++) values[this.keys[i]!] = textFor(row, this.fields[i]);
    return values;
  }
}

/** A department row whose record is rebuilt from it on demand (see above). */
class RowWithLayout implements DepartmentRow {
  declare id?: string;
  declare organization?: string;

  constructor(
    readonly row: number,
    public fields: Partial<DepartmentFields>,
    public parent: ParentRef,
    private readonly layout: RawLayout,
  ) {}

  get raw(): Record<string, unknown> {
    return this.layout.rebuild(this);
  }
}

/** Remembers the layout of the last record: a CSV's records all share one. */
export class RawCompactor {
  private layout: RawLayout | undefined;

  constructor(private readonly mapping: ColumnMapping) {}

  /**
   * `row` itself, or the same row without its record when the layout
   * rebuilds it exactly. Call once the row is final (nothing changes its
   * fields or parent afterwards).
   */
  compact(row: DepartmentRow, record: SourceRecord): DepartmentRow {
    if (this.mapping.defaults !== undefined && this.mapping.defaults.size > 0) return row;
    const keys = Object.keys(record.values);
    if (this.layout === undefined || !this.layout.fits(keys)) this.layout = new RawLayout(keys, this.mapping);
    if (!this.layout.rebuilds(row, record.values)) return row;
    const compact = new RowWithLayout(row.row, row.fields, row.parent, this.layout);
    if (row.id !== undefined) compact.id = row.id;
    if (row.organization !== undefined) compact.organization = row.organization;
    return compact;
  }
}
