// /asyncapi renders in a real browser (Debian's chromium driven by playwright-core): AsyncAPI's React
// component draws every operation of the generated document, from this origin's files only, with no
// console error and no CSP violation.
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, recordedPage } from './helpers/chromium';
import { startTestServer } from './helpers/server';

const hasChromium = chromiumAvailable('the /asyncapi browser test');

describe.skipIf(!hasChromium)('/asyncapi in headless Chromium', () => {
  it('shows every operation of both channels, from local files only, without errors', async () => {
    await using server = await startTestServer({ driver: 'pglite' });
    const browser = await launchChromium();
    try {
      const { page, requested, problems } = await recordedPage(browser);

      const response = await page.goto(`${server.url}/asyncapi`);
      expect(response?.status()).toBe(200);
      await page.locator('#operations').waitFor({ timeout: 30_000 });

      await expect(page.locator('h1').first().textContent()).resolves.toBe('Authors WebSocket API 0.1.0');
      const operations = await page
        .locator('[id^="operation-"]')
        .evaluateAll((elements) => elements.map((element) => element.id).filter((id) => !/-(message|security)$/.test(id)));
      expect(operations.sort()).toEqual(
        [
          'operation-reply-authenticate',
          'operation-reply-GET_AUTHORS',
          'operation-reply-GET_PAGINATED_AUTHORS',
          'operation-reply-CREATE_AUTHOR',
          'operation-reply-UPDATE_AUTHOR',
          'operation-reply-DELETE_AUTHOR',
          'operation-send-authorEvents',
          'operation-send-systemBroadcasts',
          'operation-reply-authors.onChange',
          'operation-reply-system.onBroadcast',
        ].sort(),
      );
      // The protocol overview: status codes and close codes tables.
      await expect(page.locator('#introduction').textContent()).resolves.toMatch(/4002\s*no auth frame within 5 s/);

      mkdirSync('test-artifacts', { recursive: true });
      await page.screenshot({ path: 'test-artifacts/asyncapi.png', fullPage: true });

      expect(requested.filter((url) => !url.startsWith(server.url) && !url.startsWith('data:'))).toEqual([]);
      expect(requested).toContain(`${server.url}/asyncapi.json`);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
