// Captures the server's log output in memory, through the real logger configuration (redaction
// included), so tests can read the exact JSON lines production would write.
import { createLogger, type Logger } from '../../server/src/observability/logger';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface CapturedLogs {
  logger: Logger;
  /** Every line written so far, raw. */
  text(): string;
  lines(): LogLine[];
}

export function captureLogs(level: 'info' | 'debug' | 'trace' = 'info'): CapturedLogs {
  const chunks: string[] = [];
  const logger = createLogger({ LOG_LEVEL: level, NODE_ENV: 'production' }, { write: (chunk: string) => void chunks.push(chunk) });
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as LogLine),
  };
}
