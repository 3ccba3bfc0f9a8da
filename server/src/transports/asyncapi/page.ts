// GET /asyncapi.json and GET /asyncapi: the generated AsyncAPI document and a page rendering it with
// AsyncAPI's React component (its standalone browser bundle), from local files (renderer.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createDocsPage } from '../docs-page';
import { SECURITY_HEADERS } from '../http-hygiene';
import { refuseNonGet, sendText } from '../http-response';
import { ASYNCAPI_RENDERER_FILES, asyncApiRendererDir } from './renderer';

/**
 * The renderer parses the document in the browser with AsyncAPI's parser, which compiles its JSON
 * Schemas with ajv (`new Function`): this page alone also allows 'unsafe-eval'. Scripts still come
 * from this origin only, and the page shows nothing but the server's own document.
 */
const PAGE_CSP = SECURITY_HEADERS['Content-Security-Policy']!.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'");

const INIT = `AsyncApiStandalone.render(
  { schema: { url: '/asyncapi.json' }, config: { show: { sidebar: true } } },
  document.getElementById('asyncapi'),
);
`;

export function createAsyncApiHandlers(document: unknown) {
  const json = JSON.stringify(document);
  return {
    document(req: IncomingMessage, res: ServerResponse): void {
      if (refuseNonGet(req, res)) return;
      sendText(res, 'application/json; charset=utf-8', json);
    },

    /** `/asyncapi` (the page) and `/asyncapi/<asset>`. */
    page: createDocsPage({
      path: '/asyncapi',
      title: 'Authors WebSocket API',
      assetDir: asyncApiRendererDir(),
      assets: {
        'asyncapi.js': { file: ASYNCAPI_RENDERER_FILES.script, contentType: 'text/javascript; charset=utf-8' },
        'asyncapi.css': { file: ASYNCAPI_RENDERER_FILES.stylesheet, contentType: 'text/css; charset=utf-8' },
      },
      stylesheets: ['asyncapi.css'],
      scripts: ['asyncapi.js'],
      root: 'asyncapi',
      init: INIT,
      contentSecurityPolicy: PAGE_CSP,
    }),
  };
}
