// The per-call context every transport builds before calling a procedure.
import type { User } from '../auth/user';
import type { Transport } from '../observability/metrics';
import type { Services } from '../services';

export type { Transport };

/** Facts about the caller's request, used by rate limiting, audit and logs. */
export interface RequestInfo {
  transport: Transport;
  /** The client's address (X-Forwarded-For only when the peer is a trusted proxy). */
  ip: string;
  userAgent: string | undefined;
  correlationId: string;
}

/** Response headers a procedure may set; only HTTP transports provide it (a WebSocket frame has none). */
export interface ResponseHeaders {
  setHeader(name: string, value: string): void;
}

export interface Context {
  services: Services;
  /** Null for anonymous callers; procedures that need a user say so through their middleware. */
  user: User | null;
  /** Why presented credentials were refused (then `user` is null); shown in the UNAUTHORIZED error. */
  authFailure?: string;
  request: RequestInfo;
  response?: ResponseHeaders;
}
