// One tRPC WebSocket connection: the protocol @trpc/client's wsLink speaks (connectionParams first,
// then queries, mutations, subscriptions and their stops, single or batched, PING/PONG), served on
// tRPC's own primitives — `parseTRPCMessage`, `callTRPCProcedure`, `getErrorShape` — so input
// parsing, middleware, RBAC and error shapes are exactly the router's.
//
// Why not @trpc/server's `applyWSSHandler`: it runs every subscription as its own async loop that
// races each `next()` against an abort promise, which made fanning an event out to thousands of
// subscribers several times slower than writing the frame to each socket (bench W4). Here an event
// feed (trpc/event-feed.ts) is attached to the socket and pushes prepared frames with plain calls;
// any other async iterable is still iterated. Each call also gets its own context, so its log line
// and audit row carry their own correlation id. Everything a client can see — answers, refusals,
// parse errors, `stopped` — is what tRPC's adapter sends: test/trpc-differential.test.ts compares the
// two frame by frame, and docs/trpc-compat.md lists the few deliberate differences.
import { callTRPCProcedure, getErrorShape, getTRPCErrorFromUnknown, TRPCError, type AnyTRPCRouter, type ProcedureType } from '@trpc/server';
import { jsonEncoder } from '@trpc/server/adapters/ws';
import { parseConnectionParamsFromUnknown } from '@trpc/server/http';
import { parseTRPCMessage, type TRPCClientOutgoingMessage, type TRPCResponseMessage } from '@trpc/server/rpc';
import type { RawData, WebSocket } from 'ws';
import type { ConnectionMetrics } from '../../observability/transport-metrics';
import type { Context } from '../../trpc/context';
import { isEventFeed } from '../../trpc/event-feed';
import { sendText, type OutgoingText } from '../shared-frame';
import type { FrameEncoder, RequestId } from './frames';

type ConnectionParams = Partial<Record<string, string>> | null;

/** Authenticates and admits the connection from its connectionParams; returns the per-call context factory. */
export type OpenSession = (connectionParams: ConnectionParams) => Promise<() => Context>;

export interface ConnectionLimits {
  /** Messages per array; a longer array is refused whole, every call in it answered BAD_REQUEST. */
  maxBatchSize: number;
  /** Live subscriptions per socket; a subscribe call past it is refused. */
  maxSubscriptions: number;
  /** How long a socket announcing connectionParams may take to send them. */
  authTimeoutMs: number;
}

export interface ConnectionOptions {
  /** Any router whose context is ours (the app's, or a test's). */
  router: AnyTRPCRouter;
  frames: FrameEncoder;
  metrics: ConnectionMetrics;
  openSession: OpenSession;
  /** Closes a socket that did not authenticate in time (the error frame is sent first). */
  refuse(reason: string): void;
  limits: ConnectionLimits;
  /** Whether the client announced a connectionParams message (`?connectionParams=1`). */
  expectsConnectionParams: boolean;
  /** Sees every error answered, for logging. */
  onError?(error: TRPCError, ctx: Context | undefined): void;
}

export const TOO_MANY_SUBSCRIPTIONS = 'Maximum subscriptions per connection exceeded';
const AUTH_TIMEOUT = 'Authentication timeout';

/** What the transport's keep-alive sweep and shutdown need to know about a connection. */
export interface ConnectionActivity {
  lastMessageAt: number;
  /** Queries and mutations read and not answered yet; `onCallsAnswered` runs when this falls to 0. */
  callsInFlight: number;
  onCallsAnswered: (() => void) | undefined;
}

type Jsonrpc = '2.0' | undefined;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isRequestId = (value: unknown): value is RequestId => typeof value === 'number' || typeof value === 'string';

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return isObject(value) && Symbol.asyncIterator in value;
}

