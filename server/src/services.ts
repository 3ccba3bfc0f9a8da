// The dependencies procedures reach through `ctx.services`: repositories and state, behind interfaces,
// so procedures never know which database or store implements them.
import type { AuthorRepository } from './db/authors-repository';
import type { RateLimitGuard } from './state/rate-limiter-guard';

export interface Services {
  authors: AuthorRepository;
  rateLimits: RateLimitGuard;
}
