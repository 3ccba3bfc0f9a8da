// The dependencies procedures reach through `ctx.services`: repositories and state, behind interfaces,
// so procedures never know which database or store implements them.
import type { AuthService } from './auth/auth-service';
import type { AuthorRepository } from './db/authors-repository';

export interface Services {
  authors: AuthorRepository;
  /** Token verification (`auth.authenticate`, shared by every transport), login, refresh, logout. */
  auth: AuthService;
}
