// GET /openapi.json and GET /docs: the generated OpenAPI document and swagger-ui, both served from
// this process (swagger-ui-dist from node_modules, a runtime dependency), no CDN. Everything is
// same-origin, so the strict CSP of the hygiene layer holds for the page too.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { createDocsPage } from './docs-page';
import { refuseNonGet, sendText } from './http-response';

const swaggerUiDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
});
`;

export function createDocsHandlers(document: unknown) {
  const openApiJson = JSON.stringify(document);
  return {
    openApi(req: IncomingMessage, res: ServerResponse): void {
      if (refuseNonGet(req, res)) return;
      sendText(res, 'application/json; charset=utf-8', openApiJson);
    },

    /** `/docs` (the page) and `/docs/<asset>`. */
    docs: createDocsPage({
      path: '/docs',
      title: 'Authors API reference',
      assetDir: swaggerUiDir,
      assets: {
        'swagger-ui.css': { file: 'swagger-ui.css', contentType: 'text/css; charset=utf-8' },
        'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', contentType: 'text/javascript; charset=utf-8' },
        'favicon-32x32.png': { file: 'favicon-32x32.png', contentType: 'image/png' },
      },
      stylesheets: ['swagger-ui.css'],
      scripts: ['swagger-ui-bundle.js'],
      icon: 'favicon-32x32.png',
      root: 'swagger-ui',
      init: INIT,
    }),
  };
}
