/**
 * Department history and revert over HTTP (issue 13):
 *   GET  /v1/organizations/{org}/departments/{id}/history
 *   GET  /v1/organizations/{org}/imports/{runId}/changes
 *   POST /v1/organizations/{org}/imports/{runId}/revert
 * Authenticated and scoped like every /v1 route (organizationFor: a token of
 * another organization gets 404). Pages are keyset-paginated: `after` is the
 * previous page's `nextAfter`.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT, historyPage } from '../../../app/history.js';
import { RevertConflictError, revertRun, RunNotRevertibleError } from '../../../app/revertRun.js';
import { HISTORY_ACTIONS } from '../../../core/history/changes.js';
import { parseHistoryCursor } from '../../../core/history/cursor.js';
import { parseDeactivationLimit } from '../../../core/importOptions.js';
import { organizationFor, principalOf } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { commonErrors, ErrorEnvelope } from '../schemas/common.js';
import { runOf } from './runs.js';

const HistoryQuery = z.object({
  action: z.enum(HISTORY_ACTIONS).optional().describe('Only changes with this action.'),
  after: z
    .string()
    .regex(/^[1-9][0-9]{0,15}(:\S{1,64})?$/, 'a history id, or `<id>:<departmentId>`')
    .optional()
    .describe("The previous page's `nextAfter`: a history id, or `<id>:<departmentId>` when that page ended inside an import run's creates."),
  limit: z.coerce.number().int().min(1).max(HISTORY_MAX_LIMIT).default(HISTORY_DEFAULT_LIMIT),
});

const HistoryEntry = z.object({
  id: z.number().int().describe("The history row's id. An import run's creates share one row, so they share its id (entries are ordered by id, then departmentId); unique within one department's history."),
  departmentId: z.string(),
  action: z.enum(HISTORY_ACTIONS),
  before: z.record(z.string(), z.unknown()).nullable().describe('The changed fields as they were (null for a create).'),
  after: z.record(z.string(), z.unknown()).nullable().describe('The changed fields as they became.'),
  runId: z.string().nullable(),
  requestId: z.string().nullable(),
  actor: z.string().describe('A token id, `cli:<os user>`, `schedule:<name>`, or `unknown`.'),
  at: z.string(),
});
const HistoryPage = z.object({
  data: z.array(HistoryEntry),
  nextAfter: z
    .union([z.number().int(), z.string()])
    .nullable()
    .describe("The next page's `after`: the last entry's id, or `\"<id>:<departmentId>\"` when the page ends inside an import run's creates; null on the last page."),
});

const DepartmentHistoryParams = z.object({ org: z.string().min(1).max(191), id: z.string().min(1).max(64) });
const RunParams = z.object({ org: z.string().min(1).max(191), runId: z.string().min(1).max(64) });
const RevertQuery = z.object({
  dryRun: z.enum(['true', 'false']).optional().describe('Plan the revert and record it as a dry run; write nothing.'),
  force: z.enum(['true', 'false']).optional().describe('Revert even when later runs or API writes changed the same departments.'),
  maxDeactivate: z.string().max(16).optional().describe('The most departments the revert may deactivate (a count or a percentage; default 20%).'),
});

const Conflict = z.object({ departmentId: z.string(), action: z.string(), runId: z.string().nullable(), requestId: z.string().nullable(), actor: z.string(), at: z.string() });
const RevertReport = z.object({
  runId: z.string().describe('The revert run.'),
  revertedRunId: z.string(),
  organizationCode: z.string(),
  dryRun: z.boolean(),
  status: z.enum(['completed', 'needs_approval']).describe('needs_approval: over maxDeactivate, held; POST …/imports/{runId}/approve (another token) applies it.'),
  error: z.object({ code: z.string(), message: z.string() }).optional().describe('Why it is held (DEACTIVATION_THRESHOLD_EXCEEDED).'),
  counts: z.record(z.string(), z.number()),
  changes: z.number().int().describe('History rows the revert wrote.'),
  overridden: z.array(Conflict).describe('Later changes overwritten with force=true.'),
});

/** The query's `after` (its form checked by the schema); a 16-digit id past the safe integers is refused here. */
function cursorOf(after: string | undefined) {
  if (after === undefined) return undefined;
  const cursor = parseHistoryCursor(after);
  if (!cursor) throw new ApiError(400, 'VALIDATION_ERROR', 'after must be a history id or `<id>:<departmentId>` (a nextAfter)', { field: 'after', location: 'query' });
  return cursor;
}

