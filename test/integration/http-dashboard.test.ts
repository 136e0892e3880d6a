/**
 * The queue dashboard in a real browser (Debian's Chromium, driven by
 * playwright-core): an operator logs in with an admin token, finds an import
 * job that failed because another import held the organization's lock for
 * longer than the lock timeout, retries it once that import is gone, and sees
 * it complete. Screenshots go to test-artifacts/.
 *
 * MariaDB only: the failure is a real GET_LOCK held on another connection.
 */
import type { AddressInfo } from 'node:net';
import mysql from 'mysql2/promise';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo, organizationLockName } from '../../src/adapters/db/index.js';
import { mysqlTestUrl } from '../support/db.js';
import { adminToken, call, createOrg, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';
import { ARTIFACTS, hasChromium, launchChromium } from '../support/browser.js';


describe.skipIf(!hasChromium())('the queue dashboard in Chromium', () => {
  let h: HttpHarness;
  let browser: Browser;
  let baseUrl: string;
  let admin: string;
  let token: string;

  beforeAll(async () => {
    // One attempt and a one-second lock wait: the job fails fast while the lock is held.
    h = await openHttpHarness('mysql', 'http_dashboard', { ORGSYNC_LOCK_TIMEOUT_SECONDS: '1', ORGSYNC_JOB_ATTEMPTS: '1' });
    await createOrg(h.db, 'acme');
    admin = await adminToken(h.db);
    token = await orgToken(h.db, 'acme');
    await h.startWorker();
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('logs in, finds the failed import job, retries it after the cause is fixed, and sees it complete', async () => {
    // The cause: another session holds acme's import lock.
    const blocker = await mysql.createConnection({ uri: mysqlTestUrl(h.db.location) });
    await blocker.query('SELECT GET_LOCK(?, 0)', [organizationLockName('acme', h.db.location)]);
    const failed = await call(h.app, token, 'POST', '/v1/organizations/acme/imports?wait=true&timeout=60', {
      payload: 'name,code\nEngineering,ENG\nSales,SAL\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(failed.json()).toMatchObject({ status: 'failed', fileError: { code: 'RETRIES_EXHAUSTED' } });
    const runId = failed.json().runId as string;
    // The cause is fixed: the other import is gone.
    await blocker.end();

    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // Not logged in: the dashboard sends the browser to the login form; the token is typed, never put in a URL.
    await page.goto(`${baseUrl}/admin/queues`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.fill('#token', admin);
    const [login] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('button[type=submit]')]);
    expect(login.status()).toBe(303);
    await page.getByText('orgsync queues').first().waitFor();
    expect(new URL(page.url()).pathname).toBe('/admin/queues');
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'orgsync_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(page.url()).not.toContain(admin.split('.')[1]!);

    await page.goto(`${baseUrl}/admin/queues/queue/${h.config.queue.name}?status=failed`);
    await page.getByText(runId).first().waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-failed-job.png`, fullPage: true });
    // The job card's first action is Retry; its tooltip says so (the icon buttons have no label).
    const header = page.locator(`a[href*="/${runId}"]`).first().locator('xpath=ancestor::div[2]');
    const retry = header.locator('ul li button').first();
    await retry.hover();
    await page.getByText('Retry', { exact: true }).waitFor();
    await retry.click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    // The job leaves the failed list once the retry went through.
    await page.locator(`a[href*="/${runId}"]`).first().waitFor({ state: 'detached' });

    await page.goto(`${baseUrl}/admin/queues/queue/${h.config.queue.name}?status=completed`);
    await page.getByText(runId).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-retried-job.png`, fullPage: true });
    expect(await importRunsRepo(h.db).getRun(runId)).toMatchObject({ status: 'completed', counts: { created: 2 } });
    const departments = (await call(h.app, token, 'GET', '/v1/organizations/acme/departments')).json().data.map((d: { code: string }) => d.code);
    expect(departments.sort()).toEqual(['ENG', 'SAL']);
  });
});
