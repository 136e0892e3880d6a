/**
 * Several statements in one round trip on a raw mysql2 connection of the
 * API-write pool (Db.apiWrites, opened with multipleStatements), for the
 * hot path of an API create (departmentCreate.ts). knex's query builder and
 * its per-query bookkeeping cost ~0.3 ms of CPU per statement, and a round
 * trip costs the same again in the driver and the socket: a create that sent
 * 9 statements one by one was bound by this process's CPU.
 *
 * Values are only ever bound (`?`, escaped by mysql2 as knex's own queries
 * are), never written into the text. The server runs the statements in order
 * and stops at the first that fails; the result says which one it was, so a
 * caller can tell a lock wait that ran out on the organization's row from
 * one on a department's.
 */
import type { Knex } from 'knex';

/** The part of a mysql2 connection (callback API) used here. */
interface RawConnection {
  query(options: { sql: string; values: unknown[] }, callback: (err: Error | null, rows: unknown) => void): { on(event: 'fields', listener: () => void): unknown };
  destroy?(): void;
}

export type BatchResult =
  /** One entry per statement: a SELECT's rows, or the driver's OK header of any other statement. */
  | { ok: true; results: unknown[] }
  /** `failedAt`: the index of the statement that failed (the ones before it ran; the ones after it did not). */
  | { ok: false; error: Error; failedAt: number };

/**
 * Sends `statements` (joined with `;`) with `values` for their `?`s, in
 * order. Announced on `knex` as its own queries are ('query' and
 * 'query-response' events, one per round trip), so whoever listens there
 * (a debug log, the test that counts a create's statements) still sees them.
 */
export function sendBatch(knex: Knex, connection: unknown, statements: readonly string[], values: readonly unknown[]): Promise<BatchResult> {
  const sql = statements.join(';\n');
  const bindings = values as unknown[];
  // Announced only to listeners that exist: the events' objects (and the rows flattened for
  // 'query-response') were ~1% of a create's CPU for a server that has none.
  const announced = knex.listenerCount('query') > 0;
  const answered = knex.listenerCount('query-response') > 0;
  if (announced) knex.emit('query', { method: 'raw', sql, bindings: [...values], statements: statements.length });
  return new Promise((resolve) => {
    // A 'fields' event marks each statement that produced its result (a SELECT's columns, or an OK packet).
    let done = 0;
    const query = (connection as RawConnection).query({ sql, values: bindings }, (err, rows) => {
      if (err) {
        resolve({ ok: false, error: err, failedAt: done });
        return;
      }
      // mysql2 gives the bare result for one statement and the list for several.
      const results = statements.length === 1 ? [rows] : (rows as unknown[]);
      if (answered) knex.emit('query-response', results.filter(Array.isArray).flat(), { method: 'raw', sql, bindings: [...values] });
      resolve({ ok: true, results });
    });
    query.on('fields', () => (done += 1));
  });
}

/** Closes a connection whose session state is unknown (a failed ROLLBACK): the pool discards it instead of reusing it. */
export function discardConnection(connection: unknown): void {
  (connection as RawConnection).destroy?.();
}
