// Builds the per-call Context for every transport from what that transport knows about the caller.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { User } from '../auth/user';
import type { Services } from '../services';
import type { Context, Transport } from '../trpc/context';
import { responseHeadersOf } from './http-response';
import { callerOf } from './request-auth';
import { describeRequest } from './request-info';

export interface ContextFactory {
  /** A request-scoped context; the caller is resolved from `token` (a bearer token, maybe absent). */
  forRequest(options: {
    req: IncomingMessage;
    transport: Transport;
    token: string | undefined;
    res?: ServerResponse;
  }): Promise<Context>;
  /** A context for one call by an already authenticated user on a long-lived connection. */
  forConnection(req: IncomingMessage, transport: Transport, user: User): Context;
}

export function createContextFactory(services: Services, trustedProxies: readonly string[]): ContextFactory {
  return {
    async forRequest({ req, transport, token, res }) {
      return {
        services,
        ...(await callerOf(token, services.auth)),
        request: describeRequest(req, transport, trustedProxies),
        ...(res ? { response: responseHeadersOf(res) } : {}),
      };
    },
    forConnection: (req, transport, user) => ({
      services,
      user,
      // Each call on a connection is its own unit in logs and audit rows.
      request: { ...describeRequest(req, transport, trustedProxies), correlationId: randomUUID() },
    }),
  };
}
