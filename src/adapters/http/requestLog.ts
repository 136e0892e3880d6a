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

/**
 * Adds `bindings` to every later line of this request's log (auth.ts: the
 * token id). request.log is the request's own child logger (Fastify makes
 * one per request), so pino's setBindings extends it in place, with the same
 * lines as a child of it would write: a second child per request cost ~9 us
 * of CPU (pino 9, with this app's redaction), setBindings ~0.4 us.
 * A logger without setBindings (the no-op one of `logger: false`) gets a child.
 */
export function bindRequestLog(request: FastifyRequest, bindings: Record<string, unknown>): void {
  const log = request.log as FastifyRequest['log'] & { setBindings?: (b: Record<string, unknown>) => void };
  if (typeof log.setBindings === 'function') log.setBindings(bindings);
  else request.log = log.child(bindings);
}
