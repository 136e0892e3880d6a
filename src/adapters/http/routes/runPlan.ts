/**
 * GET /v1/organizations/{org}/imports/{runId}/plan: the plan a dry run or a
 * run held for approval reviewed (core/plan/preview.ts), one action at a
 * time, paged: a plan lists every department it changes, so it is never
 * sent whole. The run resource itself carries only its counts.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { loadPlanPreview } from '../../../app/heldPlan.js';
import { pagePlanPreview, planPreviewCounts } from '../../../core/plan/preview.js';
import { organizationFor } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { commonErrors } from '../schemas/common.js';
import { PlanQuery, RunParams, RunPlanPage } from '../schemas/imports.js';
import { runOf } from './runs.js';

export function runPlanRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/organizations/:org/imports/:runId/plan',
    {
      schema: {
        tags: ['Imports'],
        summary: 'Page the plan of a dry run or a held run',
        description:
          'Every department the plan would create, update (fields before and after), move (old and new parent path), deactivate ' +
          '(path, direct members, active children), and the members it would leave without a department: one `action` at a time, ' +
          '`limit` entries a page, `cursor` = the previous page\'s nextCursor. 404 PLAN_NOT_FOUND for a run that kept no plan ' +
          '(only dry runs and runs held for approval do).',
        params: RunParams,
        querystring: PlanQuery,
        response: { 200: RunPlanPage, ...commonErrors },
      },
    },
    async (request) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const run = await runOf(deps.repos, org, request.params.runId);
      const preview = await loadPlanPreview(deps.repos, run.id);
      if (!preview) throw new ApiError(404, 'PLAN_NOT_FOUND', `Run ${run.id} kept no plan: only dry runs and runs held for approval do.`, { runId: run.id });
      const { action, cursor, limit } = request.query;
      const page = pagePlanPreview(preview, action, Number(cursor), limit);
      return { runId: run.id, status: run.status, dryRun: run.dryRun, counts: planPreviewCounts(preview), ...page, items: page.items as Record<string, unknown>[] };
    },
  );
}
