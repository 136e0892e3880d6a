/**
 * How Bull Board shows orgsync's jobs. Its `before` hook: a retry of a run's
 * job (one, or "retry all" failed) first reopens the run, so the worker
 * imports it again instead of answering with the stored failure (see
 * app/retryFromDashboard.ts); a listing settles the jobs of approved runs.
 * And the cards' names (jobLabel) and the page without external resources.
 */
import type { BoardHooks } from '@bull-board/api/dist/types.js';
import type { Queue } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import { isRunJobName, JOB_NAMES, RunJobPayloadSchema } from '../../app/jobContracts.js';
import type { Repositories } from '../../app/ports.js';
import { prepareRunRetry } from '../../app/retryFromDashboard.js';

const RETRY_ONE = '/api/queues/:queueName/:jobId/retry';
const RETRY_ALL = '/api/queues/:queueName/retry/:queueStatus';
const LIST = '/api/queues';

export function dashboardHooks(repos: Pick<Repositories, 'runs' | 'staging'>, queue: Queue, log: FastifyBaseLogger): BoardHooks {
  const runIdOf = (job: { name: string; data: unknown } | undefined): string | undefined => {
    if (!job || !isRunJobName(job.name)) return undefined;
    const payload = RunJobPayloadSchema.safeParse(job.data);
    return payload.success ? payload.data.runId : undefined;
  };
  /**
   * A sync held for approval fails its job (DEACTIVATION_THRESHOLD_EXCEEDED);
   * `orgsync approve` (CLI or API) then applies the plan in-process, so Redis
   * still has the job as failed. When the board lists jobs, such a job whose
   * run is now completed is retried: the worker finds the run finished and
   * completes the job with the run's stored report, so the card moves to
   * Completed. A few a time, newest first.
   */
  const settleApprovedJobs = async () => {
    for (const job of await queue.getJobs(['failed'], 0, 49)) {
      if (!job.failedReason?.startsWith('DEACTIVATION_THRESHOLD_EXCEEDED:')) continue;
      const runId = runIdOf(job);
      const run = runId === undefined ? undefined : await repos.runs.getRun(runId);
      if (run?.status === 'completed' || run?.status === 'completed_with_errors') {
        await job.retry('failed');
        log.info({ run_id: runId }, 'approved run: its held job completes');
      }
    }
  };
  /**
   * A run's job carries only its run id (jobContracts.ts), so the listing's
   * run jobs are named after the fact: one run lookup per job on the page.
   */
  const nameRunJobs = async (body: { queues?: { jobs?: { name?: string; data?: unknown }[] }[] }) => {
    for (const job of (body.queues ?? []).flatMap((q) => q.jobs ?? [])) {
      const runId = runIdOf(job as { name: string; data: unknown });
      const run = runId === undefined ? undefined : await repos.runs.getRun(runId);
      if (run && run.organizationCode !== '') job.name = jobLabel(job, run.organizationCode);
    }
  };
  return {
    after: async ({ route }, result) => {
      if (route !== LIST) return result;
      await nameRunJobs(((result as { body?: unknown }).body ?? {}) as Parameters<typeof nameRunJobs>[0]).catch((err: unknown) => log.warn({ err }, 'job names not resolved'));
      return result;
    },
    before: async ({ route, request }) => {
      const params = request.params as Record<string, string | undefined>;
      if (route === RETRY_ONE && params.jobId) {
        const runId = runIdOf(await queue.getJob(params.jobId));
        if (!runId) return;
        const verdict = await prepareRunRetry(repos, runId);
        log.info({ run_id: runId, verdict }, 'dashboard retry');
        return verdict.allow ? undefined : { allow: false, status: 409, message: verdict.message };
      }
      if (route === LIST) {
        // Never in the way of the listing: a failure here only delays the move.
        await settleApprovedJobs().catch((err: unknown) => log.warn({ err }, 'approved jobs not settled'));
        return undefined;
      }
      if (route === RETRY_ALL && params.queueStatus === 'failed') {
        for (const job of await queue.getJobs(['failed'])) {
          const runId = runIdOf(job);
          if (runId) log.info({ run_id: runId, verdict: await prepareRunRetry(repos, runId) }, 'dashboard retry (all failed)');
        }
      }
      return undefined;
    },
  };
}

/**
 * What a job card is called: the job name alone says only "import-departments",
 * so the card names the organization and the run (or schedule, or delivery).
 */
export function jobLabel(job: { name?: string; data?: unknown }, organization?: string): string {
  // Run jobs without their organization keep their job name here: the listing's `after` hook names them.
  if (organization === undefined && job.name !== undefined && isRunJobName(job.name)) return job.name;
  const data: Record<string, unknown> = { organization, ...((job.data ?? {}) as Record<string, unknown>) };
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  switch (job.name) {
    case JOB_NAMES.importDepartments:
      return `import ${text(data.organization) ?? ''} ${text(data.runId) ?? ''}`.replace(/ +/g, ' ').trimEnd();
    case JOB_NAMES.retryFailedRows:
      return `retry ${text(data.organization) ?? ''} ${text(data.runId) ?? ''}`.replace(/ +/g, ' ').trimEnd();
    case JOB_NAMES.syncSource:
      return `sync ${text(data.organizationCode) ?? ''} (schedule ${text(data.schedule) ?? '?'})`;
    case JOB_NAMES.deliverWebhook:
      return `webhook delivery ${text(data.deliveryId) ?? ''}`.trimEnd();
    default:
      return job.name ?? '';
  }
}

/**
 * Bull Board's page links Google Fonts; the dashboard must work offline and
 * tell no other host who opens it. The link is dropped (its fonts fall back to
 * the system's sans-serif and monospace) and a Content-Security-Policy allows
 * this server only, so nothing Bull Board adds later can load from elsewhere.
 */
export const BOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'";

export function withoutExternalResources(html: string): string {
  return html.replace(/<link\b[^>]*\bhref="https?:\/\/[^"]*"[^>]*>/gi, '');
}
