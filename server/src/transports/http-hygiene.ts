// HTTP hygiene applied once, before routing, to every HTTP response (REST, /trpc, /health, /docs…):
// correlation id, security headers, CORS, the declared-size body limit and a log line per request.
// Bodies sent without Content-Length (chunked) are limited where they are read (rest/body.ts,
// tRPC's maxBodySize), since only the reader sees how many bytes actually arrive.
import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import type { Config } from '../config';
import { unredacted, type Logger } from '../observability/logger';
import { describeRequest } from './request-info';
import { sendPayloadTooLarge } from './http-response';

/**
 * Sent on every HTTP response. The CSP allows only this origin's scripts, which is what /docs (swagger-ui served
 * from local files) needs; swagger-ui sets inline styles and data: images, hence those two allowances.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'Permissions-Policy': 'geolocation=(), microphone=(), camera=()',
  'Content-Security-Policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
};

/** SECURITY_HEADERS as pairs, listed once rather than on every request. */
const SECURITY_HEADER_PAIRS = Object.entries(SECURITY_HEADERS);

/** Headers a browser script may read on a cross-origin response. */
const EXPOSED_HEADERS = [
  'X-Correlation-ID',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Retry-After',
  'WWW-Authenticate',
];
/** What browser clients send: bearer auth, JSON bodies, our correlation id, tRPC's streaming accept header. */
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'X-Correlation-ID', 'trpc-accept'];

export type HttpHygiene = (req: IncomingMessage, res: ServerResponse) => { handled: boolean };

type HygieneConfig = Pick<Config, 'CORS_ORIGINS' | 'MAX_REQUEST_BODY_SIZE' | 'TRUSTED_PROXIES'>;

/** Returns a function that prepares each response; `handled` means it already answered (preflight, 413). */
export function createHttpHygiene(config: HygieneConfig, logger: Logger): HttpHygiene {
  const corsOrigins = config.CORS_ORIGINS;
  // No CORS_ORIGINS: no CORS headers at all, so browsers keep the same-origin policy.
  const applyCors = corsOrigins.length
    ? cors({
        origin: corsOrigins.includes('*') ? '*' : [...corsOrigins],
        methods: ['GET', 'POST', 'PUT', 'DELETE'],
        allowedHeaders: ALLOWED_HEADERS,
        exposedHeaders: EXPOSED_HEADERS,
        maxAge: 600,
      })
    : undefined;
  // The request line holds only the fixed fields below: see unredacted().
  const requestLog = unredacted(logger);

  return (req, res) => {
    const startedAt = process.hrtime.bigint();
    const { correlationId } = describeRequest(req, 'http', config.TRUSTED_PROXIES);
    res.setHeader('X-Correlation-ID', correlationId);
    for (const [name, value] of SECURITY_HEADER_PAIRS) res.setHeader(name, value);
    // 'close' rather than 'finish': a request the client abandoned is logged too.
    res.once('close', () => {
      const durationMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
      requestLog.info(
        {
          method: req.method,
          path: (req.url ?? '/').split('?', 1)[0],
          status: res.statusCode,
          correlation_id: correlationId,
          duration_ms: Math.round(durationMs * 10) / 10,
        },
        'request completed',
      );
    });

    if (applyCors) {
      // With static options `cors` runs synchronously; for a preflight it answers 204 itself.
      applyCors(req, res, () => {});
      if (res.writableEnded) return { handled: true };
    }

    const declared = Number(req.headers['content-length']);
    if (declared > config.MAX_REQUEST_BODY_SIZE) {
      sendPayloadTooLarge(res);
      return { handled: true };
    }
    return { handled: false };
  };
}
