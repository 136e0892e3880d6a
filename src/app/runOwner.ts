/**
 * A process that runs imports (the CLI, a worker) is their owner: each run it
 * starts is leased to it (owner_id, lease_expires_at), and a heartbeat renews
 * every lease it holds, in one statement, a few times per lease. A process
 * that dies (SIGKILL, OOM, a pulled plug) stops renewing; once its leases have
 * expired, the sweep fails its runs RUN_ABANDONED (see core/runLifecycle.ts)
 * instead of leaving them `running` forever.
 *
 * The lease must outlast the longest pause of the heartbeat: a synchronous
 * planning step of a large import, or (SQLite) the import's own transaction
 * holding the only connection. Hence minutes, not seconds, by default.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { RunOwner } from '../core/runLifecycle.js';
import type { Repositories } from './ports.js';

export const DEFAULT_RUN_LEASE_SECONDS = 120;

/** Renewals per lease: two may fail (a busy database) before the lease runs out. */
const RENEWALS_PER_LEASE = 3;

export interface RunOwnerHandle {
  owner: RunOwner;
  /** Stops the heartbeat (the leases of runs still held simply run out). */
  stop(): void;
}

/** This process as an owner: host, pid and a random part (pids are reused). */
export function newRunOwner(leaseSeconds: number): RunOwner {
  return { id: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`, leaseSeconds };
}

export function startRunOwner({ runs }: Pick<Repositories, 'runs'>, opts: { leaseSeconds: number; onError?: (err: unknown) => void }): RunOwnerHandle {
  const owner = newRunOwner(opts.leaseSeconds);
  let inFlight = false;
  const timer = setInterval(
    () => {
      // A renewal stuck behind a lock must not pile up others behind it.
      if (inFlight) return;
      inFlight = true;
      runs
        .renewLeases(owner)
        .catch((err: unknown) => opts.onError?.(err))
        .finally(() => {
          inFlight = false;
        });
    },
    Math.max(100, Math.floor((opts.leaseSeconds * 1000) / RENEWALS_PER_LEASE)),
  );
  // The heartbeat alone never keeps a process alive.
  timer.unref();
  return { owner, stop: () => clearInterval(timer) };
}
