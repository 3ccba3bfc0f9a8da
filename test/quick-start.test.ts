// The README's quick start on a fresh checkout: `npm start` (after `npm install`) builds the web app
// first, so /app is served, and / leads a browser to it and to the API references. Run in a copy of
// the sources without any build output, sharing this checkout's node_modules.
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from './helpers/process';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = ['package.json', 'tsconfig.json', 'tsconfig.base.json', 'drizzle', 'shared', 'server', 'client'];
const BUILD_OUTPUT = new Set(['node_modules', 'dist', '__pycache__']);

describe('npm start on a fresh checkout', () => {
  let checkout: string;
  let server: ServerProcess;

  beforeAll(async () => {
    checkout = mkdtempSync(join(tmpdir(), 'quick-start-'));
    for (const entry of SOURCES) {
      cpSync(join(ROOT, entry), join(checkout, entry), { recursive: true, filter: (path) => !BUILD_OUTPUT.has(basename(path)) });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));
    expect(existsSync(join(checkout, 'client/examples/web/dist'))).toBe(false);
    server = await spawnServer({ NODE_ENV: 'development', LOG_LEVEL: 'info' }, { entry: 'npm-start', cwd: checkout, timeoutMs: 120_000 });
  }, 150_000);
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
    if (checkout) rmSync(checkout, { recursive: true, force: true });
  });

  it('builds the web app before starting, then serves it at /app', async () => {
    expect(server.output()).toContain('web app: building client/examples/web for /app');
    const app = await fetch(`${server.url}/app`);
    expect([app.status, app.headers.get('content-type')]).toEqual([200, 'text/html;charset=utf-8']);
    const script = /src="(\/app\/assets\/index-[\w-]+\.js)"/.exec(await app.text())?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${server.url}${script}`);
    expect([asset.status, asset.headers.get('content-type')]).toEqual([200, 'text/javascript']);
    await asset.arrayBuffer();
  });

  it('answers / with links to the app, the API references, health and metrics', async () => {
    const index = await fetch(`${server.url}/`);
    expect([index.status, index.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    const links = [...(await index.text()).matchAll(/<a href="([^"]+)">/g)].map((match) => match[1]);
    expect(links).toEqual(['/app', '/docs', '/asyncapi', '/health', '/metrics']);
    for (const link of links) {
      const target = await fetch(`${server.url}${link}`);
      expect([link, target.status]).toEqual([link, 200]);
      await target.arrayBuffer();
    }
    const post = await fetch(`${server.url}/`, { method: 'POST' });
    expect([post.status, await post.json()]).toEqual([405, { detail: 'Method Not Allowed' }]);
  });
});
