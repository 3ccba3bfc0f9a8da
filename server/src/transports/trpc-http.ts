// tRPC over HTTP at /trpc (queries, mutations, batching, streaming, SSE subscriptions) via tRPC's
// node adapter, with one shortcut of our own: a single call — a GET of a query or a JSON POST of a
// mutation, unbatched (`httpLink`, curl, caches) or a batch of one (`httpBatchLink`, which the typed
// client uses, with one call in flight) — is answered directly on tRPC's primitives. The adapter
// turns every request into a Fetch `Request` and its answer into a `Response` read back through a
// web stream: a quarter of a small mutation's cost (bench W6). The shortcut answers the same status
// and JSON body through the same `callTRPCProcedure`, error formatter and transformer, with input
// parsed lazily as the adapter does (so a refused call never reads its body); anything else
// (batches of several calls, streaming, chunked bodies, other content types, unknown paths, a method
// the procedure does not take, `connectionParams` in the URL) goes to the adapter unchanged.
// test/trpc-differential.test.ts holds both to the same answers.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { callTRPCProcedure, getErrorShape, getTRPCErrorFromUnknown, transformTRPCResponse, TRPCError, type AnyProcedure } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { getHTTPStatusCodeFromError, type TRPCRequestInfo } from '@trpc/server/http';
import { encodeJson } from '../json/encode-json';
import type { AppRouter } from '../routers';
import type { Context } from '../trpc/context';
import { configForEncoder } from '../trpc/wire-format';
import { readBody } from './request-body';

export type TrpcRequestInfo = Pick<TRPCRequestInfo, 'type' | 'connectionParams'>;

export interface TrpcHttpOptions {
  router: AppRouter;
  createContext(req: IncomingMessage, res: ServerResponse, info: TrpcRequestInfo): Promise<Context>;
  maxBodySize: number;
  /** Calls per batch; a larger batch is refused whole (tRPC's own `maxBatchSize`). */
  maxBatchSize: number;
  /** Every error tRPC's adapter answers (before a call, in a call, in an SSE stream), for logging. */
  onError(error: TRPCError, ctx: Context | undefined): void;
}

const BASE_PATH = '/trpc/';
/** `/trpc/<procedure path>`, optionally `?batch=1`; the path starts with a letter, so it is no dot segment. */
const SIMPLE_TARGET = /^\/trpc\/([A-Za-z][\w.]*)(\?batch=1)?$/;

