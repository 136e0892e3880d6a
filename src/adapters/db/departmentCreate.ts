/**
 * An API create on MySQL/MariaDB in two round trips (issue 12: a create that
 * sent its 9 statements one at a time through knex was bound by this
 * process's CPU, ~0.3 ms per statement in knex, mysql2 and the socket):
 *
 * 1. `START TRANSACTION`; the organization's import_locks row in shared mode
 *    (organizationRowLock.ts, first, so the locking order that keeps imports
 *    and API writes apart is unchanged); the parent candidates LOCK IN SHARE
 *    MODE; the candidates in one UNION ALL (departmentCreateSql.ts). On
 *    MariaDB with one parent key, the parent's locking read is a LEFT JOIN
 *    in the organization row's statement (still locked after that row, and
 *    its wait ends at the same deadline: a parent held exclusively past it
 *    answers 503 ORGANIZATION_BUSY at once, where it waited the session's
 *    innodb_lock_wait_timeout and was retried, to the same 503 after 8
 *    attempts); the candidates take its id and path from session variables.
 *    6 statements instead of 7; measured with bench/apiCpu.ts (100,000
 *    departments, 50 connections) and a serial replay of the read round
 *    trip, see departmentCreateSql.ts;
 * 2. the department's INSERT, its history row's INSERT and `COMMIT`.
 *
 * Between them the caller's `decide` plans the row from what was read, as
 * the step-by-step path does (app/createDepartment.ts). The statements run on
 * a raw connection of the API-write pool (connection.ts: READ COMMITTED
 * sessions, multiple statements; lock.ts withApiWriteConnection: slots,
 * deadline, deadlock retries), every value bound. The server stops a batch
 * at its first failing statement, and rawBatch.ts says which one it was:
 * - a lock wait that ran out on the organization's row: LockTimeoutError
 *   (503 ORGANIZATION_BUSY), as withDepartmentWrite;
 * - a duplicate key on the department's INSERT (a concurrent create won):
 *   rolled back, and the field its unique index guards comes back as
 *   `conflict`, as departmentLookup.ts insert() gives it;
 * - anything else: rolled back and thrown (a deadlock is retried by the lock).
 *
 * Several creates of one organization (departmentCreateQueue.ts gathers
 * them) share the transaction: the reads are a fixed handful of set-based
 * statements for the whole batch (departmentCreateBatchSql.ts), each create
 * is planned from the rows read that it can ask about (core/plan/keyView.ts),
 * and the writes are one multi-row
 * INSERT of the departments and one of the history rows before the
 * `COMMIT`. What a batch cannot pin on one create (a duplicate key in its
 * INSERT, a parent's lock wait that ran out) sends each create it concerns
 * to run again alone (`alone`), where it gets the answer it would have had.
 */
import type { CreateDecision } from '../../app/ports.js';
import type { Organization, StoredDepartment } from '../../core/model.js';
import { keyIndex, viewOfKeys } from '../../core/plan/keyView.js';
import type { RowLookupKeys } from '../../core/plan/rowKeys.js';
import type { Db } from './connection.js';
import { batchReads } from './departmentCreateBatchSql.js';
import {
  byIdsStatement,
  candidatesStatement,
  lockedParentRead,
  lockParentsStatement,
  missingAncestors,
  parentVarsFor,
  type Statement,
} from './departmentCreateSql.js';
import { type DepartmentRow, toDepartment, toWriteValues, WRITE_COLUMNS } from './departmentRows.js';
import { uniqueFieldOf, type UniqueField } from './departmentWrites.js';
import { historyValues } from './history.js';
import { COLUMNS as HISTORY_COLUMNS } from './historyRows.js';
import { withApiWriteConnection } from './lock.js';
import { multiRowInsert } from './multiRow.js';
import { isLockWaitTimeout, isMariaDb, rowLockStatements } from './organizationRowLock.js';
import { type BatchResult, discardConnection, sendBatch } from './rawBatch.js';
import { TABLES } from './tables.js';
import { toDbDateTime } from './values.js';

/** `INSERT INTO departments (WRITE_COLUMNS) VALUES ?`: the `?` takes the one row as a list of rows. */
const DEPARTMENT_INSERT = multiRowInsert('mysql', TABLES.departments, WRITE_COLUMNS).sql(1);
/** The history's rows as historyRepo.record writes them (historyValues), in the same batch. */
const HISTORY_INSERT = multiRowInsert('mysql', TABLES.departmentHistory, HISTORY_COLUMNS).sql(1);

