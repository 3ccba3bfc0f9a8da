// The dependencies procedures reach through `ctx.services`: repositories and state, behind interfaces,
// so procedures never know which database or store implements them.
import type { AuditRepository } from './db/audit-repository';
import type { AuthService } from './auth/auth-service';
import type { AuthorRepository } from './db/authors-repository';
import type { Telemetry } from './observability/telemetry';
import type { EventStream } from './state/event-stream';
import type { RateLimitGuard } from './state/rate-limiter-guard';

/** Limits every procedure call is held to, whatever its transport. */
export interface CallLimits {
  /** Values an input may hold (MAX_INPUT_NODES); see middleware/input-budget.ts. */
  maxInputNodes: number;
}

export interface Services {
  authors: AuthorRepository;
  auditLogs: AuditRepository;
  /** Metrics, log and audit queue of the observe and audit middleware. */
  telemetry: Telemetry;
  rateLimits: RateLimitGuard;
  /** Author changes and broadcasts, shared by every instance. */
  events: EventStream;
  /** Aborted when the server begins shutting down; subscription feeds are interrupted by it (trpc/event-feed.ts). */
  shutdownSignal: AbortSignal;
  limits: CallLimits;
  /** Token verification (`auth.authenticate`, shared by every transport), login, refresh, logout. */
  auth: AuthService;
}
