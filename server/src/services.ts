// The dependencies procedures reach through `ctx.services`: repositories and state, behind interfaces,
// so procedures never know which database or store implements them.
import type { AuthorRepository } from './db/authors-repository';
import type { Logger } from './observability/logger';
import type { EventStream } from './state/event-stream';
import type { RateLimitGuard } from './state/rate-limiter-guard';

export interface Services {
  authors: AuthorRepository;
  rateLimits: RateLimitGuard;
  /** Author changes and broadcasts, shared by every instance. */
  events: EventStream;
  logger: Logger;
  /** Aborted when the server begins shutting down; long-lived work (subscriptions) ends on it. */
  shutdownSignal: AbortSignal;
}
