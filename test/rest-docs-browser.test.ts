// /docs renders in a real browser (Debian's chromium driven by playwright-core): the page lists the
// author routes, loads nothing from another origin and breaks no rule of the CSP it is served with.
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, recordedPage } from './helpers/chromium';
import { startTestServer } from './helpers/server';

const hasChromium = chromiumAvailable('the /docs browser test');

describe.skipIf(!hasChromium)('/docs in headless Chromium', () => {
  it('lists every REST route (and /health, /metrics), from local files only, without CSP violations', async () => {
    await using server = await startTestServer({ driver: 'pglite' });
    const browser = await launchChromium();
    try {
      const { page, requested, problems } = await recordedPage(browser);

      const response = await page.goto(`${server.url}/docs`);
      expect(response?.status()).toBe(200);
      await page.locator('.opblock').first().waitFor({ timeout: 20_000 });

      const operations = await page
        .locator('.opblock-summary')
        .evaluateAll((elements) =>
          elements.map((element) => {
            const method = element.querySelector('.opblock-summary-method')?.textContent ?? '';
            const path = element.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '';
            return `${method} ${path}`;
          }),
        );
      expect(operations.sort()).toEqual(
        [
          'POST /login',
          'POST /refresh',
          'POST /logout',
          'GET /me',
          'GET /authors',
          'POST /authors',
          'GET /authors/paginated',
          'GET /authors/{id}',
          'PUT /authors/{id}',
          'DELETE /authors/{id}',
          'GET /audit-logs',
          'GET /audit-logs/{id}',
          'POST /broadcast',
          'GET /health',
          'GET /metrics',
        ].sort(),
      );
      await expect(page.locator('.info .title').textContent()).resolves.toContain('Authors API');

      mkdirSync('test-artifacts', { recursive: true });
      await page.screenshot({ path: 'test-artifacts/docs.png', fullPage: true });

      expect(requested.filter((url) => !url.startsWith(server.url) && !url.startsWith('data:'))).toEqual([]);
      expect(requested).toContain(`${server.url}/openapi.json`);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