export function historyRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/organizations/:org/departments/:id/history',
    {
      schema: {
        tags: ['Departments'],
        summary: "A department's history",
        description: 'Every recorded change of the department, oldest first: action, before and after values of the changed fields, run or request, actor.',
        params: DepartmentHistoryParams,
        querystring: HistoryQuery,
        response: { 200: HistoryPage, ...commonErrors },
      },
    },
    async (request) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const { action, limit } = request.query;
      const after = cursorOf(request.query.after);
      const page = await historyPage(deps.repos, { organization: org, departmentId: request.params.id, ...(action ? { action } : {}), ...(after ? { after } : {}), limit });
      return { data: page.items, nextAfter: page.nextAfter };
    },
  );

  r.get(
    '/organizations/:org/imports/:runId/changes',
    {
      schema: {
        tags: ['Imports'],
        summary: "A run's changes",
        description: 'Every change the run made, per department, oldest first; filterable by action.',
        params: RunParams,
        querystring: HistoryQuery,
        response: { 200: HistoryPage, ...commonErrors },
      },
    },
    async (request) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const run = await runOf(deps.repos, org, request.params.runId);
      const { action, limit } = request.query;
      const after = cursorOf(request.query.after);
      const page = await historyPage(deps.repos, { organization: org, runId: run.id, ...(action ? { action } : {}), ...(after ? { after } : {}), limit });
      return { data: page.items, nextAfter: page.nextAfter };
    },
  );

  r.post(
    '/organizations/:org/imports/:runId/revert',
    {
      schema: {
        tags: ['Imports'],
        summary: 'Revert a run',
        description:
          'A new run that puts every department the run touched back as it was before it (created ones are deactivated). ' +
          '409 REVERT_CONFLICT, listing them, when later runs or API writes changed the same departments, unless `force=true`. ' +
          'Over maxDeactivate (default 20%), the revert run is held as `needs_approval` with its plan, like a queued sync: another token that may approve applies it with POST …/imports/{revertRunId}/approve. ' +
          'Needs a token that may approve runs, except with `dryRun=true`.',
        params: RunParams,
        querystring: RevertQuery,
        response: { 200: RevertReport, ...commonErrors, 403: ErrorEnvelope, 409: ErrorEnvelope },
      },
    },
    async (request) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const run = await runOf(deps.repos, org, request.params.runId);
      // A revert within its threshold is applied at once: asking for it is the approval, so it takes a token that may approve (one over it is held for another).
      const principal = principalOf(request);
      if (request.query.dryRun !== 'true' && !principal.canApprove) {
        throw new ApiError(
          403,
          'APPROVAL_NOT_ALLOWED',
          `token ${principal.tokenId} may not revert runs: a revert is applied at once, so it needs the admin role, the global admin token, or a token created with --can-approve (dryRun=true is allowed)`,
          { runId: run.id },
        );
      }
      const limit = parseDeactivationLimit(request.query.maxDeactivate ?? '20%');
      if (!limit) throw new ApiError(400, 'VALIDATION_ERROR', 'maxDeactivate must be a count (e.g. 15) or a percentage (e.g. 20%)', { field: 'maxDeactivate', location: 'query' });
      try {
        const report = await revertRun(deps.repos, {
          runId: run.id,
          dryRun: request.query.dryRun === 'true',
          force: request.query.force === 'true',
          maxDeactivate: limit,
          actor: principal.tokenId,
          requestId: String(request.id),
          lockTimeoutSeconds: deps.config.database.lockTimeoutSeconds,
        });
        return { ...report, counts: { ...report.counts } };
      } catch (err) {
        if (err instanceof RevertConflictError) {
          throw new ApiError(409, 'REVERT_CONFLICT', err.message, { runId: run.id, revertRunId: err.revertRunId, conflicts: err.conflicts.slice(0, 1000) });
        }
        if (err instanceof RunNotRevertibleError) throw new ApiError(409, 'RUN_NOT_REVERTIBLE', err.message, { runId: run.id, status: run.status });
        throw err;
      }
    },
  );
}
