/**
 * API creates of one organization, gathered into batches while earlier ones
 * are in the database (group commit): on MariaDB, a create that arrives
 * while MAX_BATCHES_IN_FLIGHT batches of its organization are running waits
 * for the first of them to end, and goes with every create that arrived
 * meanwhile (up to MAX_BATCH) in one transaction (departmentCreate.ts
 * departmentCreates). A create that finds a batch free starts at once, alone:
 * nothing waits for company.
 *
 * Why: a create alone is 6 statements in two round trips; at 50 concurrent
 * connections its cost was the database's work per statement and per
 * transaction (parsing, the commit, the INSERT's own overhead: ~0.9 ms of
 * MariaDB's CPU against the floor's ~0.36, bench/README.md), not the rows.
 * A batch pays the transaction, the commit and the two INSERT statements
 * once, and each create keeps only its reads.
 *
 * What a create answers does not change: its plan is made from rows read
 * under the same locks, in the same transaction as its INSERT; creates of a
 * batch are concurrent requests, so any order among them is a serial order
 * (none had its answer when the batch began). Two of a batch that claim one
 * name, code or openDepartmentId fail the batch's INSERT on the unique
 * index: the batch rolls back and each of its creates runs again alone
 * (departmentCreate.ts `alone`), where the index says which one lost. Each
 * create keeps its own deadline: time spent waiting for a batch counts
 * against its lock timeout, and one whose deadline passed answers
 * 503 ORGANIZATION_BUSY without running.
 *
 * MySQL 8 creates run alone: its lock statements are per session
 * (organizationRowLock.ts), and no MySQL 8 is at hand to measure a batch on.
 */
import type { Organization } from '../../core/model.js';
import type { Db } from './connection.js';
import { type CreateCall, type CreateOutcome, departmentCreates } from './departmentCreate.js';
import { LockTimeoutError } from './lock.js';
import { isMariaDb } from './organizationRowLock.js';

/**
 * Batches of one organization in the database at once (per process). Two
 * keep the database busy while this process plans the other's rows; more
 * split the waiting creates into smaller batches for no gain on 2 cores.
 */
export const MAX_BATCHES_IN_FLIGHT = 2;
/** Creates in one batch: its INSERT stays far below the statement size batch.ts keeps to. */
export const MAX_BATCH = 32;

export type DepartmentCreate = <T>(
  org: Organization,
  keys: CreateCall<T>['keys'],
  decide: CreateCall<T>['decide'],
  opts: { timeoutSeconds: number },
) => Promise<CreateOutcome<T>>;

interface Waiting {
  call: CreateCall<unknown>;
  org: Organization;
  timeoutSeconds: number;
  deadline: number;
  resolve: (outcome: CreateOutcome<unknown>) => void;
  reject: (error: unknown) => void;
}

interface OrganizationQueue {
  waiting: Waiting[];
  running: number;
}

/** Waiting creates per organization, per database handle: every repository made on it shares them. */
const queuesByDb = new WeakMap<object, Map<string, OrganizationQueue>>();

/** The create of DepartmentLookupPort, for a database with an API-write pool (MySQL/MariaDB). */
export function departmentCreate(db: Db): DepartmentCreate {
  const run = departmentCreates(db);
  const queues = queuesByDb.get(db.knex) ?? new Map<string, OrganizationQueue>();
  queuesByDb.set(db.knex, queues);

  /** One create alone, with what is left of its deadline. */
  const runAlone = async (w: Waiting): Promise<CreateOutcome<unknown>> => {
    const [only] = await run(w.org, [w.call], { timeoutSeconds: secondsLeft(w) });
    if (only?.kind === 'done') return only.outcome;
    throw only?.kind === 'failed' ? only.error : new Error('departmentCreate: a create alone came back unanswered');
  };

  const runBatch = async (batch: Waiting[]): Promise<void> => {
    const live = batch.filter((w) => {
      if (secondsLeft(w) > 0) return true;
      w.reject(new LockTimeoutError(w.org.code, w.timeoutSeconds, 'write'));
      return false;
    });
    const first = live[0];
    if (!first) return;
    if (live.length === 1) {
      await runAlone(first).then(first.resolve, first.reject);
      return;
    }
    let outcomes;
    try {
      outcomes = await run(
        first.org,
        live.map((w) => w.call),
        { timeoutSeconds: Math.min(...live.map(secondsLeft)) },
      );
    } catch (error) {
      // The whole batch's error (the organization's lock, the database): each create's own answer.
      for (const w of live) w.reject(error instanceof LockTimeoutError ? new LockTimeoutError(w.org.code, w.timeoutSeconds, 'write') : error);
      return;
    }
    await Promise.all(
      live.map(async (w, i) => {
        const o = outcomes[i];
        if (o?.kind === 'done') w.resolve(o.outcome);
        else if (o?.kind === 'failed') w.reject(o.error);
        else await runAlone(w).then(w.resolve, w.reject);
      }),
    );
  };

  const pump = (key: string, queue: OrganizationQueue): void => {
    while (queue.running < MAX_BATCHES_IN_FLIGHT && queue.waiting.length > 0) {
      const batch = queue.waiting.splice(0, MAX_BATCH);
      queue.running += 1;
      void runBatch(batch)
        // Never expected (runBatch answers every create itself): whoever is still waiting gets the error.
        .catch((error: unknown) => {
          for (const w of batch) w.reject(error);
        })
        .finally(() => {
          queue.running -= 1;
          if (queue.running === 0 && queue.waiting.length === 0) queues.delete(key);
          else pump(key, queue);
        });
    }
  };

  return async <T>(org: Organization, keys: CreateCall<T>['keys'], decide: CreateCall<T>['decide'], opts: { timeoutSeconds: number }) => {
    const call: CreateCall<T> = { keys, decide };
    if (!(await isMariaDb(db))) {
      const [only] = await run(org, [call], opts);
      if (only?.kind === 'done') return only.outcome;
      throw only?.kind === 'failed' ? only.error : new Error('departmentCreate: a create alone came back unanswered');
    }
    // One queue per organization as this request sees it: a batch runs under its first create's code and name scope.
    const key = `${org.id}\u0000${org.code}\u0000${org.nameScope}`;
    return new Promise<CreateOutcome<T>>((resolve, reject) => {
      let queue = queues.get(key);
      if (!queue) queues.set(key, (queue = { waiting: [], running: 0 }));
      queue.waiting.push({
        call: call as CreateCall<unknown>,
        org,
        timeoutSeconds: opts.timeoutSeconds,
        deadline: Date.now() + opts.timeoutSeconds * 1000,
        resolve: resolve as (o: CreateOutcome<unknown>) => void,
        reject,
      });
      pump(key, queue);
    });
  };
}

const secondsLeft = (w: Waiting): number => (w.deadline - Date.now()) / 1000;
