// Recognises PostgreSQL errors by SQLSTATE, whichever driver raised them.
// Drizzle wraps driver errors (DrizzleQueryError), so the code may sit on the cause.

const UNIQUE_VIOLATION = '23505';

function sqlState(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 3; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === UNIQUE_VIOLATION;
}
