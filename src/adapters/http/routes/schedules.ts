/**
 * /v1/organizations/{org}/schedules/{name}: scheduled syncs, through the same
 * app layer as `orgsync schedule` (BullMQ job schedulers).
 *
 * Creating or changing one needs an admin token: a schedule's source is a path
 * on the workers' disks or a URL they fetch, which an organization's token
 * must not be able to point anywhere (local files, internal services).
 * Schedule names are global, so a name another organization uses is refused.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addSchedule, listSchedules, removeSchedule, ScheduleError, type ScheduleInfo } from '../../../app/schedules.js';
import { jobOptions } from '../../queue/index.js';
import { InvalidSourceError } from '../../sources/index.js';
import { organizationFor, requireAdmin } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { importOptionsFrom } from '../importOptionsInput.js';
import { commonErrors, ErrorEnvelope, OrgParams } from '../schemas/common.js';
import { PutScheduleBody, Schedule, ScheduleList, ScheduleParams } from '../schemas/schedules.js';

const TAGS = ['Schedules'];

function toApiSchedule(s: ScheduleInfo) {
  return {
    name: s.name,
    organization: s.organizationCode,
    source: s.source,
    timing: s.timing,
    next: s.next === undefined ? null : new Date(s.next).toISOString(),
    options: s.options,
  };
}

const notFound = (name: string, org: string) => new ApiError(404, 'SCHEDULE_NOT_FOUND', `No schedule "${name}" in organization "${org}".`, { name });

export function scheduleRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const find = async (name: string) => (await listSchedules(deps.queue)).find((s) => s.name === name);

  r.get(
    '/organizations/:org/schedules',
    { schema: { tags: TAGS, summary: 'List schedules', params: OrgParams, response: { 200: ScheduleList, ...commonErrors } } },
    async (request) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const all = await listSchedules(deps.queue);
      return { data: all.filter((s) => s.organizationCode === org.code).map(toApiSchedule) };
    },
  );

  r.get(
    '/organizations/:org/schedules/:name',
    { schema: { tags: TAGS, summary: 'Get a schedule', params: ScheduleParams, response: { 200: Schedule, ...commonErrors } } },
    async (request) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const found = await find(request.params.name);
      if (!found || found.organizationCode !== org.code) throw notFound(request.params.name, org.code);
      return toApiSchedule(found);
    },
  );

  r.put(
    '/organizations/:org/schedules/:name',
    {
      schema: {
        tags: TAGS,
        summary: 'Create or replace a schedule (admin)',
        description: 'Fires a sync of `source` on a cron pattern or every N seconds. 201 when created, 200 when replaced.',
        params: ScheduleParams,
        body: PutScheduleBody,
        response: { 200: Schedule, 201: Schedule, ...commonErrors, 403: ErrorEnvelope, 409: ErrorEnvelope },
      },
    },
    async (request, reply) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      requireAdmin(request);
      const { name } = request.params;
      const body = request.body;
      const existing = await find(name);
      if (existing && existing.organizationCode !== org.code) {
        throw new ApiError(409, 'SCHEDULE_NAME_TAKEN', `The schedule name "${name}" is used by another organization.`, { name });
      }
      const options = importOptionsFrom([{ mode: 'sync', ...body.options }]);
      const timing = body.cron !== undefined ? { cron: body.cron, ...(body.tz ? { tz: body.tz } : {}) } : { everySeconds: body.everySeconds! };
      try {
        await addSchedule(deps.queue, jobOptions(deps.config.queue), { name, organizationCode: org.code, source: body.source, timing, options });
      } catch (err) {
        // InvalidSourceError: an unsupported protocol, credentials in the URL... (a 500 before).
        if (err instanceof ScheduleError || err instanceof InvalidSourceError) throw new ApiError(400, 'INVALID_SCHEDULE', err.message, { field: 'source' });
        throw err;
      }
      const saved = await find(name);
      if (!saved) throw new Error(`schedule ${name} vanished right after it was saved`);
      return reply.code(existing ? 200 : 201).send(toApiSchedule(saved));
    },
  );

  r.delete(
    '/organizations/:org/schedules/:name',
    {
      schema: {
        tags: TAGS,
        summary: 'Delete a schedule',
        params: ScheduleParams,
        response: { 204: z.null().describe('Deleted: no body.'), ...commonErrors },
      },
    },
    async (request, reply) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const found = await find(request.params.name);
      if (!found || found.organizationCode !== org.code) throw notFound(request.params.name, org.code);
      await removeSchedule(deps.queue, request.params.name);
      return reply.code(204).send(null);
    },
  );
}
