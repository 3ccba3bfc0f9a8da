// Small JSON response helpers shared by the plain-HTTP routes.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { encodeJson } from '../json/encode-json';
import type { ResponseHeaders } from '../trpc/context';

const EMPTY = Buffer.alloc(0);

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  // A body that encodes to nothing (undefined) is sent empty, as res.end(undefined) did.
  const payload = encodeJson(body) ?? EMPTY;
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': payload.length,
  });
  res.end(payload);
}

export function sendText(res: ServerResponse, contentType: string, text: string): void {
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendNotFound(res: ServerResponse): void {
  sendJson(res, 404, { detail: 'Not Found' });
}

/** For read-only resources (docs, the web app): anything but GET/HEAD is answered 405; true when it did. */
export function refuseNonGet(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  sendJson(res, 405, { detail: 'Method Not Allowed' }, { Allow: 'GET, HEAD' });
  return true;
}

/** The headers a procedure may set on `res`; dropped once the head is sent (a streamed batch answers early). */
export function responseHeadersOf(res: ServerResponse): ResponseHeaders {
  return {
    setHeader(name, value) {
      if (!res.headersSent) res.setHeader(name, value);
    },
  };
}

/**
 * 413. The rest of the body is never read, so the connection is closed after the answer instead
 * of being kept alive with unread bytes in it. `body` is for protocols with their own error shape (OAuth2).
 */
export function sendPayloadTooLarge(res: ServerResponse, body: unknown = { detail: 'Request body too large' }): void {
  sendJson(res, 413, body, { Connection: 'close' });
}
