/**
 * The Prometheus metrics /metrics serves (prom-client, text format 0.0.4).
 *
 * Imports run in workers and CLI processes, not in the server that answers
 * the scrape, so what a run did is read from the database at scrape time (the
 * run history is the truth every process shares) rather than counted in this
 * process: runs by organization and status, rows by action, run durations,
 * webhook deliveries by outcome. Queue depth comes from BullMQ. Lock waits
 * and timeouts are counted where the lock is taken (adapters/db/lock.ts), so
 * they describe this process only.
 *
 * One registry per app (not prom-client's global one): two apps in one
 * process (tests) do not share or collide on metrics.
 */
import type { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/connection.js';
import { LOCK_STATS } from '../db/lock.js';
import { TABLES } from '../db/tables.js';
import { fromDbDateTime, fromDbInteger, fromDbJson } from '../db/values.js';
import { webhooksStore } from '../webhooks/store.js';

/** Seconds: a small file takes under a second, a large tree or a lock wait minutes. */
const DURATION_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

type Row = Record<string, unknown>;

/** The per-department outcomes of ImportCounts. */
const ROW_ACTIONS = ['created', 'updated', 'moved', 'unchanged', 'merged', 'deactivated', 'failed', 'skipped'] as const;

export function metricsRegistry(db: Db, queue: Queue): Registry {
  const registry = new Registry();
  const k = db.knex;

  new Gauge({
    name: 'orgsync_runs',
    help: 'Import runs by organization and status (all runs the database holds).',
    labelNames: ['organization', 'status'],
    registers: [registry],
    async collect() {
      const rows = (await k(TABLES.importRuns).select('organization_code', 'status').count({ n: '*' }).groupBy('organization_code', 'status')) as Row[];
      this.reset();
      for (const r of rows) this.set({ organization: String(r.organization_code), status: String(r.status) }, fromDbInteger(r.n));
    },
  });

  new Counter({
    name: 'orgsync_rows_total',
    help: 'Departments by what runs that were not dry runs did to them (created, updated, moved, deactivated, failed, ...), from each run\'s counts.',
    labelNames: ['action'],
    registers: [registry],
    async collect() {
      const rows = (await k(TABLES.importRuns).where('dry_run', false).whereNotNull('counts').select('counts')) as Row[];
      const totals = new Map<string, number>(ROW_ACTIONS.map((a) => [a, 0]));
      for (const r of rows) {
        const counts = fromDbJson(r.counts) as Record<string, unknown> | null;
        for (const action of ROW_ACTIONS) totals.set(action, totals.get(action)! + (typeof counts?.[action] === 'number' ? counts[action] : 0));
      }
      this.reset();
      for (const [action, n] of totals) this.inc({ action }, n);
    },
  });

  new Histogram({
    name: 'orgsync_run_duration_seconds',
    help: 'How long finished runs took, from start to final status.',
    buckets: DURATION_BUCKETS,
    registers: [registry],
    async collect() {
      const rows = (await k(TABLES.importRuns).whereNotNull('started_at').whereNotNull('finished_at').select('started_at', 'finished_at')) as Row[];
      this.reset();
      for (const r of rows) {
        const seconds = (Date.parse(fromDbDateTime(r.finished_at)) - Date.parse(fromDbDateTime(r.started_at))) / 1000;
        if (seconds >= 0) this.observe(seconds);
      }
    },
  });

  new Gauge({
    name: 'orgsync_queue_jobs',
    help: 'Jobs in the queue by state (BullMQ).',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed');
      this.reset();
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });

  new Counter({
    name: 'orgsync_webhook_deliveries_total',
    help: 'Webhook deliveries by outcome (pending: not yet delivered, still being tried).',
    labelNames: ['outcome'],
    registers: [registry],
    async collect() {
      const rows = await webhooksStore(db).countByStatus();
      this.reset();
      for (const outcome of ['pending', 'delivered', 'failed']) this.inc({ outcome }, rows.find((r) => r.status === outcome)?.count ?? 0);
    },
  });

  new Counter({
    name: 'orgsync_lock_acquisitions_total',
    help: "Organization locks this process acquired.",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(LOCK_STATS.acquired);
    },
  });
  new Counter({
    name: 'orgsync_lock_wait_seconds_total',
    help: 'Seconds this process waited for organization locks (divide by acquisitions for the mean wait).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(LOCK_STATS.waitSeconds);
    },
  });
  new Counter({
    name: 'orgsync_lock_timeouts_total',
    help: 'Lock waits in this process that gave up after ORGSYNC_LOCK_TIMEOUT_SECONDS.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(LOCK_STATS.timeouts);
    },
  });
  return registry;
}
