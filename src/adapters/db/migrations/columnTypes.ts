/**
 * Column types per dialect. MySQL needs the character set and collation of
 * every text column spelled out (see 0001_initial.ts for why each is chosen);
 * SQLite compares text byte-wise (BINARY) anyway and ignores lengths.
 */
import type { Dialect } from '../connection.js';

export interface ColumnTypes {
  /**
   * Text compared exactly (case-, accent- and width-sensitive): user keys such
   * as names and codes, and our ids (`org_`/`dept_`/`run_` + ULID, where
   * `dept_01H…` and `dept_01h…` must stay different).
   */
  binaryText(length: number): string;
  /** A JSON document. */
  json: string;
  /** Millisecond-precision UTC datetime. */
  datetime: string;
}

export function columnTypes(dialect: Dialect): ColumnTypes {
  if (dialect === 'mysql') {
    return {
      binaryText: (length) => `varchar(${length}) character set utf8mb4 collate utf8mb4_bin`,
      // MySQL 8: native JSON. MariaDB: an alias of LONGTEXT with a JSON_VALID
      // check, so values come back as text there (values.ts normalises).
      json: 'json',
      datetime: 'datetime(3)',
    };
  }
  return {
    binaryText: (length) => `varchar(${length})`,
    // Not `json`: that declared type gives SQLite NUMERIC affinity.
    json: 'text',
    // Holds the UTC text from values.toDbDateTime.
    datetime: 'datetime',
  };
}
