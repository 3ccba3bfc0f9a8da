// Structured JSON logs (pino); human-readable in development. Secrets never reach the output:
// the usual places a token or password could sit in a logged object are censored.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config';
import { lineBatch } from './line-batch';

export type { Logger };

const SECRET_FIELDS = [
  'password',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'secret',
  'authorization',
  'cookie',
];

/** Each secret field at the top level and one level down, plus request headers and WS connection params. */
export const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  ...['headers', 'req.headers', '*.headers'].flatMap((at) => [
    `${at}.authorization`,
    `${at}.cookie`,
    `${at}["set-cookie"]`,
    `${at}["x-api-key"]`,
  ]),
  'connectionParams.token',
  '*.connectionParams.token',
];

/**
 * Lines to stdout are gathered up to LOG_BUFFER_BYTES and written together (and at least every
 * LOG_FLUSH_MS), not one write per line: at ~2,000 calls/s a write per line cost 8–15 µs of each
 * call (bench/RESULTS.md). The lines reach sonic-boom, which writes them, in batches of that size
 * (line-batch.ts). 16 KiB rather than 4: each write is a syscall on a worker thread that shares the
 * server's core, and four times fewer of them cost 0.94× the CPU per W6 create (pinned A/B, 0.82–1.05
 * over its rounds). On exit, including process.exit() after a graceful shutdown or a fatal error,
 * the buffers are flushed synchronously; a SIGKILL loses what they held, at most that many bytes or
 * that much time.
 */
const LOG_BUFFER_BYTES = 16_384;
const LOG_FLUSH_MS = 100;

/** `destination` (default stdout, buffered) lets tests capture the exact lines production would write. */
export function createLogger(
  config: Pick<Config, 'LOG_LEVEL' | 'NODE_ENV'>,
  destination?: DestinationStream,
): Logger {
  const pretty = !destination && config.NODE_ENV === 'development' && process.stdout.isTTY;
  const options = {
    level: config.LOG_LEVEL,
    base: { service: 'authors-rpc' },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  };
  if (pretty) return pino(options);
  if (destination) return pino(options, destination);
  const stdout = pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES, maxWrite: 4 * LOG_BUFFER_BYTES /* sonic-boom requires minLength < maxWrite */, periodicFlush: LOG_FLUSH_MS });
  return pino(options, lineBatch(stdout, LOG_BUFFER_BYTES, LOG_FLUSH_MS));
}

const unredactedChildren = new WeakMap<Logger, Logger>();

/**
 * The same logger without redaction, for the per-request and per-call lines, which are built only
 * from fixed keys (ids, names, codes, numbers; never a header, body or input). Redaction matches
 * keys and none of those keys is one it censors, but with wildcard paths pino passes every field of
 * every line through the redactor: a few percent of the main thread at ~1,000 requests/s.
 * Never log anything else through it. Cached, so the hot path creates no child per call.
 */
export function unredacted(logger: Logger): Logger {
  let child = unredactedChildren.get(logger);
  if (!child) unredactedChildren.set(logger, (child = logger.child({}, { redact: [] })));
  return child;
}
