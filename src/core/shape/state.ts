/**
 * What every shape shares while records stream: the rows for the planner, the
 * rows rejected on the way, the counts, --clean-names notes, and turning one
 * record into a department row (normaliseRecord, plus --keep-unknown-columns).
 */
import type { RowIssue } from '../errors.js';
import type { DepartmentRow, InputFormat, JsonObject, JsonValue, SourceRecord } from '../model.js';
import { type CleanedName, type NormalisedRow, type NormaliseOptions, normaliseRecord } from '../normalise/normaliseRow.js';
import { containsLoneSurrogate, LONE_SURROGATE_MESSAGE, printable } from '../normalise/characters.js';
import { isBlank } from '../normalise/values.js';
import { unknownColumnNote } from '../normalise/columnSuggest.js';
import { ColumnResolver } from './columns.js';
import { RawCompactor } from './derivedRaw.js';
import { SharedParentRefs } from './sharedRefs.js';
import type { RejectedRow } from './shaped.js';
import type { ShapeSpec } from './spec.js';
import { rowLabel } from './variants.js';

const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;
const FIELD_WORDS: Record<string, string> = { parent: 'parent reference' };

export class ShapeState {
  readonly resolver: ColumnResolver;
  readonly rows: NormalisedRow[] = [];
  readonly rejected: RejectedRow[] = [];
  inputRows = 0;
  mergedRows = 0;
  /** --clean-names: each distinct value changed (by field), with the first row and how often. */
  private readonly cleaned = new Map<string, { row: number; change: CleanedName; count: number }>();

  constructor(readonly spec: ShapeSpec) {
    this.resolver = new ColumnResolver(spec);
  }

  noteCleaned(row: number, c: CleanedName): void {
    const key = `${c.field}\u0000${c.before}`;
    const seen = this.cleaned.get(key);
    if (seen) seen.count++;
    else this.cleaned.set(key, { row, change: c, count: 1 });
  }

  /** Rows whose record they rebuild keep no record (derivedRaw.ts); made on first use. */
  private compactor: RawCompactor | undefined;

  /** `n` as the planner keeps it: without its record when the row rebuilds it. Once `n` is final. */
  keep(n: NormalisedRow, record: SourceRecord): NormalisedRow {
    // A row with issues will be in the report: it keeps its record as read.
    if (n.issues.length > 0) return n;
    n.row.parent = this.parents.shared(n.row.parent);
    n.row = (this.compactor ??= new RawCompactor(this.resolver.mapping)).compact(n.row, record);
    return n;
  }

  /** The same for every record (made once, not per row). */
  private normaliseOptions: NormaliseOptions | undefined;

  /** Siblings' parent references, one object each (sharedRefs.ts). */
  private readonly parents = new SharedParentRefs();

  normalise(record: SourceRecord): NormalisedRow {
    const n = normaliseRecord(record, this.resolver.mapping, (this.normaliseOptions ??= { parentRef: this.spec.parentRef, cleanNames: this.spec.cleanNames }));
    if (n.cleaned) for (const c of n.cleaned) this.noteCleaned(record.row, c);
    if (this.spec.keepUnknownColumns) this.keepUnknown(record, n);
    return n;
  }

  /** --keep-unknown-columns: unmapped columns' non-empty values go into customData (an explicit customData's keys win). */
  private keepUnknown(record: SourceRecord, n: NormalisedRow): void {
    const unknown = this.resolver.mapping.unknown;
    if (unknown.length === 0) return;
    const kept: JsonObject = {};
    const put = (key: string, value: JsonValue): void => {
      Object.defineProperty(kept, key, { value, enumerable: true, writable: true, configurable: true });
    };
    for (const column of unknown) {
      if (!Object.hasOwn(record.values, column) || isBlank(record.values[column])) continue;
      // These values skip the normaliser's field gate: the same rule, here.
      if (containsLoneSurrogate(column) || containsLoneSurrogate(record.values[column])) {
        if (n.issues.length === 0) n.issues = [];
        n.issues.push({ row: record.row, code: 'INVALID_FIELD', field: 'customData', message: `the column ${printable(column)} ${LONE_SURROGATE_MESSAGE}` });
        return;
      }
      put(column, record.values[column] as JsonValue);
    }
    const explicit = n.row.fields.customData;
    if (explicit) for (const key of Object.keys(explicit)) put(key, explicit[key]!);
    // Deterministic, so a re-run is unchanged: nothing to keep clears what an earlier run kept.
    n.row.fields.customData = Object.keys(kept).length > 0 ? kept : null;
  }

  reject(n: { row: DepartmentRow; issues: RowIssue[] }, key = rowLabel(n.row)): void {
    this.rejected.push({ row: n.row.row, key, raw: n.row.raw, issues: n.issues.map((i) => ({ ...i, key })) });
  }

  rejectRecord(record: SourceRecord, issues: RowIssue[], key: string): void {
    this.rejected.push({ row: record.row, key, raw: record.values, issues: issues.map((i) => ({ ...i, key })) });
  }

  warnings(format: InputFormat): string[] {
    const warnings: string[] = [];
    const { unknown, columnsByField } = this.resolver.mapping;
    const noted = unknown.filter((c) => unknownColumnNote(c) !== undefined);
    for (const column of noted) warnings.push(unknownColumnNote(column)!);
    const rest = unknown.filter((c) => !noted.includes(c));
    if (rest.length > 0) {
      // Names are listed as written, unless invisible or unpaired characters would hide what they are.
      const list = rest.map((c) => (INVISIBLE.test(c) || containsLoneSurrogate(c) ? printable(c) : c)).join(', ');
      warnings.push(this.spec.keepUnknownColumns ? `kept in customData (--keep-unknown-columns): ${list}` : `ignored columns that match no department field: ${list}`);
    }
    if (this.spec.kind === 'flat' && format === 'csv' && this.resolver.columns.size > 0 && !columnsByField.has('name')) {
      warnings.push('the file has no name column');
    }
    for (const { row, change, count } of this.cleaned.values()) {
      const more = count > 1 ? ` (and on ${count - 1} more ${count === 2 ? 'row' : 'rows'})` : '';
      const field = FIELD_WORDS[change.field] ?? change.field;
      warnings.push(`row ${row}: removed ${change.removed} from the ${field} ${printable(change.before)}, now ${printable(change.after)}${more}`);
    }
    return warnings;
  }
}
