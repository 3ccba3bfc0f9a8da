// Debian's Chromium driven by playwright-core, for the browser tests. Without /usr/bin/chromium those
// suites skip, saying so — unless REQUIRE_SERVICES=1 (set by .ci/run, which installs it).
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function chromiumAvailable(suite: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.REQUIRE_SERVICES === '1') throw new Error(`${CHROMIUM} is required (REQUIRE_SERVICES=1): apt-get install -y chromium`);
  console.warn(`[tests] ${CHROMIUM} is missing (apt-get install -y chromium): ${suite} is skipped`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

export interface RecordedPage {
  page: Page;
  /** Every URL the page requested, in order. */
  requested: string[];
  /** Console errors (CSP violations among them) and uncaught exceptions. */
  problems: string[];
}

/** A new page that records what it requests and what goes wrong on it. */
export async function recordedPage(browser: Browser): Promise<RecordedPage> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  const requested: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return { page, requested, problems };
}
