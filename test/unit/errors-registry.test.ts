/**
 * Issue 10, "Errors have no hierarchy": one base class with a registered code
 * and a transient flag, and each face (CLI exit code, job retry or stop, HTTP
 * status) mapping every registered code in one table, with no matching of
 * error names by string.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RUN_FAILURE_OF } from '../../jobs/runJob.js';
import { JobRegistryError } from '../../jobs/index.js';
import { HTTP_STATUS_OF, toApiError } from '../../src/adapters/http/errors.js';
import { DatabaseCapacityError, LockTimeoutError } from '../../src/adapters/db/lock.js';
import { DatabaseCheckError } from '../../src/adapters/db/serverCheck.js';
import { QueueUnavailableError } from '../../src/adapters/queue/redis.js';
import { OutsideSourceRootError } from '../../src/adapters/sources/confine.js';
import { SourceUnavailableError } from '../../src/adapters/sources/file.js';
import { TransientSourceError } from '../../src/adapters/sources/http.js';
import { PrivateAddressError } from '../../src/adapters/sources/network.js';
import { InvalidSourceError } from '../../src/adapters/sources/spec.js';
import { ApprovalNotPossibleError } from '../../src/app/approveRun.js';
import { RunUnrunnableError } from '../../src/app/queuedRun.js';
import { RetryNotPossibleError } from '../../src/app/retryFailedRows.js';
import { RunNotFoundError } from '../../src/app/runReport.js';
import { ScheduleError } from '../../src/app/schedules.js';
import { TokenSetupError } from '../../src/app/tokens.js';
import { isTransientFault } from '../../src/app/transientFaults.js';
import { UsageError } from '../../src/cli/context.js';
import { cliFailureOf, EXIT_CODE_OF, wantsJson } from '../../src/cli/failure.js';
import { ConfigError } from '../../src/config.js';
import { FILE_ERROR_CODES, FileError, OPERATION_ERROR_CODES, OrgsyncError, RUN_FAILURE_CODES, runFailureCodeOf, THROWN_ERROR_CODES } from '../../src/core/errors.js';

const sorted = (keys: Iterable<string>) => [...keys].sort();

describe('the error registry and the faces', () => {
  it('registers every thrown code once, across the file, run-failure and operation groups', () => {
    const all = [...Object.keys(FILE_ERROR_CODES), ...Object.keys(RUN_FAILURE_CODES), ...Object.keys(OPERATION_ERROR_CODES)];
    expect(new Set(all).size).toBe(all.length);
    expect(sorted(THROWN_ERROR_CODES)).toEqual(sorted(all));
  });

  it.each([
    ['CLI exit code (src/cli/failure.ts)', EXIT_CODE_OF],
    ['job: run failure recorded (jobs/runJob.ts)', RUN_FAILURE_OF],
    ['HTTP status (src/adapters/http/errors.ts)', HTTP_STATUS_OF],
  ] as const)('%s maps exactly the registered codes', (_face, table) => {
    expect(sorted(Object.keys(table))).toEqual(sorted(THROWN_ERROR_CODES));
  });

  // One instance of every error class orgsync throws, with the code and transient flag it must carry.
  const instances: [Error, string, boolean][] = [
    [new FileError('CSV_SYNTAX_ERROR', 'x', 3), 'CSV_SYNTAX_ERROR', false],
    [new UsageError('x'), 'USAGE_ERROR', false],
    [new ConfigError('x'), 'CONFIG_INVALID', false],
    [new DatabaseCheckError(['x']), 'DATABASE_NOT_READY', false],
    [new TokenSetupError('x'), 'TOKEN_SETUP_FAILED', false],
    [new RunNotFoundError('run_1'), 'RUN_NOT_FOUND', false],
    [new RetryNotPossibleError('x'), 'RUN_NOT_RETRYABLE', false],
    [new ApprovalNotPossibleError('x'), 'RUN_NOT_APPROVABLE', false],
    [new ScheduleError('x'), 'INVALID_SCHEDULE', false],
    [new RunUnrunnableError('INPUT_MISSING', 'x'), 'INPUT_MISSING', false],
    [new QueueUnavailableError('x'), 'QUEUE_UNAVAILABLE', true],
    [new InvalidSourceError('x'), 'INVALID_SOURCE', false],
    [new SourceUnavailableError('x'), 'SOURCE_UNAVAILABLE', false],
    [new OutsideSourceRootError('/etc/passwd', '/mnt/hr'), 'SOURCE_OUTSIDE_ROOT', false],
    [new PrivateAddressError('localhost', '127.0.0.1'), 'SOURCE_PRIVATE_ADDRESS', false],
    [new TransientSourceError('x'), 'SOURCE_TEMPORARILY_UNAVAILABLE', true],
    [new LockTimeoutError('acme', 10), 'ORGANIZATION_BUSY', true],
    [new DatabaseCapacityError('acme', Object.assign(new Error('x'), { errno: 1206 })), 'DATABASE_CAPACITY', false],
    [new JobRegistryError('x'), 'JOB_REGISTRY_INVALID', false],
  ];

  it.each(instances.map(([err, code, transient]) => [err.name, err, code, transient] as const))(
    '%s is an OrgsyncError with a registered code and its transient flag',
    (_name, err, code, transient) => {
      expect(err).toBeInstanceOf(OrgsyncError);
      expect((err as OrgsyncError).code).toBe(code);
      expect(THROWN_ERROR_CODES).toContain(code);
      expect((err as OrgsyncError).transient).toBe(transient);
      expect(isTransientFault(err)).toBe(transient);
    },
  );

  it('keeps the faces as they were: exit codes, the lock timeout as 503 ORGANIZATION_BUSY', () => {
    expect(cliFailureOf(new UsageError('bad flag')).exit).toBe(2);
    expect(cliFailureOf(new ConfigError('bad env')).exit).toBe(2);
    expect(cliFailureOf(new SourceUnavailableError('no such file: x.csv'))).toEqual({ code: 'SOURCE_UNAVAILABLE', message: 'no such file: x.csv', exit: 1 });
    expect(cliFailureOf(new Error('boom'))).toMatchObject({ code: 'INTERNAL_ERROR', exit: 1 });
    const request = { headers: {}, routeOptions: {} } as Parameters<typeof toApiError>[1];
    expect(toApiError(new LockTimeoutError('acme', 10), request)).toMatchObject({ statusCode: 503, code: 'ORGANIZATION_BUSY' });
    expect(toApiError(new RunNotFoundError('run_1'), request)).toMatchObject({ statusCode: 404, code: 'RUN_NOT_FOUND' });
    // The lock table full beside a large import: an API write is told to come back, not that it broke.
    const full = toApiError(new DatabaseCapacityError('acme', new Error('x')), request);
    expect(full).toMatchObject({ statusCode: 503, code: 'DATABASE_CAPACITY' });
    expect(full?.headers).toEqual({ 'retry-after': '30' });
    expect(cliFailureOf(new DatabaseCapacityError('acme', new Error('x')))).toMatchObject({ code: 'DATABASE_CAPACITY', exit: 1 });
    expect(RUN_FAILURE_OF.DATABASE_CAPACITY).toBe('DATABASE_CAPACITY');
    // A run that stops on it records the code; any other error stays INTERNAL_ERROR.
    expect(runFailureCodeOf(new DatabaseCapacityError('acme', new Error('x')))).toBe('DATABASE_CAPACITY');
    expect(runFailureCodeOf(new LockTimeoutError('acme', 10))).toBe('INTERNAL_ERROR');
    expect(runFailureCodeOf(new Error('boom'))).toBe('INTERNAL_ERROR');
    // A database that went away answers 503 with Retry-After (its transaction rolled back), not 500;
    // a socket error of another kind (a client hanging up on an upload) is not the database's.
    const lost = toApiError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED', errno: -111, fatal: true }), request);
    expect(lost).toMatchObject({ statusCode: 503, code: 'DATABASE_UNAVAILABLE' });
    expect(lost?.headers).toEqual({ 'retry-after': '5' });
    expect(lost?.message).not.toContain('3306');
    expect(toApiError(Object.assign(new Error('pool'), { name: 'KnexTimeoutError' }), request)).toMatchObject({ statusCode: 503 });
    expect(toApiError(Object.assign(new Error('deadlock'), { code: 'ER_LOCK_DEADLOCK', errno: 1213, sqlState: '40001' }), request)).toMatchObject({ statusCode: 503 });
    expect(toApiError(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }), request)).toBeUndefined();
    expect(toApiError(Object.assign(new Error('dup'), { code: 'ER_DUP_ENTRY', errno: 1062, sqlState: '23000' }), request)).toBeUndefined();
    // A 5xx never shows the error's own message.
    expect(toApiError(new DatabaseCheckError(['sql_mode is not strict']), request)?.message).not.toContain('sql_mode');
  });

  it('finds --json anywhere before a `--`', () => {
    expect(wantsJson(['node', 'orgsync', 'import', 'a.csv', '--json'])).toBe(true);
    expect(wantsJson(['node', 'orgsync', 'import', '--', '--json'])).toBe(false);
  });

  it('no face classifies an error by matching its name as a string', () => {
    for (const file of ['jobs/runJob.ts', 'src/cli/main.ts', 'src/cli/failure.ts', 'src/adapters/http/errors.ts', 'src/app/transientFaults.ts']) {
      expect(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'), file).not.toMatch(/\.name\s*===?\s*['"]/);
    }
  });
});
