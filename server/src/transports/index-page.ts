// GET /: a small page for a browser that opens the server's address, linking what it serves to
// people — the web app, the API references, health and metrics — instead of a bare 404. Static
// HTML without scripts, so the hygiene layer's CSP fits it unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { refuseNonGet, sendText } from './http-response';

const LINKS: readonly (readonly [href: string, text: string])[] = [
  ['/app', 'The web app: browse, search and edit authors, live'],
  ['/docs', 'REST API reference (OpenAPI, /openapi.json)'],
  ['/asyncapi', 'WebSocket API reference: the legacy /web protocol and the tRPC subscriptions (AsyncAPI, /asyncapi.json)'],
  ['/health', 'Health of the server and its dependencies'],
  ['/metrics', 'Prometheus metrics'],
];

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Authors API</title>
  <link rel="icon" href="data:,">
  <style>body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; } li { margin: .4rem 0; }</style>
</head>
<body>
  <h1>Authors API</h1>
  <p>A tRPC server for an authors catalogue, also served over REST and a legacy WebSocket protocol.</p>
  <ul>
${LINKS.map(([href, text]) => `    <li><a href="${href}">${href}</a> — ${text}</li>`).join('\n')}
  </ul>
</body>
</html>
`;

export function respondIndex(req: IncomingMessage, res: ServerResponse): void {
  if (refuseNonGet(req, res)) return;
  sendText(res, 'text/html; charset=utf-8', PAGE);
}
