/**
 * /v1/organizations/{org}/imports/...: history, status, errors (JSON or the
 * fix-and-reimport CSV), retry of failed rows, approval of a held sync. All of
 * it delegates to the app layer the CLI and the worker use.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApprovalNotPossibleError, approveRun } from '../../../app/approveRun.js';
import { RetryNotPossibleError, submitRetry } from '../../../app/retryFailedRows.js';
import { loadStoredReport } from '../../../app/runReport.js';
import { loadRunErrors, rowsToFix } from '../../../app/runErrors.js';
import { loadPlanPreview } from '../../../app/heldPlan.js';
import { planPreviewCounts } from '../../../core/plan/preview.js';
import { errorReportCsv } from '../../../core/report/errorCsv.js';
import type { Organization } from '../../../core/model.js';
import type { ImportRunRecord, Repositories } from '../../../app/ports.js';
import { getRun, listRuns } from '../../../app/runHistory.js';
import { organizationFor, principalOf } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { runLinks, toApiReport, toApiRun } from '../runPresenters.js';
import { commonErrors, ErrorEnvelope, OrgParams } from '../schemas/common.js';
import { ErrorsQuery, ImportAccepted, ImportReport, Run, RunErrors, RunList, RunListQuery, RunParams } from '../schemas/imports.js';

const TAGS = ['Imports'];

/** The run, if it belongs to the organization; 404 otherwise (runs of other organizations are invisible). */
export async function runOf(repos: Pick<Repositories, 'runs'>, org: Organization, runId: string): Promise<ImportRunRecord> {
  const run = await getRun(repos, runId);
  if (!run || run.organizationCode !== org.code) {
    throw new ApiError(404, 'RUN_NOT_FOUND', `No import run ${runId} in organization "${org.code}".`, { runId });
  }
  return run;
}

export function runRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/organizations/:org/imports',
    {
      schema: {
        tags: TAGS,
        summary: 'List import runs',
        description: 'The organization\'s import runs, newest first (the same history as `orgsync runs`).',
        params: OrgParams,
        querystring: RunListQuery,
        response: { 200: RunList, ...commonErrors },
      },
    },
    async (request) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const runs = await listRuns(deps.repos, { organizationCode: org.code, status: request.query.status, limit: request.query.limit });
      return { data: runs.map((run) => toApiRun(run, org.code)) };
    },
  );

  r.get(
    '/organizations/:org/imports/:runId',
    {
      schema: {
        tags: TAGS,
        summary: 'Get an import run',
        description: 'Status, progress and counts of one run.',
        params: RunParams,
        response: { 200: Run, ...commonErrors },
      },
    },
    async (request) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const run = await runOf(deps.repos, org, request.params.runId);
      const preview = run.dryRun || run.status === 'needs_approval' || run.approvedBy !== null ? await loadPlanPreview(deps.repos, run.id) : undefined;
      return toApiRun(run, org.code, preview ? planPreviewCounts(preview) : null);
    },
  );

  r.get(
    '/organizations/:org/imports/:runId/errors',
    {
      schema: {
        tags: TAGS,
        summary: 'Get the errors of an import run',
        description:
          'The failed and skipped rows with their errors and original records. With `format=csv`: the fix-and-reimport CSV ' +
          '(text/csv, UTF-8 with BOM, formula-safe) that `orgsync report RUN --format csv` writes: fix the rows and import it again.',
        params: RunParams,
        querystring: ErrorsQuery,
        response: {
          200: {
            description: 'The failed rows (JSON), or the fix-and-reimport CSV with `format=csv`.',
            content: { 'application/json': { schema: RunErrors }, 'text/csv': { schema: z.string() } },
          },
          ...commonErrors,
        },
      },
    },
    async (request, reply) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const run = await runOf(deps.repos, org, request.params.runId);
      // The same rows `orgsync report` shows (app/runErrors.ts): a row a retry got through carries resolvedBy, and is not in the CSV.
      const rows = await loadRunErrors(deps.repos, run.id);
      if (request.query.format === 'csv') {
        const csv = errorReportCsv({ columns: run.columns ?? [], rows: rowsToFix(rows).map((r) => ({ row: r.row, raw: r.raw, errors: r.errors })) });
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="errors-${run.id}.csv"`)
          .send(csv);
      }
      const report = await loadStoredReport(deps.repos, run.id);
      return { runId: run.id, status: run.status, fileError: toApiReport(report, org.code).fileError, rows };
    },
  );

  r.post(
    '/organizations/:org/imports/:runId/retry',
    {
      schema: {
        tags: TAGS,
        summary: 'Retry the failed rows of a run',
        description:
          'Queues a new run (linked by parentRunId) that imports only the rows that failed, e.g. once a missing parent exists. ' +
          'Rows that go through are marked resolved in the original run.',
        params: RunParams,
        response: { 202: ImportAccepted, ...commonErrors, 409: ErrorEnvelope },
      },
    },
    async (request, reply) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const run = await runOf(deps.repos, org, request.params.runId);
      try {
        const result = await submitRetry({ repos: deps.repos, queue: deps.queue }, run.id, principalOf(request).tokenId);
        const retry = await getRun(deps.repos, result.runId);
        return reply
          .code(202)
          .send({ runId: result.runId, status: retry?.status ?? 'queued', duplicate: result.duplicate, links: runLinks(org.code, result.runId) });
      } catch (err) {
        if (err instanceof RetryNotPossibleError) throw new ApiError(409, 'RUN_NOT_RETRYABLE', err.message, { runId: run.id, status: run.status });
        throw err;
      }
    },
  );

  r.post(
    '/organizations/:org/imports/:runId/approve',
    {
      schema: {
        tags: TAGS,
        summary: 'Approve a sync held by its deactivation threshold',
        description:
          'Applies exactly the plan the run holds, if the organization\'s departments have not changed since; otherwise the run ' +
          'is planned again and held again (the answer says so). Runs in the request: the answer is the run\'s report.',
        params: RunParams,
        response: { 200: ImportReport, ...commonErrors, 409: ErrorEnvelope },
      },
    },
    async (request) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const run = await runOf(deps.repos, org, request.params.runId);
      try {
        const report = await approveRun(deps.repos, run.id, {
          lockTimeoutSeconds: deps.config.database.lockTimeoutSeconds,
          approver: { kind: 'token', principal: principalOf(request) },
          allowSelfApproval: deps.config.http.allowSelfApproval,
        });
        return toApiReport(report, org.code);
      } catch (err) {
        if (err instanceof ApprovalNotPossibleError) throw new ApiError(409, 'RUN_NOT_APPROVABLE', err.message, { runId: run.id, status: run.status });
        throw err;
      }
    },
  );
}
