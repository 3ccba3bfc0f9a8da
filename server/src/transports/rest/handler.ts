// The REST transport: matches a request against the route table, builds the procedure's input and
// calls it through a server-side caller with a `rest` context, so RBAC, rate limits, validation and
// audit are the procedure's own. It adds nothing but the wire format.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppRouter } from '../../routers';
import type { Context } from '../../trpc/context';
import { publicErrorOf } from '../../trpc/error-policy';
import { createCallerFactory } from '../../trpc/init';
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

/** The caller is a recursive proxy: each property is the next path segment, the leaf is callable. */
interface CallerNode {
  [segment: string]: CallerNode;
  (input: unknown): Promise<unknown>;
}

export function createRestHandler(options: RestHandlerOptions): RestHandler {
  const match = createRouteMatcher(options.routes);
  const createCaller = createCallerFactory(options.router);

  const call = async (route: RestRoute, ctx: Context, input: unknown): Promise<unknown> => {
    const caller = createCaller(ctx) as unknown as CallerNode;
    const procedure = route.procedure.split('.').reduce((node, segment) => node[segment]!, caller);
    return procedure(input);
  };

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
