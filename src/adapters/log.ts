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
