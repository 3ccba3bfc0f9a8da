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
  /**
   * The contexts of the calls an authenticated user makes on one long-lived connection: what is
   * known about the connection is worked out once, and each call gets its own correlation id.
   */
  forConnection(req: IncomingMessage, transport: Transport, user: User): () => Context;
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
    forConnection(req, transport, user) {
      const connection = describeRequest(req, transport, trustedProxies);
      // Each call on a connection is its own unit in logs and audit rows.
      return () => ({ services, user, request: { ...connection, correlationId: randomUUID() } });
    },
  };
}
