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
 */
import type { CreateDecision } from '../../app/ports.js';
import type { Organization, StoredDepartment } from '../../core/model.js';
import type { RowLookupKeys } from '../../core/plan/rowKeys.js';
import type { Db } from './connection.js';
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

export type DepartmentCreate = <T>(
  org: Organization,
  keys: RowLookupKeys,
  decide: (fetched: StoredDepartment[]) => CreateDecision<T> | Promise<CreateDecision<T>>,
  opts: { timeoutSeconds: number },
) => Promise<{ decision: CreateDecision<T>; conflict?: UniqueField }>;

/** The create of DepartmentLookupPort, for a database with an API-write pool (MySQL/MariaDB). */
export function departmentCreate(db: Db): DepartmentCreate {
  const knex = db.apiWrites;
  if (!knex) throw new Error('departmentCreate: MySQL/MariaDB with an API-write pool only');
  return async (org, keys, decide, opts) => {
    const mariaDb = await isMariaDb(db);
    return withApiWriteConnection(
      db,
      org.code,
      async (connection, lock) => {
        const send = (b: Batch): Promise<BatchResult> => sendBatch(knex, connection, b.statements, b.values);
        // MariaDB, one parent key: the parent's locking read joins the organization row's (departmentCreateSql.ts).
        const parentVars = parentVarsFor(mariaDb, keys);
        const parentRead = parentVars ? lockedParentRead(org.id, keys) : undefined;
        const rowLock = rowLockStatements(mariaDb, 'shared', (lock.deadline - Date.now()) / 1000, parentRead);
        // Ends a transaction that did not commit; on MySQL 8 also puts the session's lock wait back.
        const rollback = async () => {
          const undo = new Batch();
          undo.add('ROLLBACK');
          undo.add(rowLock.after);
          if (!(await send(undo)).ok) discardConnection(connection);
        };

        const read = new Batch();
        read.add('START TRANSACTION');
        read.add(rowLock.before);
        const lockAt = read.add({ sql: rowLock.lock, values: [...(parentRead?.values ?? []), lock.name] });
        read.add(rowLock.after);
        const parentsAt = parentRead ? lockAt : read.add(lockParentsStatement(org.id, keys));
        const candidatesAt = read.add(candidatesStatement(org.id, org.nameScope, keys, parentVars));
        const got = await send(read);
        if (!got.ok) {
          await rollback();
          if (got.failedAt === lockAt && isLockWaitTimeout(got.error)) throw lock.timeout();
          throw got.error;
        }
        lock.acquired();

        let open = true;
        try {
          const parents = departmentsOf(got.results[parentsAt], org.id);
          const fetched = [...parents, ...departmentsOf(got.results[candidatesAt], org.id)];
          // Deeper than the levels read (or a path that disagrees with parent_id): more reads, until
          // the view is closed under parent or a read finds nothing new (an id no row has).
          for (let missing = missingAncestors(parents, fetched); missing.length > 0; missing = missingAncestors(parents, fetched)) {
            const more = new Batch();
            more.add(byIdsStatement(org.id, missing));
            const extra = await send(more);
            if (!extra.ok) throw extra.error;
            const found = departmentsOf(extra.results[0], org.id);
            if (found.length === 0) break;
            fetched.push(...found);
          }
          const decision = await decide(fetched);
          const insert = decision.insert;
          if (!insert) return { decision };

          const write = new Batch();
          const at = toDbDateTime(insert.now);
          write.add({ sql: DEPARTMENT_INSERT, values: [[toWriteValues(insert.department, org, null, at)]] });
          const history = Array.from(insert.changes, historyValues(org.id, insert.origin, insert.now));
          if (history.length > 0) write.add({ sql: HISTORY_INSERT, values: [history] });
          write.add('COMMIT');
          const wrote = await send(write);
          if (wrote.ok) {
            open = false;
            return { decision };
          }
          const conflict = wrote.failedAt === 0 ? uniqueFieldOf(wrote.error) : undefined;
          if (conflict === undefined) throw wrote.error;
          return { decision, conflict };
        } finally {
          if (open) await rollback();
        }
      },
      opts,
    );
  };
}
