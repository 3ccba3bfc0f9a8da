// The REST transport: matches a request against the route table, builds the procedure's input and
// calls the procedure with a `rest` context, so RBAC, rate limits, validation and audit are the
// procedure's own. It adds nothing but the wire format.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { callTRPCProcedure, type AnyProcedure } from '@trpc/server';
import type { AppRouter } from '../../routers';
import type { Context } from '../../trpc/context';
import { publicErrorOf } from '../../trpc/error-policy';
import { sendJson, sendPayloadTooLarge } from '../http-response';
import { readJsonBody } from './body';
import { errorResponseOf, RestError } from './errors';
import { buildInput } from './input';
import { createRouteMatcher } from './match';
import type { RestRoute } from './route';

export interface RestHandlerOptions {
  router: AppRouter;
  routes: readonly RestRoute[];
  createContext(req: IncomingMessage, res: ServerResponse): Promise<Context>;
  maxBodySize: number;
  /** Called for errors that are not the API's own (error-policy.ts `unexpected`), for logging. */
  onUnexpectedError(error: unknown, route: RestRoute, res: ServerResponse): void;
}

export interface RestHandler {
  /** Whether the path belongs to a REST route (whatever the method: a wrong one answers 405). */
  matches(method: string, pathname: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export function createRestHandler(options: RestHandlerOptions): RestHandler {
  const { router } = options;
  const match = createRouteMatcher(options.routes);
  // Each route's procedure type, looked up once. A call goes straight to tRPC's callTRPCProcedure
  // (as a server-side caller does in the end) instead of building a caller proxy per request and
  // walking it to the procedure. At run time `_def.procedures` is the flat map of dotted paths.
  const procedures = router._def.procedures as unknown as Record<string, AnyProcedure | undefined>;
  const typeOf = new Map(
    options.routes.map(({ procedure }) => {
      const found = procedures[procedure];
      if (!found) throw new Error(`REST route names an unknown procedure: ${procedure}`);
      return [procedure, found._def.type];
    }),
  );

  const call = (route: RestRoute, ctx: Context, input: unknown): Promise<unknown> =>
    callTRPCProcedure({ router, path: route.procedure, getRawInput: async () => input, ctx, type: typeOf.get(route.procedure)!, signal: undefined, batchIndex: 0 });

  return {
    matches: (method, pathname) => match(method, pathname) !== undefined,

    async handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const found = match(req.method ?? 'GET', url.pathname);
      if (!found) throw new Error(`REST handler called for unmatched path ${url.pathname}`);
      if (found.kind === 'method-not-allowed') {
        sendJson(res, 405, { detail: 'Method Not Allowed' }, { Allow: found.allow.join(', ') });
        return;
      }
      const { route, params } = found;
      try {
        const body = route.body ? await readJsonBody(req, options.maxBodySize) : undefined;
        const input = buildInput(route, { params, query: url.searchParams, body });
        const output = await call(route, await options.createContext(req, res), input);
        const status = route.status ?? 200;
        if (status === 204) {
          res.writeHead(204).end();
        } else {
          sendJson(res, status, output);
        }
      } catch (cause) {
        if (cause instanceof RestError) {
          if (cause.status === 413) sendPayloadTooLarge(res);
          else sendJson(res, cause.status, { detail: cause.detail });
          return;
        }
        const error = publicErrorOf(cause);
        if (error.unexpected) options.onUnexpectedError(cause, route, res);
        const { status, body, headers } = errorResponseOf(error);
        sendJson(res, status, body, headers);
      }
    },
  };
}
