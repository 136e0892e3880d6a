/**
 * Structured logs (pino, one JSON object per line on stdout) for long-running
 * processes such as `orgsync worker`. Secrets never reach them: callers log
 * URLs through redactUrl / redactSourceUrl, and the paths below are censored
 * wherever they appear, as a second line of defence.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { boundedErrorSerializer } from './logSerializers.js';

export type { Logger } from 'pino';

const REDACT = [
  'password',
  '*.password',
  'headers.authorization',
  '*.headers.authorization',
  'headers.cookie',
  '*.headers.cookie',
  'token',
  '*.token',
];

export function createLogger(level: LevelWithSilent, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: REDACT, censor: '***' },
      // A database error's SQL and bindings are trimmed, never logged whole (logSerializers.ts).
      serializers: { err: boundedErrorSerializer },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** pino-pretty's time format: the CLI's one format (see src/cli/table.ts formatTime), e.g. `2026-12-04 18:48:24Z`. */
export const PRETTY_TIME = 'UTC:yyyy-mm-dd HH:MM:ss"Z"';

/**
 * Where `serve` and `worker` log: readable lines (pino-pretty, coloured unless
 * NO_COLOR) when a person watches stdout, JSON lines otherwise (a log
 * collector, a pipe, docker). Loaded only then: pino-pretty is not small.
 */
export async function logDestination(stdout: { isTTY?: boolean } = process.stdout, env: Record<string, string | undefined> = process.env): Promise<NodeJS.WritableStream | undefined> {
  if (stdout.isTTY !== true) return undefined;
  const { default: pretty } = await import('pino-pretty');
  return pretty({ colorize: env.NO_COLOR === undefined || env.NO_COLOR === '', translateTime: PRETTY_TIME, ignore: 'pid,hostname', sync: true });
}
