/**
 * Sends a transaction's statements in order, on MySQL/MariaDB with the next
 * one queued while the server runs the one before (one ahead).
 *
 * Why: a fresh 100,000-department import writes 356 multi-row INSERTs, and
 * awaited one by one, everything this process does per statement (building
 * the rows, escaping them, knex's bookkeeping) is added to the server's time:
 * measured 2026-12-05 (in-process import, socket writes and answers timed),
 * the server sat idle between an answer and the next statement for 0.73-1.38
 * s of a 4.4-10.4 s write phase (load average 1.3-7); one ahead, 0.00 s.
 * mysql2 queues a statement given while another runs on the same connection
 * (escaping it then) and sends it when the answer comes, so queuing N+1
 * before awaiting N does that work while the server works on N. The server still runs one statement at a time,
 * in the order given, on the transaction's one connection.
 *
 * Guarantees: statements reach the driver in the order given (each is started
 * only once the one before is in the driver's queue: knex emits a builder's
 * `query` event in the same synchronous step as it hands the statement to
 * mysql2); the first failure is what this throws, after the statement queued
 * behind it has settled (none of these statements is still running when the
 * caller rolls back; the rollback is queued after them anyway); `onDone`
 * reports a statement's rows only once its answer has come.
 *
 * SQLite (better-sqlite3) runs each statement synchronously in this process:
 * nothing to overlap, so statements are simply awaited one by one.
 */
import type { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import type { Dialect } from './connection.js';

export interface CountedStatement {
  statement: Knex.QueryBuilder | Knex.Raw;
  /** Rows it writes (for progress); 0 for a statement that is not counted. */
  rows: number;
}

interface InFlight {
  done: Promise<unknown>;
  rows: number;
}

/**
 * Starts `statement` and resolves once it is in the driver's queue (its
 * `query` event), with its completion (in an object: resolving with the
 * promise itself would wait for it).
 */
function start(statement: Knex.QueryBuilder | Knex.Raw): Promise<{ done: Promise<unknown> }> {
  return new Promise<{ done: Promise<unknown> }>((queued, failed) => {
    // Both builders are EventEmitters at run time (knex's runner emits `query` on them); the types omit it.
    (statement as unknown as EventEmitter).once('query', () => queued({ done }));
    // A failure before the statement reaches the driver (none is expected) rejects both.
    const done: Promise<unknown> = Promise.resolve(statement).then(
      (result) => {
        queued({ done }); // (a statement that sent nothing: no `query` event)
        return result;
      },
      (err: unknown) => {
        failed(err);
        throw err;
      },
    );
    // Awaited by the caller in order; this keeps a rejection of a statement queued
    // behind a failed one from being reported as unhandled.
    done.catch(() => undefined);
  });
}

export async function sendInOrder(dialect: Dialect, statements: Iterable<CountedStatement>, onDone?: (rows: number) => void): Promise<void> {
  if (dialect !== 'mysql') {
    for (const { statement, rows } of statements) {
      await statement;
      onDone?.(rows);
    }
    return;
  }
  let previous: InFlight | undefined;
  try {
    for (const { statement, rows } of statements) {
      const { done } = await start(statement);
      if (previous) {
        const p = previous;
        previous = undefined;
        await settleBefore(p, done);
        onDone?.(p.rows);
      }
      previous = { done, rows };
    }
    if (previous) {
      const p = previous;
      previous = undefined;
      await p.done;
      onDone?.(p.rows);
    }
  } finally {
    // Thrown from the loop (a statement failed, or building the next one threw):
    // wait for the one still in flight before the caller's rollback.
    if (previous) await previous.done.catch(() => undefined);
  }
}

/** Awaits `p`; if it failed, waits for `next` (queued behind it) to settle too, then throws p's error. */
async function settleBefore(p: InFlight, next: Promise<unknown>): Promise<void> {
  try {
    await p.done;
  } catch (err) {
    await next.catch(() => undefined);
    throw err;
  }
}
