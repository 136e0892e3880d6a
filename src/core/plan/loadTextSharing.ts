/**
 * The file's text, shared with the stored departments as the load receives
 * them: shareTextByKeys (sharedText.ts) does it when planning starts, but by
 * then the database's copies of each name, code and description (~100 bytes a
 * department of the bench's rows) have lived through the load, long enough
 * to be moved to the old generation, where an import's garbage stays to its
 * end (bench/README.md): a part of the unchanged re-import's peak.
 *
 * The file is still being read while the load starts (importUnderLock.ts:
 * both run at once), so the sharing starts when the file is read: the
 * departments received from then on take the row's strings where the text
 * is equal (measured at 1,000,000 departments: the file was read after ~20%
 * of the load, the JavaScript thread being the bottleneck of both);
 * shareTextByKeys does the others. The same text either way, so nothing that
 * reads a department can tell.
 */
import type { StoredDepartment } from '../model.js';
import type { NormalisedRow } from '../normalise/normaliseRow.js';
import { KeyIndex } from './keyIndex.js';
import { shareEqualText } from './sharedText.js';

export class LoadTextSharing {
  private rows: readonly NormalisedRow[] = [];
  /** The file's rows by code (the first of duplicates); undefined until the file is read, and after `release`. */
  private byCode: KeyIndex | undefined;

  /** The file is read: departments received from now on share its text. */
  use(rows: readonly NormalisedRow[]): void {
    let codes = 0;
    for (const { row } of rows) if (row.fields.code != null) codes++;
    const index = new KeyIndex((at) => rows[at]!.row.fields.code!, codes);
    for (let at = 0; at < rows.length; at++) {
      const code = rows[at]!.row.fields.code;
      if (code != null) index.addIfAbsent(code, at);
    }
    this.rows = rows;
    this.byCode = index;
  }

  /** For the load to call with each department it receives (before anything else holds it). */
  readonly share = (d: StoredDepartment): void => {
    if (this.byCode === undefined || d.code === null) return;
    const at = this.byCode.get(d.code);
    if (at < 0) return;
    const fields = this.rows[at]!.row.fields;
    d.code = fields.code!;
    shareEqualText(d, fields);
  };

  /** The load ended: the index is not needed any more. */
  release(): void {
    this.byCode = undefined;
    this.rows = [];
  }
}
