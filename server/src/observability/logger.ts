// Structured JSON logs (pino); human-readable in development. Secrets never reach the output:
// the usual places a token or password could sit in a logged object are censored.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config';

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

/** `destination` (default stdout) lets tests capture the exact lines production would write. */
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
  return destination ? pino(options, destination) : pino(options);
}
