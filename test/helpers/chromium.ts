// Debian's Chromium driven by playwright-core, for the browser tests. Without /usr/bin/chromium those
// suites skip, saying so — unless REQUIRE_SERVICES=1 (set by .ci/run, which installs it).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

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