export function createTrpcHttpHandler(options: TrpcHttpOptions): RequestListener {
  const { router } = options;
  const config = router._def._config;
  // Answers of the single-call path are written by encodeJson (see configForEncoder).
  const encoderConfig = configForEncoder(config);
  const adapter = createHTTPHandler({
    router,
    basePath: BASE_PATH,
    maxBodySize: options.maxBodySize,
    maxBatchSize: options.maxBatchSize,
    createContext: ({ req, res, info }) => options.createContext(req, res, info),
    onError: ({ error, ctx }) => options.onError(error, ctx),
  });
  // tRPC types `_def.procedures` as the nested router shape; at run time it is the flat map of
  // dotted paths to procedures.
  const procedures = router._def.procedures as unknown as Record<string, AnyProcedure>;
  const typeOf = new Map(Object.entries(procedures).map(([path, procedure]) => [path, procedure._def.type]));

  /** The call a request may take the shortcut for; undefined sends it to the adapter. */
  function singleCall(req: IncomingMessage): SingleCall | undefined {
    if (req.headers['trpc-accept'] !== undefined) return undefined;
    const target = req.url ?? '/';
    // The usual target, `/trpc/<path>` with no query or just `?batch=1`, read without a URL object: what
    // the URL's pathname and searchParams would say (no escapes, no dot segments, no other parameter).
    const simple = SIMPLE_TARGET.exec(target);
    const url = simple ? undefined : new URL(target, 'http://localhost');
    if (url?.searchParams.has('connectionParams')) return undefined;
    // The adapter reads only `batch=1` as a batch; a batch of several calls is its own.
    const batched = simple ? simple[2] !== undefined : url?.searchParams.get('batch') === '1';
    const path = simple ? simple[1] : procedurePathOf(url?.pathname ?? '');
    if (path === undefined || (batched && path.includes(','))) return undefined; // malformed escapes: the adapter words the error
    const type = typeOf.get(path);
    if (req.method === 'GET' && type === 'query') {
      // An empty `?input=` is no input, as the adapter reads it.
      const input = url?.searchParams.get('input') || undefined;
      return { path, type, batched, readInput: async () => input };
    }
    const declaredLength = req.headers['content-length'];
    if (req.method === 'POST' && type === 'mutation' && declaredLength !== undefined && isJson(req)) {
      // The hygiene layer has refused a declared length over the limit; nothing longer can arrive.
      return { path, type, batched, readInput: () => (Number(declaredLength) === 0 ? NO_INPUT : readText(req)) };
    }
    return undefined;
  }

  /** The call's input, from its JSON text (in a batch, the entry "0"), as the adapter reads it. */
  function parseInput(text: string | undefined, batched: boolean): unknown {
    if (text === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new TRPCError({ code: 'BAD_REQUEST', cause });
    }
    if (batched) {
      if (typeof json !== 'object' || json === null) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: '"input" needs to be an object when doing a batch call' });
      }
      json = (json as Record<string, unknown>)[0];
      if (json === undefined) return undefined;
    }
    try {
      return config.transformer.input.deserialize(json);
    } catch (cause) {
      throw new TRPCError({ code: 'BAD_REQUEST', cause });
    }
  }

  async function answer(req: IncomingMessage, res: ServerResponse, { path, type, batched, readInput }: SingleCall) {
    const ctx = await options.createContext(req, res, { type, connectionParams: null });
    // Middleware (login limits, audit) and the procedure each ask; the body can be read only once.
    let input: Promise<unknown> | undefined;
    const getRawInput = () => (input ??= readInput().then((text) => parseInput(text, batched)));
    let status = 200;
    let response: unknown;
    try {
      const data = await callTRPCProcedure({ router, path, getRawInput, ctx, type, signal: undefined, batchIndex: 0 });
      // What transformTRPCResponse makes of `{ result: { data } }`, without its four object spreads.
      response = { result: { data: encoderConfig.transformer.output.serialize(data) } };
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      status = getHTTPStatusCodeFromError(error);
      response = transformTRPCResponse(encoderConfig, { error: getErrorShape({ config, error, type, path, input: undefined, ctx }) });
    }
    const body = encodeJson(batched ? [response] : response)!;
    // The headers tRPC's adapter answers with (so caches key responses the same way), as a literal: no spread per answer.
    res.writeHead(status, { 'Content-Type': 'application/json', Vary: 'trpc-accept, accept', 'Content-Length': body.length });
    res.end(body);
  }

  return (req, res) => {
    const call = singleCall(req);
    return call ? answer(req, res, call) : adapter(req, res);
  };
}

interface SingleCall {
  path: string;
  type: 'query' | 'mutation';
  /** A batch of one (`?batch=1`): the input is the entry "0", the answer a one-element array. */
  batched: boolean;
  /** The input's JSON text (superjson), read only when the procedure asks for its input. */
  readInput(): Promise<string | undefined>;
}

function procedurePathOf(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname.slice(BASE_PATH.length));
  } catch {
    return undefined;
  }
}

const isJson = (req: IncomingMessage) => req.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase() === 'application/json';

const NO_INPUT = Promise.resolve(undefined);

/**
 * The whole body as text (readBody: see there for how it fails). There is no synchronous shortcut
 * for a body that came with the headers: Node runs the microtasks of the 'request' event, and so
 * this call, before it parses that body.
 */
const readText = (req: IncomingMessage): Promise<string> => readBody(req).then((body) => body.toString('utf8'));

/**
 * Route templates for HTTP metrics: one per procedure (`/trpc/authors.list`); batches and unknown
 * procedures all fall under `/trpc/{procedure}`, so clients cannot mint new label values.
 */
export function trpcEndpointTemplates(router: AppRouter): string[] {
  return ['/trpc/{procedure}', ...Object.keys(router._def.procedures).map((path) => `/trpc/${path}`)];
}
