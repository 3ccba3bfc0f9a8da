// Raw HTTP requests for what fetch hides: chunked bodies without Content-Length, exact headers.
import { Agent, request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Sends `chunks` with Transfer-Encoding: chunked (no Content-Length), tolerating the server closing early.
 * With `later`, the request stays open after `chunks` until `later` gives the rest of the body (a
 * request in flight, e.g. across a shutdown signal).
 */
export function sendChunked(
  url: string,
  options: { method: string; headers?: Record<string, string>; chunks: Buffer[]; later?: Promise<Buffer[]> },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method, headers: { 'Content-Type': 'application/json', ...options.headers } });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    // The server answers 413 and closes while we may still be writing: that EPIPE is expected.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    for (const chunk of options.chunks) req.write(chunk);
    void (options.later ?? Promise.resolve([])).then((rest) => {
      for (const chunk of rest) req.write(chunk);
      req.end();
    });
  });
}

export interface HttpConnection {
  /** Sends one request on the connection (a new one if the server closed the last). */
  request(options: { method: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawResponse & { reusedSocket: boolean }>;
  close(): void;
}

/** One keep-alive HTTP connection to `baseUrl`, for tests about what a refusal does to the connection. */
export function openHttpConnection(baseUrl: string): HttpConnection {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return {
    request: ({ method, path, headers, body }) =>
      new Promise((resolve, reject) => {
        const req = request(`${baseUrl}${path}`, { method, headers, agent });
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, reusedSocket: req.reusedSocket }));
        });
        // The server answers 413 and closes while we may still be writing: that EPIPE is expected.
        req.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
        });
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}
