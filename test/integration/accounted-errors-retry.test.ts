/**
 * A run's errors are one thing everywhere (issue 13): after a retry got some
 * failed rows through, `orgsync report` (text, CSV), GET .../errors (JSON) and
 * GET .../errors?format=csv agree. Resolved rows carry `resolvedBy` (the
 * retry's run id) and are left out of the fix-and-reimport CSV. Before, the
 * HTTP answers were rebuilt from the run's report, which ignored resolutions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { orgsync } from '../support/httpCli.js';
import { call, createOrg, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';
import { settledRun } from '../support/queueHarness.js';

describe.each(dialects)('errors after a retry (%s)', (dialect) => {
  let h: HttpHarness;
  let token: string;
  const base = '/v1/organizations/acme/imports';
  const upload = (body: string) => call(h.app, token, 'POST', `${base}?wait=true&timeout=30`, { payload: body, headers: { 'content-type': 'text/csv' } });

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'accounted_errors', { ORGSYNC_JOB_ATTEMPTS: '1' });
    await createOrg(h.db, 'acme');
    token = await orgToken(h.db, 'acme');
    await h.startWorker();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('CLI report, HTTP JSON and HTTP CSV list the same rows to fix; resolved rows carry resolvedBy', { timeout: 60_000 }, async () => {
    const first = await upload('name,code,parentCode\nChild,C,MISSING\nGrandchild,G,C\nOther,O,NOPE\n');
    expect(first.json(), first.body).toMatchObject({ status: 'completed_with_errors', counts: { failed: 2, skipped: 1 } });
    const runId = first.json().runId as string;
    // The missing parent arrives; the retry gets rows 2 and 3 through, row 4 still fails.
    expect((await upload('name,code\nMissing,MISSING\n')).json()).toMatchObject({ status: 'completed' });
    const retry = await call(h.app, token, 'POST', `${base}/${runId}/retry`);
    expect(retry.statusCode, retry.body).toBe(202);
    const retryId = retry.json().runId as string;
    expect((await settledRun(h.db, retryId)).status).toBe('completed_with_errors');

    const json = (await call(h.app, token, 'GET', `${base}/${runId}/errors`)).json() as { rows: { row: number; action: string; resolvedBy: string | null }[] };
    expect(json.rows.map((r) => [r.row, r.action, r.resolvedBy])).toEqual([
      [2, 'failed', retryId],
      [3, 'skipped', retryId],
      [4, 'failed', null],
    ]);

    const httpCsv = (await call(h.app, token, 'GET', `${base}/${runId}/errors?format=csv`)).body;
    const cliCsv = await orgsync(h.db, ['report', runId, '--format', 'csv']);
    expect(cliCsv.code).toBe(0);
    expect(httpCsv).toBe(cliCsv.stdout);
    expect(httpCsv).toContain('Other');
    expect(httpCsv).not.toContain('Child');

    const cliText = await orgsync(h.db, ['report', runId]);
    expect(cliText.stdout).toContain('NOPE');
    expect(cliText.stdout).not.toContain('MISSING');
    expect(cliText.stdout).toContain(`Resolved since by a retry (not listed): row 2 (run ${retryId}), row 3 (run ${retryId})`);
  });
});
