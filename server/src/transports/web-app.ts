// GET /app: the browser app (client/examples/web), served from its Vite build output by sirv.
// Everything it loads is same-origin files plus /trpc over HTTP and WebSocket, so the hygiene
// layer's CSP (scripts and connections from 'self' only) fits it unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import sirv from 'sirv';
import { findUp } from '../find-up';
import { refuseNonGet, sendJson, sendNotFound } from './http-response';

export const WEB_APP_PATH = '/app';
/** Where `npm run build:web` writes the app (client/examples/web/dist at the repository root). */
const WEB_APP_BUILD = 'client/examples/web/dist';

/** Vite puts content-hashed files under assets/: they never change, while index.html must be revalidated. */
function cacheControl(res: ServerResponse, pathname: string): void {
  res.setHeader('Cache-Control', pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
}

export function createWebAppHandler(dir = findUp(import.meta.url, WEB_APP_BUILD, 'index.html')) {
  // The file list is read once here; an app built after start-up is served after a restart.
  const serve = dir ? sirv(dir, { etag: true, setHeaders: cacheControl }) : undefined;

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
