// A documentation page served from local files, no CDN: the HTML, its start-up script (a file, not
// inline, so the CSP needs no 'unsafe-inline' for scripts) and the few files of the npm package that
// renders it. /docs (swagger-ui) and /asyncapi (AsyncAPI's React component) are two such pages.
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { refuseNonGet, sendJson, sendNotFound, sendText } from './http-response';

export interface DocsPageOptions {
  /** Where the page is mounted, e.g. `/docs`; its files are under `<path>/`. */
  path: `/${string}`;
  title: string;
  /** The renderer's directory, or undefined when it is not installed (the page then says so). */
  assetDir: string | undefined;
  /** The renderer's files the page uses: the name served under `<path>/` → its file in assetDir. */
  assets: Readonly<Record<string, { file: string; contentType: string }>>;
  stylesheets: readonly string[];
  scripts: readonly string[];
  /** An asset to use as the favicon (else an empty one, so the browser asks for no /favicon.ico). */
  icon?: string;
  /** The id of the element the renderer draws into. */
  root: string;
  /** The start-up script, served as `<path>/init.js`. */
  init: string;
  /** Replaces the hygiene layer's Content-Security-Policy on the HTML, when the renderer needs more. */
  contentSecurityPolicy?: string;
}

export type DocsPageHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function createDocsPage(options: DocsPageOptions): DocsPageHandler {
  const { path: base } = options;
  const html = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${options.title}</title>
${options.stylesheets.map((name) => `  <link rel="stylesheet" href="${base}/${name}">\n`).join('')}\
  <link rel="icon" href="${options.icon ? `${base}/${options.icon}` : 'data:,'}">

</head>
<body>
  <div id="${options.root}"></div>
${options.scripts.map((name) => `  <script src="${base}/${name}"></script>\n`).join('')}\
  <script src="${base}/init.js"></script>
</body>
</html>
`;

  return (req, res) => {
    if (refuseNonGet(req, res)) return;
    const { assetDir } = options;
    if (!assetDir) {
      sendJson(res, 404, { detail: `The renderer of ${base} is not installed` });
      return;
    }
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (path === base || path === `${base}/`) {
      if (options.contentSecurityPolicy) res.setHeader('Content-Security-Policy', options.contentSecurityPolicy);
      return sendText(res, 'text/html; charset=utf-8', html);
    }
    const name = path.slice(base.length + 1);
    if (name === 'init.js') return sendText(res, 'text/javascript; charset=utf-8', options.init);
    const asset = Object.hasOwn(options.assets, name) ? options.assets[name] : undefined;
    if (!asset) return sendNotFound(res);
    res.writeHead(200, { 'Content-Type': asset.contentType, 'Cache-Control': 'public, max-age=3600' });
    createReadStream(join(assetDir, asset.file)).pipe(res);
  };
}
