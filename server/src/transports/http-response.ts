// Small JSON response helpers shared by the plain-HTTP routes.
import type { ServerResponse } from 'node:http';
import type { ResponseHeaders } from '../trpc/context';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

export function sendNotFound(res: ServerResponse): void {
  sendJson(res, 404, { detail: 'Not Found' });
}

/** The headers a procedure may set on `res`; dropped once the head is sent (a streamed batch answers early). */
export function responseHeadersOf(res: ServerResponse): ResponseHeaders {
  return {
    setHeader(name, value) {
      if (!res.headersSent) res.setHeader(name, value);
    },
  };
}
