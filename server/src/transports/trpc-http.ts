// tRPC over HTTP at /trpc (queries, mutations, batching, streaming) via tRPC's node adapter.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { TRPCRequestInfo } from '@trpc/server/http';
import type { AppRouter } from '../routers';
import type { Context } from '../trpc/context';

export interface TrpcHttpOptions {
  router: AppRouter;
  createContext(req: IncomingMessage, res: ServerResponse, info: TRPCRequestInfo): Promise<Context>;
  maxBodySize: number;
}

export function createTrpcHttpHandler(options: TrpcHttpOptions): RequestListener {
  return createHTTPHandler({
    router: options.router,
    basePath: '/trpc/',
    maxBodySize: options.maxBodySize,
    createContext: ({ req, res, info }) => options.createContext(req, res, info),
  });
}

/**
 * Route templates for HTTP metrics: one per procedure (`/trpc/authors.list`); batches and unknown
 * procedures all fall under `/trpc/{procedure}`, so clients cannot mint new label values.
 */
export function trpcEndpointTemplates(router: AppRouter): string[] {
  return ['/trpc/{procedure}', ...Object.keys(router._def.procedures).map((path) => `/trpc/${path}`)];
}
