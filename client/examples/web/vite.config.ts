// The browser app: built into dist/ for the server to serve at /app (`npm run build:web`), or run
// by Vite's dev server with /trpc (HTTP and WebSocket) proxied to a running server (`npm run dev:web`).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const server = process.env.AUTHORS_URL ?? 'http://localhost:8000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/app/',
  // @authors/client (and the packages it bundles) from source, as in the tests.
  resolve: { conditions: ['@authors/source'] },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: { proxy: { '/trpc': { target: server, ws: true } } },
});
