// Configuration: read from the environment once, validated with zod, frozen.
// A bad value names the variable and the reason, so `main` can print it and exit 1.
import { z } from 'zod';

const KIB = 1024;
const commaList = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));
const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().min(1);
const databaseUrl = z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' });
const redisUrl = z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' });

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: port.default(8000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Base URL clients use to reach this server; the embedded issuer's `iss` derives from it. */
  PUBLIC_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: databaseUrl.optional(),
  /** Directory of a persistent embedded (PGlite) database; unset keeps it in memory. */
  PGLITE_DIR: z.string().min(1).optional(),
  REDIS_URL: redisUrl.optional(),
  /** Prefix of every Redis key, so several deployments (or test runs) can share one Redis. */
  REDIS_KEY_PREFIX: z.string().default('authors:'),

  OIDC_ISSUER_URL: z.url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).default('authors-app'),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_AUDIENCE: z.string().min(1).optional(),
  OIDC_REALM: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "_" and "-" only').default('authors'),
  ACCESS_TOKEN_TTL: positiveInt.default(300),
  REFRESH_TOKEN_TTL: positiveInt.default(1800),

  RATE_LIMIT_ENABLED: z.stringbool().default(true),
  RATE_LIMIT_PER_MINUTE: positiveInt.default(60),
  WS_MESSAGE_RATE_LIMIT: positiveInt.default(100),
  LOGIN_RATE_LIMIT: positiveInt.default(10),
  /** Failed logins per username from any IP within LOGIN_ACCOUNT_WINDOW_SECONDS (a sliding window: no permanent lockout). */
  LOGIN_ACCOUNT_RATE_LIMIT: positiveInt.default(30),
  LOGIN_ACCOUNT_WINDOW_SECONDS: positiveInt.default(15 * 60),
  RATE_LIMIT_FAIL_MODE: z.enum(['open', 'closed']).default('open'),
  /** Peers whose X-Forwarded-For is believed (IP addresses). */
  TRUSTED_PROXIES: commaList.default([]),
  WS_MAX_CONNECTIONS_PER_USER: positiveInt.default(5),
  /** How long a WebSocket (tRPC or legacy) may stay open without authenticating. */
  WS_AUTH_TIMEOUT_MS: positiveInt.default(5_000),
  WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: positiveInt.default(100),
  /** tRPC-WS keep-alive: a socket quiet this long gets a PING, and is dropped if nothing comes in WS_PONG_WAIT_MS. */
  WS_PING_MS: positiveInt.default(30_000),
  WS_PONG_WAIT_MS: positiveInt.default(10_000),

  MAX_REQUEST_BODY_SIZE: positiveInt.default(1024 * KIB),
  /** Values one procedure input may hold, counted after superjson decoding. */
  MAX_INPUT_NODES: positiveInt.default(10_000),
  /** Calls per tRPC-HTTP batch and per tRPC-WS message array; a larger batch is refused whole. */
  MAX_BATCH_SIZE: positiveInt.default(50),
  /** Estimated bytes of audit rows held in memory before calls wait for the database (back-pressure). */
  AUDIT_QUEUE_MAX_BYTES: positiveInt.default(16 * 1024 * KIB),
  WS_MAX_PAYLOAD: positiveInt.default(1024 * KIB),
  CORS_ORIGINS: commaList.default([]),
  /** How long a graceful shutdown waits for in-flight work before closing connections. */
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
});

export type Config = Readonly<z.infer<typeof envSchema>>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses `env` (default `process.env`); throws ConfigError listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset" (a common result of `VAR= cmd` or compose files).
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(parsed.data);
}

/** The URL this server is reachable at, used for the embedded issuer and links. */
export function publicUrl(config: Config, boundPort: number = config.PORT): string {
  return config.PUBLIC_URL?.replace(/\/$/, '') ?? `http://localhost:${boundPort}`;
}
