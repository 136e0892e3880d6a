/**
 * The runs repository's read-mostly queries for queued runs: idempotent
 * submission, skipping pointless scheduled syncs, the orphan sweep's list, and
 * pruning staged inputs. Spread into importRunsRepo (importRuns.ts), which
 * holds every status change; kept apart so each file stays about one thing.
 */
import type { Knex } from 'knex';
import { normaliseOrganizationCode } from '../../core/organizationCode.js';
import type { Db } from './connection.js';
import type { ImportRunStatus } from './runRecords.js';
import { TABLES } from './tables.js';
import { toDbDateTime } from './values.js';

export interface UnfinishedJobRun {
  id: string;
  jobName: string;
  status: Extract<ImportRunStatus, 'queued' | 'running'>;
}

export function queuedRunQueries(db: Db) {
  const runs = (trx?: Knex.Transaction) => (trx ?? db.knex)(TABLES.importRuns);

  return {
    /** The queued or running run submitted with this key, if any. */
    async findActiveSubmission(key: string, trx?: Knex.Transaction): Promise<string | undefined> {
      const row = (await runs(trx).select('id').where('active_submission_key', key).first()) as { id: string } | undefined;
      return row?.id;
    },

    /**
     * Records the staged input's hash and claims `key` for this run; the
     * unique active_submission_key makes the loser of a race with an identical
     * submission fail with a duplicate-key error.
     */
    async claimSubmission(runId: string, sha256: string, key: string, trx?: Knex.Transaction): Promise<void> {
      await runs(trx).where('id', runId).update({ input_sha256: sha256, active_submission_key: key });
    },

    /**
     * Why a scheduled sync of these bytes would be pointless, if it would: the
     * organization's last successful run imported the same bytes, or a run of
     * them waits for approval.
     */
    async syncSkipReason(organizationCode: string, sha256: string, trx?: Knex.Transaction): Promise<string | undefined> {
      const code = normaliseOrganizationCode(organizationCode);
      const last = (await runs(trx)
        .select('id', 'input_sha256')
        .where({ organization_code: code, dry_run: false })
        .whereIn('status', ['completed', 'completed_with_errors'])
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .first()) as { id: string; input_sha256: string | null } | undefined;
      if (last?.input_sha256 === sha256) return `unchanged since run ${last.id}`;
      const held = (await runs(trx)
        .select('id')
        .where({ organization_code: code, input_sha256: sha256, status: 'needs_approval' })
        .first()) as { id: string } | undefined;
      return held ? `the same content waits for approval in run ${held.id}` : undefined;
    },

    /** Runs a queue job should be processing, oldest first. */
    async listUnfinishedJobRuns(filter: { createdBefore: Date; limit?: number }, trx?: Knex.Transaction): Promise<UnfinishedJobRun[]> {
      const rows = (await runs(trx)
        .select('id', 'job_name', 'status')
        .whereIn('status', ['queued', 'running'])
        .whereNotNull('job_name')
        .where('created_at', '<', toDbDateTime(filter.createdBefore))
        .orderBy('created_at')
        .limit(filter.limit ?? 1000)) as { id: string; job_name: string; status: UnfinishedJobRun['status'] }[];
      return rows.map((r) => ({ id: r.id, jobName: r.job_name, status: r.status }));
    },

    /**
     * Staged inputs of completed runs are dead weight (a crash between the
     * commit and the clean-up may leave some behind). Failed runs keep theirs:
     * one that failed on a fault (not on its file, whose input is released at
     * once) may still be retried.
     */
    async pruneFinishedStaging(trx?: Knex.Transaction): Promise<number> {
      const knex = trx ?? db.knex;
      const completed = knex(TABLES.importRuns).select('id').whereIn('status', ['completed', 'completed_with_errors']);
      // A run's plan preview (dry runs, approved runs) stays: `orgsync report` and GET .../plan show it later.
      return knex(TABLES.importStaging).whereIn('run_id', completed).whereNot('kind', 'preview').delete();
    },
  };
}