/** Statements of a batch with their values, and where each one the caller reads back sits. */
class Batch {
  readonly statements: string[] = [];
  readonly values: unknown[] = [];
  add(s: Statement | string | undefined): number {
    if (s === undefined) return -1;
    if (typeof s === 'string') return this.statements.push(s) - 1;
    this.values.push(...s.values);
    return this.statements.push(s.sql) - 1;
  }
}

/** The rows of a read (of one organization: the statements do not read organization_id back). */
const departmentsOf = (result: unknown, organizationId: string): StoredDepartment[] =>
  // A joined parent that does not exist comes back as a row of NULLs (departmentCreateSql.ts lockedParentRead).
  Array.isArray(result) ? (result as DepartmentRow[]).filter((r) => r.id !== null).map((r) => toDepartment(r, organizationId)) : [];

/** One create: the keys its plan looks up, and the plan (app/createDepartment.ts `decide`). */
export interface CreateCall<T> {
  keys: RowLookupKeys;
  decide: (fetched: StoredDepartment[]) => CreateDecision<T> | Promise<CreateDecision<T>>;
}

export interface CreateOutcome<T> {
  decision: CreateDecision<T>;
  conflict?: UniqueField;
}

/**
 * What became of one create of a batch: its outcome, an error of its own, or
 * `alone`: the batch could not tell (a duplicate key in the batch's INSERT
 * names no row; a statement of another create failed), so it runs again by
 * itself, with the answer it would have had alone. A batch of one throws
 * instead, exactly as a create did before batches.
 */
export type BatchedCreate<T> = { kind: 'done'; outcome: CreateOutcome<T> } | { kind: 'failed'; error: unknown } | { kind: 'alone' };

export type DepartmentCreates = <T>(org: Organization, calls: readonly CreateCall<T>[], opts: { timeoutSeconds: number }) => Promise<BatchedCreate<T>[]>;

/**
 * One create's reads (after `START TRANSACTION`), added to `read`: the
 * organization's row (MariaDB, one parent key: the parent's locking read
 * joined to it), the parents, the candidates; where they sit.
 */
function oneCreateReads(read: Batch, mariaDb: boolean, org: Organization, keys: RowLookupKeys, lockName: string, seconds: number) {
  const parentVars = parentVarsFor(mariaDb, keys);
  const parentRead = parentVars ? lockedParentRead(org.id, keys) : undefined;
  const rowLock = rowLockStatements(mariaDb, 'shared', seconds, parentRead);
  read.add(rowLock.before);
  const lockAt = read.add({ sql: rowLock.lock, values: [...(parentRead?.values ?? []), lockName] });
  read.add(rowLock.after);
  const parentsAt = parentRead ? lockAt : read.add(lockParentsStatement(org.id, keys));
  const candidatesAt = read.add(candidatesStatement(org.id, org.nameScope, keys, parentVars));
  return { lockAt, parentsAt, candidatesAt };
}

/**
 * Creates of one organization in one transaction on MySQL/MariaDB (see the
 * top of this file; departmentCreateQueue.ts makes the batches): each
 * create's reads in the first round trip, its plan from its own rows, and
 * every department and history row in one multi-row INSERT each with the
 * `COMMIT`. A batch of one sends the statements a create always sent.
 */
