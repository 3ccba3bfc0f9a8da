// GET /openapi.json and GET /docs: the generated document and swagger-ui, both served from this
// process (swagger-ui-dist from node_modules), no CDN. Everything is same-origin, so the strict
// CSP of the hygiene layer holds for the page too.
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { refuseNonGet, sendNotFound } from './http-response';

const swaggerUiDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The only files of swagger-ui-dist the page uses. */
const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Authors API reference</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

// An external script rather than an inline one, so the CSP needs no 'unsafe-inline' for scripts.
const INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
});
`;

function sendText(res: ServerResponse, contentType: string, text: string): void {
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function createDocsHandlers(document: unknown) {
  const openApiJson = JSON.stringify(document);
  return {
    openApi(req: IncomingMessage, res: ServerResponse): void {
      if (refuseNonGet(req, res)) return;
      sendText(res, 'application/json; charset=utf-8', openApiJson);
    },

    /** `/docs` (the page) and `/docs/<asset>`. */
    docs(req: IncomingMessage, res: ServerResponse): void {
      if (refuseNonGet(req, res)) return;
      const path = (req.url ?? '/').split('?', 1)[0]!;
      if (path === '/docs' || path === '/docs/') return sendText(res, 'text/html; charset=utf-8', PAGE);
      const name = path.slice('/docs/'.length);
      if (name === 'init.js') return sendText(res, 'text/javascript; charset=utf-8', INIT);
      const contentType = ASSETS[name];
      if (!contentType) return sendNotFound(res);
      res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'public, max-age=3600' });
      createReadStream(join(swaggerUiDir, name)).pipe(res);
    },
  };
}
