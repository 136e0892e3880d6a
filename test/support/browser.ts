/**
 * Debian's Chromium, driven by playwright-core (which never downloads a browser).
 * The flags keep it from reaching for the network at start: this machine's
 * network is closed, and a dashboard test must see only its own requests.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of browser tests, for a person to look at (git-ignored). */
export const ARTIFACTS = 'test-artifacts';

export const hasChromium = (): boolean => existsSync(CHROMIUM);

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