export function departmentCreates(db: Db): DepartmentCreates {
  const knex = db.apiWrites;
  if (!knex) throw new Error('departmentCreate: MySQL/MariaDB with an API-write pool only');
  return async <T>(org: Organization, calls: readonly CreateCall<T>[], opts: { timeoutSeconds: number }): Promise<BatchedCreate<T>[]> => {
    const mariaDb = await isMariaDb(db);
    const alone = calls.length === 1;
    return withApiWriteConnection(
      db,
      org.code,
      async (connection, lock) => {
        const send = (b: Batch): Promise<BatchResult> => sendBatch(knex, connection, b.statements, b.values);
        const seconds = (lock.deadline - Date.now()) / 1000;
        const plain = rowLockStatements(mariaDb, 'shared', seconds);
        // Ends a transaction that did not commit; on MySQL 8 also puts the session's lock wait back.
        const rollback = async () => {
          const undo = new Batch();
          undo.add('ROLLBACK');
          undo.add(plain.after);
          if (!(await send(undo)).ok) discardConnection(connection);
        };

        const read = new Batch();
        read.add('START TRANSACTION');
        // A batch: a fixed handful of set-based reads (departmentCreateBatchSql.ts). One create: its own
        // statements, the parent's locking read joined to the organization row's on MariaDB (departmentCreateSql.ts).
        const shared = alone ? undefined : batchReads(org.id, org.nameScope, lock.name, calls.map((c) => c.keys), seconds);
        const one = shared ? undefined : oneCreateReads(read, mariaDb, org, (calls[0] as CreateCall<T>).keys, lock.name, seconds);
        const at = shared ? shared.statements.map((st) => read.add(st)) : [];
        const got = await send(read);
        if (!got.ok) {
          await rollback();
          const timedOut = isLockWaitTimeout(got.error);
          if (timedOut && got.failedAt === (one ? one.lockAt : at[shared?.organizationAt ?? -1])) throw lock.timeout();
          if (one) throw got.error;
          // A parent held past the deadline, or anything else a batch cannot pin on one create: each runs alone.
          return calls.map(() => ({ kind: 'alone' }));
        }
        lock.acquired();

        let open = true;
        try {
          // A batch's rows, read once; each create is planned from the ones it can ask about (keyView.ts).
          const view = shared
            ? await closedView(
                org,
                shared.parentsAt.flatMap((i) => departmentsOf(got.results[at[i] as number], org.id)),
                shared.othersAt.flatMap((i) => departmentsOf(got.results[at[i] as number], org.id)),
                send,
              ).then(keyIndex)
            : undefined;
          const decided: (BatchedCreate<T> & { kind: 'done' | 'failed' })[] = [];
          for (const call of calls) {
            try {
              const fetched = view ? viewOfKeys(view, call.keys) : await closedView(org, departmentsOf(got.results[one!.parentsAt], org.id), departmentsOf(got.results[one!.candidatesAt], org.id), send);
              decided.push({ kind: 'done', outcome: { decision: await call.decide(fetched) } });
            } catch (error) {
              if (alone) throw error;
              decided.push({ kind: 'failed', error });
            }
          }
          const inserts = decided.flatMap((d) => (d.kind === 'done' && d.outcome.decision.insert ? [d.outcome.decision.insert] : []));
          if (inserts.length === 0) return decided;

          const write = new Batch();
          const rows = inserts.map((insert) => toWriteValues(insert.department, org, null, toDbDateTime(insert.now)));
          write.add({ sql: DEPARTMENT_INSERT, values: [rows] });
          const history = inserts.flatMap((insert) => Array.from(insert.changes, historyValues(org.id, insert.origin, insert.now)));
          if (history.length > 0) write.add({ sql: HISTORY_INSERT, values: [history] });
          write.add('COMMIT');
          const wrote = await send(write);
          if (wrote.ok) {
            open = false;
            return decided;
          }
          if (!alone) return decided.map((d) => (d.kind === 'done' && d.outcome.decision.insert ? { kind: 'alone' } : d));
          const conflict = wrote.failedAt === 0 ? uniqueFieldOf(wrote.error) : undefined;
          if (conflict === undefined) throw wrote.error;
          const only = decided[0] as { kind: 'done'; outcome: CreateOutcome<T> };
          return [{ kind: 'done', outcome: { decision: only.outcome.decision, conflict } }];
        } finally {
          if (open) await rollback();
        }
      },
      opts,
    );
  };
}

/**
 * The planner's view: the parents, then the other rows read (each row once);
 * deeper than the levels read (or a path that disagrees with parent_id),
 * more reads, until the view is closed under parent or a read finds nothing
 * new (an id no row has).
 */
async function closedView(org: Organization, parents: StoredDepartment[], others: StoredDepartment[], send: (b: Batch) => Promise<BatchResult>): Promise<StoredDepartment[]> {
  const seen = new Set<string>();
  const fetched: StoredDepartment[] = [];
  for (const d of [...parents, ...others]) {
    if (seen.has(d.id)) continue;
    seen.add(d.id);
    fetched.push(d);
  }
  for (let missing = missingAncestors(parents, fetched); missing.length > 0; missing = missingAncestors(parents, fetched)) {
    const more = new Batch();
    more.add(byIdsStatement(org.id, missing));
    const extra = await send(more);
    if (!extra.ok) throw extra.error;
    const found = departmentsOf(extra.results[0], org.id).filter((d) => !seen.has(d.id));
    if (found.length === 0) break;
    for (const d of found) seen.add(d.id);
    fetched.push(...found);
  }
  return fetched;
}
