/**
 * One log line per request. Fastify's default is two ('incoming request' and
 * 'request completed'), and the routes added a third; pino's serialisation was
 * ~5% of the API server's CPU under load. This line is written when the
 * response is done, through request.log, so it carries the request id and,
 * once authenticated, the token id (auth.ts), never a secret. Errors still get
 * their own line from the error handler (errors.ts), and a response that fails
 * mid-stream is logged at error level here.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** What a route wants on the request's line (e.g. the department it created), instead of a line of its own. */
    logFields?: Record<string, unknown>;
  }
}

export class OneLineLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const line = {
      ...request.logFields,
      method: request.method,
      route: request.routeOptions.url ?? null,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (error) request.log.error({ ...line, err: error }, 'request errored');
    else request.log.info(line, 'request');
  }
}
