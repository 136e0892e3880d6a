/**
 * /metrics on MariaDB: an admin token only; the text parses with a strict
 * Prometheus text-format (0.0.4) parser; and its counters move after an import.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, call, createOrg, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';
import { eventually } from '../support/queueHarness.js';

type Samples = Map<string, number>;

/**
 * Strict: every line is a `# HELP name text`, a `# TYPE name (counter|gauge|histogram|summary|untyped)`,
 * a sample `name{label="value",...} number`, or empty; each sample's family was TYPEd before it,
 * label values use only the allowed escapes, no sample twice; nothing else.
 */
function parsePrometheus(text: string): { samples: Samples; types: Map<string, string> } {
  const samples: Samples = new Map();
  const types = new Map<string, string>();
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const SAMPLE = new RegExp(`^(${NAME})(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*")*,?)?\\})? (\\S+)(?: -?\\d+)?$`);
  for (const line of text.slice(0, -1).split('\n')) {
    let m: RegExpExecArray | null;
    if (line === '') continue; // the format ignores empty lines
    if ((m = new RegExp(`^# HELP (${NAME}) .*$`).exec(line))) continue;
    if ((m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line))) {
      if (types.has(m[1]!)) throw new Error(`TYPE given twice for ${m[1]}`);
      types.set(m[1]!, m[2]!);
      continue;
    }
    m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a Prometheus text line: ${JSON.stringify(line)}`);
    const family = m[1]!.replace(/_(bucket|sum|count)$/, '');
    if (!types.has(m[1]!) && !types.has(family)) throw new Error(`sample before its TYPE: ${line}`);
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : m[3] === 'NaN' ? NaN : Number(m[3]);
    if (Number.isNaN(value) && m[3] !== 'NaN') throw new Error(`bad value in ${line}`);
    const key = `${m[1]}${m[2] ?? ''}`;
    if (samples.has(key)) throw new Error(`duplicate sample ${key}`);
    samples.set(key, value);
  }
  return { samples, types };
}

describe('/metrics (MariaDB)', () => {
  let h: HttpHarness;
  let admin: string;

  beforeAll(async () => {
    h = await openHttpHarness('mysql', 'metrics_endpoint');
    await createOrg(h.db, 'acme');
    admin = await adminToken(h.db);
    await h.startWorker();
  });
  afterAll(async () => {
    await h?.close();
  });

  const scrape = async () => {
    const res = await call(h.app, admin, 'GET', '/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheus(res.body);
  };

  it('needs an admin token', async () => {
    expect((await call(h.app, undefined, 'GET', '/metrics')).statusCode).toBe(401);
    expect((await call(h.app, await orgToken(h.db, 'acme'), 'GET', '/metrics')).statusCode).toBe(403);
  });

  it('parses, and runs, rows, durations, queue depth and lock counters move after an import', async () => {
    const before = await scrape();
    expect(before.types.get('orgsync_runs')).toBe('gauge');
    expect(before.types.get('orgsync_rows_total')).toBe('counter');
    expect(before.types.get('orgsync_run_duration_seconds')).toBe('histogram');
    expect(before.types.get('orgsync_queue_jobs')).toBe('gauge');
    expect(before.types.get('orgsync_webhook_deliveries_total')).toBe('counter');
    expect(before.types.get('orgsync_lock_timeouts_total')).toBe('counter');
    const at = (s: Samples, key: string) => s.get(key) ?? 0;

    const res = await call(h.app, admin, 'POST', '/v1/organizations/acme/imports?wait=true&timeout=60', {
      payload: 'name,code,parent_code\nEngineering,ENG,\nPlatform,PLT,ENG\nSales,SAL,\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.json()).toMatchObject({ status: 'completed' });

    const after = await scrape();
    const completed = 'orgsync_runs{organization="acme",status="completed"}';
    expect(at(after.samples, completed)).toBe(at(before.samples, completed) + 1);
    expect(at(after.samples, 'orgsync_rows_total{action="created"}')).toBe(at(before.samples, 'orgsync_rows_total{action="created"}') + 3);
    expect(at(after.samples, 'orgsync_run_duration_seconds_count')).toBe(at(before.samples, 'orgsync_run_duration_seconds_count') + 1);
    expect(after.samples.get('orgsync_run_duration_seconds_bucket{le="+Inf"}')).toBe(after.samples.get('orgsync_run_duration_seconds_count'));
    expect(at(after.samples, 'orgsync_lock_acquisitions_total')).toBeGreaterThan(at(before.samples, 'orgsync_lock_acquisitions_total'));
    // The run row is final before BullMQ marks the job completed (the worker does that
    // after its processor returns), so the queue's gauge can lag the run by a moment:
    // scraped again until it shows the job (CI saw 0 once, on 2026-12-05).
    const completedJobs = await eventually(async () => {
      const n = (await scrape()).samples.get('orgsync_queue_jobs{state="completed"}') ?? 0;
      return n >= 1 ? n : undefined;
    }, 'the completed job in orgsync_queue_jobs');
    expect(completedJobs).toBeGreaterThanOrEqual(1);
    expect(after.samples.has('orgsync_webhook_deliveries_total{outcome="delivered"}')).toBe(true);
  });
});
