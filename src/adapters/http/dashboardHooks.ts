/**
 * Bull Board's `before` hook: a retry of a run's job (one, or "retry all"
 * failed) first reopens the run, so the worker imports it again instead of
 * answering with the stored failure (see app/retryFromDashboard.ts).
 */
import type { BoardHooks } from '@bull-board/api/dist/types.js';
import type { Queue } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/index.js';
import { isRunJobName, RunJobPayloadSchema } from '../../app/jobContracts.js';
import { prepareRunRetry } from '../../app/retryFromDashboard.js';

const RETRY_ONE = '/api/queues/:queueName/:jobId/retry';
const RETRY_ALL = '/api/queues/:queueName/retry/:queueStatus';

export function dashboardHooks(db: Db, queue: Queue, log: FastifyBaseLogger): BoardHooks {
  const runIdOf = (job: { name: string; data: unknown } | undefined): string | undefined => {
    if (!job || !isRunJobName(job.name)) return undefined;
    const payload = RunJobPayloadSchema.safeParse(job.data);
    return payload.success ? payload.data.runId : undefined;
  };
  return {
    before: async ({ route, request }) => {
      const params = request.params as Record<string, string | undefined>;
      if (route === RETRY_ONE && params.jobId) {
        const runId = runIdOf(await queue.getJob(params.jobId));
        if (!runId) return;
        const verdict = await prepareRunRetry(db, runId);
        log.info({ run_id: runId, verdict }, 'dashboard retry');
        return verdict.allow ? undefined : { allow: false, status: 409, message: verdict.message };
      }
      if (route === RETRY_ALL && params.queueStatus === 'failed') {
        for (const job of await queue.getJobs(['failed'])) {
          const runId = runIdOf(job);
          if (runId) log.info({ run_id: runId, verdict: await prepareRunRetry(db, runId) }, 'dashboard retry (all failed)');
        }
      }
      return undefined;
    },
  };
}
