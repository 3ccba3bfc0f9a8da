// Recognises PostgreSQL errors by SQLSTATE (or the driver's connection error codes), whichever driver
// raised them. Drizzle wraps driver errors (DrizzleQueryError), so the code may sit on a cause.

const UNIQUE_VIOLATION = '23505';

/**
 * The database did not answer, as opposed to refusing a statement: SQLSTATE class 08 (connection
 * exception), 57P01–57P03 (server shutting down / starting), 53300 (too many connections), postgres.js's
 * own connection codes and the socket errors it passes through. Not CONNECTION_ENDED: that is this
 * process having closed its own pool, a bug rather than an outage.
 */
const UNAVAILABLE_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const MAX_CAUSE_DEPTH = 5;

/** Every string `code` along the error's cause chain (tRPC → drizzle → driver), nearest first. */
function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < MAX_CAUSE_DEPTH; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = current.cause;
  }
  return codes;
}

export function isUniqueViolation(error: unknown): boolean {
  return codesOf(error).includes(UNIQUE_VIOLATION);
}

/** True when the error comes from the database being unreachable, not from a statement it refused. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return codesOf(error).some((code) => UNAVAILABLE_CODES.has(code) || code.startsWith('08'));
}
