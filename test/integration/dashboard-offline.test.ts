/**
 * The queue dashboard in a real browser (Debian's Chromium via playwright-core),
 * as an operator reads it: every job card names its organization and run; a
 * job that failed on the user's input shows its error code and message, not a
 * stack trace through server paths; a sync held for approval and then approved
 * shows as completed; and the page loads nothing from any other host (fonts
 * included: it works offline). MariaDB + Redis, a real worker.
 */
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, call, createOrg, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';
import { ARTIFACTS, hasChromium, launchChromium } from '../support/browser.js';


describe.skipIf(!hasChromium())('the queue dashboard in Chromium: names, input failures, approvals, offline', () => {
  let h: HttpHarness;
  let browser: Browser;
  let baseUrl: string;
  let admin: string;
  /** Uploads come from the organization's own token: the admin approves (nobody approves their own run). */
  let uploader: string;
  const requested: string[] = [];

  const upload = async (csv: string, query = '') => {
    const res = await call(h.app, uploader, 'POST', `/v1/organizations/acme/imports?wait=true&timeout=60${query}`, { payload: csv, headers: { 'content-type': 'text/csv' } });
    return res.json() as { runId: string; status: string; fileError?: { code: string } };
  };

  beforeAll(async () => {
    h = await openHttpHarness('mysql', 'dashboard_offline');
    await createOrg(h.db, 'acme');
    admin = await adminToken(h.db);
    uploader = await orgToken(h.db, 'acme');
    await h.startWorker();
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  async function loggedIn(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // Every request the page makes, whatever it is for (documents, scripts, fonts, images, XHR).
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(`${baseUrl}/admin/login`);
    await page.fill('#token', admin);
    await Promise.all([page.waitForURL(`${baseUrl}/admin/queues`), page.click('button[type=submit]')]);
    await page.getByText('orgsync queues').first().waitFor();
    return page;
  }

  it('names jobs by organization and run, shows input failures as code and message, approved runs as completed, and loads nothing from elsewhere', async () => {
    const bad = await upload('name,code\n"Engineering,ENG\nSales,SAL\n');
    expect(bad).toMatchObject({ status: 'failed', fileError: { code: 'CSV_SYNTAX_ERROR' } });
    const good = await upload(['name,code', ...Array.from({ length: 10 }, (_, i) => `Team ${i},T${i}`)].join('\n'));
    expect(good.status).toBe('completed');
    // A partial export: 8 of 10 would go, over the 20% threshold: held, then approved.
    const held = await upload('name,code\nTeam 0,T0\nTeam 1,T1\n', '&mode=sync');
    expect(held.status).toBe('needs_approval');
    const approved = await call(h.app, admin, 'POST', `/v1/organizations/acme/imports/${held.runId}/approve`);
    expect(approved.json()).toMatchObject({ status: 'completed' });

    const page = await loggedIn();
    await page.goto(`${baseUrl}/admin/queues/queue/${h.config.queue.name}?status=failed`);
    await page.getByText(`import acme ${bad.runId}`).first().waitFor();
    await page.getByText(/CSV_SYNTAX_ERROR: /).first().waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-input-failure.png`, fullPage: true });
    const failedText = await page.locator('body').innerText();
    // The code and message, not a trace through the server's files.
    expect(failedText).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(failedText).not.toContain('/jobs/');
    expect(failedText).not.toContain('UnrecoverableError');

    // The approved run's job leaves Failed for Completed (the board settles it when it lists jobs).
    await page.goto(`${baseUrl}/admin/queues/queue/${h.config.queue.name}?status=completed`);
    await page.getByText(`import acme ${good.runId}`).first().waitFor();
    await page.getByText(`import acme ${held.runId}`).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-approved-completed.png`, fullPage: true });
    await page.goto(`${baseUrl}/admin/queues/queue/${h.config.queue.name}?status=failed`);
    await page.getByText(`import acme ${bad.runId}`).first().waitFor();
    expect(await page.getByText(held.runId).count()).toBe(0);

    expect(requested.length).toBeGreaterThan(5);
    const elsewhere = requested.filter((url) => !url.startsWith(`${baseUrl}/`) && !url.startsWith('data:'));
    expect(elsewhere).toEqual([]);
    await page.close();
  });
});