export function serveConnection(ws: WebSocket, options: ConnectionOptions): ConnectionActivity {
  const { router, frames, metrics, limits } = options;
  const config = router._def._config;
  const activity: ConnectionActivity = { lastMessageAt: Date.now(), callsInFlight: 0, onCallsAnswered: undefined };
  // What an idle socket does not need is made when first needed, and a cleared timer is let go:
  // thousands of idle sockets each keeping them add up (bench W5).
  /** Aborted when the socket closes, for the calls still running (subscriptions have their own). */
  let closed: AbortController | undefined;
  const closedSignal = () => {
    if (!closed) {
      closed = new AbortController();
      if (ws.readyState === ws.CLOSED) closed.abort();
    }
    return closed.signal;
  };
  let subscriptions: Map<RequestId, AbortController> | undefined;
  let session: Promise<() => Context> | undefined;

  const send = (frame: OutgoingText) => {
    if (ws.readyState !== ws.OPEN) return;
    sendText(ws, frame);
    metrics.sent();
  };
  const respond = (message: TRPCResponseMessage) => send(frames.encode(message));

  function respondError(
    id: RequestId | null,
    jsonrpc: Jsonrpc,
    cause: unknown,
    call: { type: ProcedureType | 'unknown'; path: string | undefined; input: unknown; ctx: Context | undefined },
  ) {
    const error = getTRPCErrorFromUnknown(cause);
    options.onError?.(error, call.ctx);
    respond({ id, jsonrpc, error: getErrorShape({ config, error, ...call }) });
  }
  const respondParseError = (cause: unknown, message?: string) =>
    respondError(null, undefined, new TRPCError({ code: 'PARSE_ERROR', message, cause }), {
      type: 'unknown',
      path: undefined,
      input: undefined,
      ctx: undefined,
    });

  const connectionError = (cause: unknown) =>
    respondError(null, undefined, cause, { type: 'unknown', path: undefined, input: undefined, ctx: undefined });

  /**
   * Opens the session from the connectionParams `readParams` gives (it throws PARSE_ERROR for a
   * malformed message). A refusal is answered as tRPC's adapter answers a `createContext` that
   * throws — an error frame with no id, which makes the standard client back off before it
   * reconnects — and the socket is closed (by the transport first, with its own code, if it refused).
   */
  function open(readParams: () => ConnectionParams) {
    clearTimeout(authTimer);
    authTimer = undefined;
    session = (async () => options.openSession(readParams()))();
    session.catch((cause: unknown) => {
      connectionError(cause);
      setImmediate(() => ws.close());
    });
  }

  /** The connectionParams message tRPC's client sends first, read as tRPC's adapter reads it. */
  function connectionParamsOf(data: string | Buffer): ConnectionParams {
    let message: unknown;
    try {
      message = jsonEncoder.decode(data);
      if (!isObject(message)) throw new Error('Message was not an object');
    } catch (cause) {
      throw new TRPCError({ code: 'PARSE_ERROR', message: 'Malformed TRPCConnectionParamsMessage', cause });
    }
    return parseConnectionParamsFromUnknown(message.data);
  }

  /** As tRPC's adapter: every call of an over-long array is answered with the refusal, none runs. */
  function refuseBatch(batch: unknown[]) {
    const error = new TRPCError({ code: 'BAD_REQUEST', message: 'Batch call exceeds maximum size' });
    const shape = getErrorShape({ config, error, type: 'unknown', path: undefined, input: undefined, ctx: undefined });
    const calls = batch.filter((raw) => isObject(raw) && raw.method !== 'subscription.stop' && isRequestId(raw.id));
    if (calls.length === 0) return respond({ id: null, error: shape });
    for (const call of calls as { id: RequestId; jsonrpc?: unknown }[]) {
      respond({ id: call.id, jsonrpc: call.jsonrpc === '2.0' ? '2.0' : undefined, error: shape });
    }
  }

  /** Iterates a plain async iterable; feeds are attached instead (see the header). */
  async function iterate(iterable: AsyncIterable<unknown>, frameOf: (value: unknown) => OutgoingText, signal: AbortSignal) {
    const iterator = iterable[Symbol.asyncIterator]();
    const aborted = new Promise<'aborted'>((resolve) => signal.addEventListener('abort', () => resolve('aborted'), { once: true }));
    try {
      while (!signal.aborted) {
        const next = await Promise.race([iterator.next(), aborted]);
        if (next === 'aborted' || next.done) break;
        send(frameOf(next.value));
      }
    } finally {
      iterator.return?.().catch(() => {});
    }
  }

  function subscribe(id: RequestId, jsonrpc: Jsonrpc, result: unknown, path: string, subscription: AbortController) {
    const stopped = () => {
      subscriptions?.delete(id);
      respond({ id, jsonrpc, result: { type: 'stopped' } });
    };
    if (!isAsyncIterable(result)) {
      throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: `Subscription ${path} did not return an async iterable` });
    }
    respond({ id, jsonrpc, result: { type: 'started' } });
    const failed = (cause: unknown) => {
      respondError(id, jsonrpc, cause, { type: 'subscription', path, input: undefined, ctx: undefined });
      stopped();
    };
    const frameOf = frames.dataFrames(id, jsonrpc);
    if (isEventFeed(result)) {
      result.attach({ next: (value) => send(frameOf(value)), error: failed, complete: stopped });
    } else {
      iterate(result, frameOf, subscription.signal).then(stopped, failed);
    }
  }

  async function handle(message: TRPCClientOutgoingMessage, batchIndex: number) {
    const { id, jsonrpc } = message;
    if (id === null) return respondParseError(undefined, '`id` is required');
    if (message.method === 'subscription.stop') {
      subscriptions?.get(id)?.abort();
      return;
    }
    const { path, lastEventId } = message.params;
    const type = message.method;
    let { input } = message.params;
    if (lastEventId !== undefined) input = isObject(input) ? { ...input, lastEventId } : (input ?? { lastEventId });

    let subscription: AbortController | undefined;
    if (type === 'subscription') {
      subscriptions ??= new Map();
      const refusal = subscriptions.has(id)
        ? new TRPCError({ code: 'BAD_REQUEST', message: `Duplicate id ${id}` })
        : subscriptions.size >= limits.maxSubscriptions
          ? new TRPCError({ code: 'TOO_MANY_REQUESTS', message: TOO_MANY_SUBSCRIPTIONS })
          : undefined;
      if (refusal) return respondError(id, jsonrpc, refusal, { type, path, input, ctx: undefined });
      subscription = new AbortController();
      subscriptions.set(id, subscription);
    } else {
      activity.callsInFlight++;
    }
    /** A subscription stopped before it started (e.g. its stop came in the same array) is answered `stopped`, as by tRPC. */
    const stoppedEarly = () => {
      subscriptions?.delete(id);
      respond({ id, jsonrpc, result: { type: 'stopped' } });
    };
    let ctx: Context | undefined;
    try {
      ctx = (await session!)();
      if (subscription?.signal.aborted) return stoppedEarly();
      const signal = subscription?.signal ?? closedSignal();
      const result = await callTRPCProcedure({ router, path, getRawInput: async () => input, ctx, type, signal, batchIndex });
      if (!subscription) return respond({ id, jsonrpc, result: { type: 'data', data: result } });
      if (signal.aborted) return stoppedEarly();
      subscribe(id, jsonrpc, result, path, subscription);
    } catch (cause) {
      if (subscription) subscriptions?.delete(id);
      respondError(id, jsonrpc, cause, { type, path, input, ctx });
    } finally {
      if (!subscription && --activity.callsInFlight === 0) activity.onCallsAnswered?.();
    }
  }

  function receive(data: string | Buffer) {
    if (!session) return open(() => connectionParamsOf(data));
    let parsed: unknown;
    try {
      parsed = jsonEncoder.decode(data);
    } catch (cause) {
      return respondParseError(cause);
    }
    if (Array.isArray(parsed) && parsed.length > limits.maxBatchSize) return refuseBatch(parsed);
    const batch = Array.isArray(parsed) ? parsed : [parsed];
    const messages: TRPCClientOutgoingMessage[] = [];
    try {
      for (const raw of batch) messages.push(parseTRPCMessage(raw, config.transformer));
    } catch (cause) {
      // As tRPC's adapter: one malformed message fails its whole array.
      return respondParseError(cause);
    }
    messages.forEach((message, index) => void handle(message, index));
  }

  let authTimer = options.expectsConnectionParams
    ? setTimeout(() => {
        if (session) return;
        session = Promise.reject(new TRPCError({ code: 'UNAUTHORIZED', message: AUTH_TIMEOUT }));
        session.catch(connectionError);
        options.refuse(AUTH_TIMEOUT);
      }, limits.authTimeoutMs)
    : undefined;
  if (!options.expectsConnectionParams) open(() => null);
  ws.on('message', (raw: RawData, isBinary: boolean) => {
    // Read after the close frame went out: not run, as the client fails its calls on that close.
    if (ws.readyState !== ws.OPEN) return;
    activity.lastMessageAt = Date.now();
    metrics.received();
    const data = isBinary ? toBuffer(raw) : raw.toString();
    if (data === 'PING') return send('PONG');
    if (data === 'PONG') return;
    receive(data);
  });
  // 'close' comes once: `on` spares the wrapper `once` would add to every socket.
  ws.on('close', () => {
    clearTimeout(authTimer);
    closed?.abort();
    for (const subscription of subscriptions?.values() ?? []) subscription.abort();
  });
  return activity;
}

/** ws hands a binary frame over as one Buffer unless told otherwise; fragments are joined. */
const toBuffer = (raw: RawData): Buffer => (Array.isArray(raw) ? Buffer.concat(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw));
