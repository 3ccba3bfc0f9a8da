// One tRPC WebSocket connection: the protocol @trpc/client's wsLink speaks (connectionParams first,
// then queries, mutations, subscriptions and their stops, single or batched, PING/PONG), served on
// tRPC's own primitives — `parseTRPCMessage`, `callTRPCProcedure`, `getErrorShape` — so input
// parsing, middleware, RBAC and error shapes are exactly the router's.
//
// Why not @trpc/server's `applyWSSHandler`: it runs every subscription as its own async loop that
// races each `next()` against an abort promise, which made fanning an event out to thousands of
// subscribers several times slower than writing the frame to each socket (bench W4). Here an event
// feed (state/event-feed.ts) is attached to the socket and pushes prepared frames with plain calls;
// any other async iterable is still iterated. Each call also gets its own context, so its log line
// and audit row carry their own correlation id.
import { callTRPCProcedure, getErrorShape, getTRPCErrorFromUnknown, TRPCError, type AnyTRPCRouter, type ProcedureType } from '@trpc/server';
import { parseConnectionParamsFromUnknown } from '@trpc/server/http';
import { parseTRPCMessage, type TRPCClientOutgoingMessage, type TRPCResponseMessage } from '@trpc/server/rpc';
import type { RawData, WebSocket } from 'ws';
import type { ConnectionMetrics } from '../../observability/transport-metrics';
import { isEventFeed } from '../../state/event-feed';
import type { Context } from '../../trpc/context';
import type { FrameEncoder, RequestId } from './frames';

/** Authenticates and admits the connection from its connectionParams; returns the per-call context factory. */
export type OpenSession = (connectionParams: Partial<Record<string, string>> | null) => Promise<() => Context>;

export interface ConnectionOptions {
  /** Any router whose context is ours (the app's, or a test's). */
  router: AnyTRPCRouter;
  frames: FrameEncoder;
  metrics: ConnectionMetrics;
  openSession: OpenSession;
  /** Whether the client announced a connectionParams message (`?connectionParams=1`). */
  expectsConnectionParams: boolean;
}

/** What the transport's keep-alive sweep and shutdown need to know about a connection. */
export interface ConnectionActivity {
  lastMessageAt: number;
  /** Queries and mutations read and not answered yet; `onCallsAnswered` runs when this falls to 0. */
  callsInFlight: number;
  onCallsAnswered: (() => void) | undefined;
}

type Jsonrpc = '2.0' | undefined;
/** Shared frames are Buffers (encoded once); they still go out as text frames. */
const TEXT_FRAME = { binary: false } as const;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return isObject(value) && Symbol.asyncIterator in value;
}

export function serveConnection(ws: WebSocket, options: ConnectionOptions): ConnectionActivity {
  const { router, frames, metrics } = options;
  const config = router._def._config;
  const activity: ConnectionActivity = { lastMessageAt: Date.now(), callsInFlight: 0, onCallsAnswered: undefined };
  /** Aborted when the socket closes, for the calls still running (subscriptions have their own). */
  const closed = new AbortController();
  const subscriptions = new Map<RequestId, AbortController>();
  let session: Promise<() => Context> | undefined;

  const send = (frame: string | Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(frame, TEXT_FRAME);
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
    respond({ id, jsonrpc, error: getErrorShape({ config, error, ...call }) });
  }
  const respondParseError = (cause: unknown, message?: string) =>
    respondError(null, undefined, new TRPCError({ code: 'PARSE_ERROR', message, cause }), {
      type: 'unknown',
      path: undefined,
      input: undefined,
      ctx: undefined,
    });

  function open(connectionParams: Partial<Record<string, string>> | null) {
    session = options.openSession(connectionParams);
    // Refused: the transport closes the socket with its code; tell the client why first.
    session.catch((cause: unknown) => {
      respondError(null, undefined, cause, { type: 'unknown', path: undefined, input: undefined, ctx: undefined });
      setImmediate(() => ws.close());
    });
  }

  /** Iterates a plain async iterable; feeds are attached instead (see the header). */
  async function iterate(iterable: AsyncIterable<unknown>, frameOf: (value: unknown) => string | Buffer, signal: AbortSignal) {
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
      subscriptions.delete(id);
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
      subscriptions.get(id)?.abort();
      return;
    }
    const { path, lastEventId } = message.params;
    const type = message.method;
    let { input } = message.params;
    if (lastEventId !== undefined) input = isObject(input) ? { ...input, lastEventId } : (input ?? { lastEventId });

    let subscription: AbortController | undefined;
    if (type === 'subscription') {
      if (subscriptions.has(id)) {
        return respondError(id, jsonrpc, new TRPCError({ code: 'BAD_REQUEST', message: `Duplicate id ${id}` }), {
          type,
          path,
          input,
          ctx: undefined,
        });
      }
      subscription = new AbortController();
      subscriptions.set(id, subscription);
    } else {
      activity.callsInFlight++;
    }
    let ctx: Context | undefined;
    try {
      ctx = (await session!)();
      const signal = subscription?.signal ?? closed.signal;
      const result = await callTRPCProcedure({ router, path, getRawInput: async () => input, ctx, type, signal, batchIndex });
      if (!subscription) return respond({ id, jsonrpc, result: { type: 'data', data: result } });
      if (signal.aborted) {
        subscriptions.delete(id);
        return;
      }
      subscribe(id, jsonrpc, result, path, subscription);
    } catch (cause) {
      if (subscription) subscriptions.delete(id);
      respondError(id, jsonrpc, cause, { type, path, input, ctx });
    } finally {
      if (!subscription && --activity.callsInFlight === 0) activity.onCallsAnswered?.();
    }
  }

  function receive(text: string) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      return respondParseError(cause);
    }
    if (!session) {
      try {
        if (!isObject(parsed)) throw new Error('Message was not an object');
        return open(parseConnectionParamsFromUnknown(parsed.data));
      } catch (cause) {
        return respondParseError(cause, 'Malformed TRPCConnectionParamsMessage');
      }
    }
    const batch = Array.isArray(parsed) ? parsed : [parsed];
    batch.forEach((raw, index) => {
      let message: TRPCClientOutgoingMessage;
      try {
        message = parseTRPCMessage(raw, config.transformer);
      } catch (cause) {
        return respondParseError(cause);
      }
      void handle(message, index);
    });
  }

  if (!options.expectsConnectionParams) open(null);
  ws.on('message', (raw: RawData) => {
    // Read after the close frame went out: not run, as the client fails its calls on that close.
    if (ws.readyState !== ws.OPEN) return;
    activity.lastMessageAt = Date.now();
    metrics.received();
    // Frames are read as UTF-8 text whatever their opcode: the protocol is JSON.
    const text = raw.toString();
    if (text === 'PING') return send('PONG');
    if (text === 'PONG') return;
    receive(text);
  });
  ws.once('close', () => {
    closed.abort();
    for (const subscription of subscriptions.values()) subscription.abort();
  });
  return activity;
}
