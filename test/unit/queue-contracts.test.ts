/**
 * The pure parts of the queue: the worker's start-up check, options stored
 * with runs and schedules, source specs, submission keys and configuration.
 */
import { describe, expect, it } from 'vitest';
import { buildRegistry, JOBS } from '../../jobs/index.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { globToRegExp } from '../../src/adapters/sources/directory.js';
import { describeSource, parseSourceSpec, redactSourceUrl } from '../../src/adapters/sources/index.js';
import { importOptionsInput, parseImportOptions } from '../../src/core/importOptions.js';
import { ALL_JOB_NAMES } from '../../src/app/jobContracts.js';
import { submissionKey } from '../../src/app/submitImport.js';

const parse = (input: unknown) => {
  const parsed = parseImportOptions(input);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
};

describe('the worker start-up check', () => {
  it('maps every job name to exactly one processor', () => {
    expect([...buildRegistry().keys()].sort()).toEqual([...ALL_JOB_NAMES].sort());
  });

  it('refuses a job name with no processor, or with two, or a processor nobody adds jobs for', () => {
    const [first, ...rest] = JOBS;
    expect(() => buildRegistry(rest)).toThrow(`job "${first!.name}" has no processor`);
    expect(() => buildRegistry([...JOBS, first!])).toThrow(`job "${first!.name}" has 2 processors`);
    expect(() => buildRegistry([...JOBS, { ...first!, name: 'mystery' as never }])).toThrow('processor for unknown job "mystery"');
  });
});

describe('options stored with a run', () => {
  it.each([{}, { maxDeactivate: '5' }, { maxDeactivate: 7 }, { maxDeactivate: '12.5%', mode: 'sync', atomic: true, maxDepth: 4, format: 'csv' }])(
    'parse back to the same options: %o',
    (input) => {
      const options = parse(input);
      expect(parse(JSON.parse(JSON.stringify(importOptionsInput(options))))).toEqual(options);
    },
  );

  it('give one submission key whatever order their keys come in', () => {
    const a = parse({ mode: 'sync', atomic: true });
    const b = Object.fromEntries(Object.entries(a).reverse()) as typeof a;
    const key = (options: typeof a) => submissionKey({ organizationCode: 'acme', sha256: 'x', options, jobName: 'import-departments' });
    expect(key(b)).toBe(key(a));
    expect(key(parse({ mode: 'sync' }))).not.toBe(key(a));
  });
});

describe('sources', () => {
  it('tells files, directory globs and URLs apart', () => {
    expect(parseSourceSpec('/mnt/hr/departments.csv')).toEqual({ kind: 'file', path: '/mnt/hr/departments.csv' });
    expect(parseSourceSpec('/mnt/hr/export-*.csv')).toEqual({ kind: 'glob', directory: '/mnt/hr', pattern: 'export-*.csv' });
    expect(parseSourceSpec('https://hris.example.com/api/departments')).toEqual({ kind: 'http', url: 'https://hris.example.com/api/departments' });
    expect(() => parseSourceSpec('/mnt/*/departments.csv')).toThrow('only the file name may contain glob characters');
    expect(() => parseSourceSpec('ftp://example.com/x.csv')).toThrow('unsupported source protocol');
  });

  it('never shows credentials', () => {
    expect(redactSourceUrl('https://user:pw@hr.example.com/x.csv?token=abc&tenant=1')).toBe('https://hr.example.com/x.csv?token=***&tenant=***');
    // Schedules stored before credentials in URLs were refused still print without them.
    expect(describeSource({ kind: 'http', url: 'https://u:p@h.example.com/a' })).toBe('https://h.example.com/a');
    expect(() => parseSourceSpec('https://u:p@h.example.com/a')).toThrow('the URL holds credentials');
  });

  it('matches file names with *, ? and [...]', () => {
    const re = globToRegExp('hr-20??-[01]*.csv');
    expect(['hr-2024-01.csv', 'hr-2024-1x.csv'].every((n) => re.test(n))).toBe(true);
    expect(['hr-2024-21.csv', 'hr-2024-01.csv.bak', 'xhr-2024-01.csv', 'hr-2024-01.tsv'].some((n) => re.test(n))).toBe(false);
    expect(globToRegExp('a.b(c)+').test('a.b(c)+')).toBe(true);
  });
});

describe('queue configuration', () => {
  it('has production defaults and a hash-tagged prefix', () => {
    const config = loadConfig({});
    expect(config.queue).toMatchObject({ prefix: '{orgsync}', name: 'imports', attempts: 5, lockMs: 30_000 });
    expect(config.queue.completed).toEqual({ count: 1000, ageSeconds: 7 * 24 * 3600 });
    expect(config.worker).toMatchObject({ concurrency: 2, shutdownGraceSeconds: 120 });
  });

  it('refuses a prefix without a Redis Cluster hash tag, and bad headers without echoing them', () => {
    expect(() => loadConfig({ ORGSYNC_QUEUE_PREFIX: 'orgsync' })).toThrow(/hash tag/);
    let message = '';
    try {
      loadConfig({ ORGSYNC_SOURCE_HTTP_HEADERS: '{"not a url": {"Authorization": "Bearer topsecret"}}' });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toContain('ORGSYNC_SOURCE_HTTP_HEADERS');
    expect(message).not.toContain('topsecret');
  });

  it('keys HTTP headers by origin', () => {
    const config = loadConfig({ ORGSYNC_SOURCE_HTTP_HEADERS: '{"https://hris.example.com/api/v2": {"Authorization": "Bearer t"}}' });
    expect(config.sources.httpHeaders).toEqual({ 'https://hris.example.com': { Authorization: 'Bearer t' } });
  });
});
