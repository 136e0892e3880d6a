/**
 * What each column of the input is for: a department field (through the
 * mapping, or the vocabulary in flat shapes), a structural column (path,
 * levels, member), ignored, or unknown. Built incrementally, because NDJSON
 * reveals its keys line by line.
 */
import { FileError } from '../errors.js';
import { type ColumnMapping, type InputField, fieldForColumn } from '../normalise/vocabulary.js';
import { unknownColumnNote } from '../normalise/columnSuggest.js';
import { IGNORE } from './mapping.js';
import { type ShapeSpec, namedColumns } from './spec.js';

export class ColumnResolver {
  readonly mapping: ColumnMapping;
  private readonly seen = new Set<string>();
  private readonly structural: ReadonlySet<string>;
  /** Fields the mapping assigns explicitly: vocabulary matches for them are not used. */
  private readonly mappedFields: ReadonlySet<InputField>;

  constructor(private readonly spec: ShapeSpec) {
    this.mapping = { columnsByField: new Map(), unknown: [], defaults: spec.defaults };
    this.structural = new Set([...(spec.pathColumn === undefined ? [] : [spec.pathColumn]), ...(spec.levelColumns ?? []), ...(spec.memberColumn === undefined ? [] : [spec.memberColumn])]);
    this.mappedFields = new Set([...spec.columns.values()].filter((f): f is InputField => f !== IGNORE));
  }

  /** Registers columns in file order; known ones are skipped, so this may be called per record. */
  add(columns: Iterable<string>): void {
    for (const column of columns) {
      if (this.seen.has(column)) continue;
      this.seen.add(column);
      this.classify(column);
    }
  }

  private classify(column: string): void {
    if (this.structural.has(column)) return;
    const mapped = this.spec.columns.get(column);
    if (mapped === IGNORE) return;
    let field: InputField | 'ignored' | undefined = mapped;
    if (field === undefined && this.spec.vocabulary) {
      field = fieldForColumn(column);
      if (field !== undefined && field !== 'ignored' && this.mappedFields.has(field)) field = undefined; // the mapping chose another column
    }
    if (field === 'ignored') return;
    if (field === undefined) {
      this.mapping.unknown.push(column);
      return;
    }
    const list = this.mapping.columnsByField.get(field);
    if (list) list.push(column);
    else this.mapping.columnsByField.set(field, [column]);
  }

  /** --strict: throws UNKNOWN_COLUMN for columns that map to nothing but look like a misspelled field or a parent reference. */
  checkStrict(): void {
    if (!this.spec.strict) return;
    const notes = this.mapping.unknown.map(unknownColumnNote).filter((n): n is string => n !== undefined);
    if (notes.length === 0) return;
    throw new FileError('UNKNOWN_COLUMN', `--strict: ${notes.join('; ')}`, undefined, { columns: this.mapping.unknown });
  }

  get columns(): ReadonlySet<string> {
    return this.seen;
  }

  /**
   * Throws MAPPING_COLUMN_NOT_FOUND when a column the mapping or the flags name
   * is not in the file, naming every missing one.
   */
  checkNamedColumns(): void {
    const missing = namedColumns(this.spec).filter((c) => !this.seen.has(c));
    if (missing.length === 0) return;
    const norm = (s: string): string => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
    const near = (a: string, b: string): boolean => a === b || (Math.min(a.length, b.length) >= 3 && (a.startsWith(b) || b.startsWith(a)));
    const hint = (c: string): string => {
      const close = [...this.seen].find((s) => near(norm(s), norm(c)));
      return close === undefined ? `"${c}"` : `"${c}" (did you mean "${close}"?)`;
    };
    const available = [...this.seen].slice(0, 30).map((c) => `"${c}"`).join(', ');
    throw new FileError(
      'MAPPING_COLUMN_NOT_FOUND',
      `the file has no column ${missing.map(hint).join(', ')}; its columns are ${available || '(none)'}${this.seen.size > 30 ? ', ...' : ''}`,
      undefined,
      { missing },
    );
  }
}
