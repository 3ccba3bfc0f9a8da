// The dependencies procedures reach through `ctx.services`: repositories and state, behind interfaces,
// so procedures never know which database or store implements them.
import type { AuditRepository } from './db/audit-repository';
import type { AuthorRepository } from './db/authors-repository';
import type { Telemetry } from './observability/telemetry';

export interface Services {
  authors: AuthorRepository;
  auditLogs: AuditRepository;
  /** Metrics, log and audit queue of the observe and audit middleware. */
  telemetry: Telemetry;
}
