// GET /app: the browser app (client/examples/web), served from its Vite build output by sirv.
// Everything it loads is same-origin files plus /trpc over HTTP and WebSocket, so the hygiene
// layer's CSP (scripts and connections from 'self' only) fits it unchanged.
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import { refuseNonGet, sendJson, sendNotFound } from './http-response';

export const WEB_APP_PATH = '/app';
/** Where `npm run build:web` writes the app. */
export const WEB_APP_DIR = fileURLToPath(new URL('../../../client/examples/web/dist', import.meta.url));

/** Vite puts content-hashed files under assets/: they never change, while index.html must be revalidated. */
function cacheControl(res: ServerResponse, pathname: string): void {
  res.setHeader('Cache-Control', pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
}

export function createWebAppHandler(dir: string = WEB_APP_DIR) {
  // The file list is read once here; an app built after start-up is served after a restart.
  const serve = existsSync(dir) ? sirv(dir, { etag: true, setHeaders: cacheControl }) : undefined;

  return (req: IncomingMessage, res: ServerResponse): void => {
    if (refuseNonGet(req, res)) return;
    if (!serve) {
      sendJson(res, 404, { detail: 'The web app is not built: run `npm run build:web`' });
      return;
    }
    // sirv resolves req.url against its directory: hand it a view of the request with the mount
    // prefix removed, leaving the real request's url intact for logging.
    const path = (req.url ?? '/').slice(WEB_APP_PATH.length) || '/';
    const mounted: IncomingMessage = Object.create(req, { url: { value: path } });
    serve(mounted, res, () => sendNotFound(res));
  };
}
