// tRPC over HTTP at /trpc (queries, mutations, batching, streaming, SSE subscriptions) via tRPC's
// node adapter, with one shortcut of our own: a single, unbatched GET of a query (`httpLink`, curl,
// caches) is answered directly on tRPC's primitives. The adapter turns every request into a Fetch
// `Request` and its answer into a `Response` read back through a web stream — a large share of a
// small query's cost (bench W1). The shortcut answers the same status and JSON body through the
// same `callTRPCProcedure`, error formatter and transformer; anything else (batches, streaming,
// POST, input that does not parse, unknown paths) goes to the adapter unchanged.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { callTRPCProcedure, getErrorShape, getTRPCErrorFromUnknown, transformTRPCResponse, type AnyProcedure } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { getHTTPStatusCodeFromError, type TRPCRequestInfo } from '@trpc/server/http';
import type { AppRouter } from '../routers';
import type { Context } from '../trpc/context';

export type TrpcRequestInfo = Pick<TRPCRequestInfo, 'type' | 'connectionParams'>;

export interface TrpcHttpOptions {
  router: AppRouter;
  createContext(req: IncomingMessage, res: ServerResponse, info: TrpcRequestInfo): Promise<Context>;
  maxBodySize: number;
}

const BASE_PATH = '/trpc/';
/** What tRPC's adapter answers with, so caches key responses the same way. */
const JSON_HEADERS = { 'Content-Type': 'application/json', Vary: 'trpc-accept, accept' };

export function createTrpcHttpHandler(options: TrpcHttpOptions): RequestListener {
  const { router } = options;
  const config = router._def._config;
  const adapter = createHTTPHandler({
    router,
    basePath: BASE_PATH,
    maxBodySize: options.maxBodySize,
    createContext: ({ req, res, info }) => options.createContext(req, res, info),
  });
  // tRPC types `_def.procedures` as the nested router shape; at run time it is the flat map of
  // dotted paths to procedures.
  const procedures = router._def.procedures as unknown as Record<string, AnyProcedure>;
  const queryPaths = new Set(
    Object.entries(procedures)
      .filter(([, procedure]) => procedure._def.type === 'query')
      .map(([path]) => path),
  );

  /** The query a request may take the shortcut for, with its input; undefined sends it to the adapter. */
  function singleQuery(req: IncomingMessage): { path: string; input: unknown } | undefined {
    if (req.method !== 'GET' || req.headers['trpc-accept'] !== undefined) return undefined;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = decodeURIComponent(url.pathname.slice(BASE_PATH.length));
    if (url.searchParams.has('batch') || !queryPaths.has(path)) return undefined;
    const raw = url.searchParams.get('input');
    try {
      return { path, input: raw === null ? undefined : config.transformer.input.deserialize(JSON.parse(raw)) };
    } catch {
      return undefined; // the adapter words the parse error
    }
  }

  async function answerQuery(req: IncomingMessage, res: ServerResponse, path: string, input: unknown) {
    const ctx = await options.createContext(req, res, { type: 'query', connectionParams: null });
    let status = 200;
    let body: string;
    try {
      const data = await callTRPCProcedure({ router, path, getRawInput: async () => input, ctx, type: 'query', signal: undefined, batchIndex: 0 });
      body = JSON.stringify(transformTRPCResponse(config, { result: { data } }));
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      status = getHTTPStatusCodeFromError(error);
      body = JSON.stringify(transformTRPCResponse(config, { error: getErrorShape({ config, error, type: 'query', path, input, ctx }) }));
    }
    res.writeHead(status, { ...JSON_HEADERS, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  return (req, res) => {
    const query = singleQuery(req);
    if (!query) return adapter(req, res);
    return answerQuery(req, res, query.path, query.input);
  };
}

/**
 * Route templates for HTTP metrics: one per procedure (`/trpc/authors.list`); batches and unknown
 * procedures all fall under `/trpc/{procedure}`, so clients cannot mint new label values.
 */
export function trpcEndpointTemplates(router: AppRouter): string[] {
  return ['/trpc/{procedure}', ...Object.keys(router._def.procedures).map((path) => `/trpc/${path}`)];
}
