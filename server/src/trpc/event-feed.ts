// The fan-out contract between the event subscriptions and the transports, in one place. What
// `authors.onChange` and `system.onBroadcast` return is an `EventFeed`: one feed that can be pulled or
// pushed. Pulled as an AsyncIterable — tRPC's SSE responses, server-side callers — it is a generator
// per subscriber. The WebSocket transports (tRPC-WS, legacy pushes) recognise it (`isEventFeed`) and
// attach a sink instead, so a live event reaches each of thousands of subscribers with one function
// call (state/follow-events.ts). The events it yields are shared by every subscriber and declared
// immutable (`shareImmutable`), so a transport may build an event's frame once and send the same bytes
// to all (`isSharedImmutable`: the output transformer, trpc/wire-format.ts, and the tRPC-WS frames).
// A server shutdown interrupts a feed rather than ending it, so that no client takes it for the end
// of its subscription: see `EventFeedOptions.shutdown`. Transports reach events only through this
// module, never through state/.
import type { EventStream } from '../state/event-stream';
import { followEvents, followEventsInto, type FollowOptions } from '../state/follow-events';

const EVENT_FEED = Symbol('event feed');

export interface EventFeedSink<T> {
  next(value: T): void;
  /** The feed failed; `complete` does not follow. */
  error(error: unknown): void;
  /** The feed ended: the subscription's signal aborted (stopped, or its client went away). */
  complete(): void;
}

export interface EventFeed<T> extends AsyncIterable<T> {
  readonly [EVENT_FEED]: true;
  attach(sink: EventFeedSink<T>): void;
}

export interface EventFeedOptions<T> extends FollowOptions<T> {
  /** Ends the feed: the subscription stopped, or its client went away. */
  signal: AbortSignal;
  /**
   * The server is shutting down. Pulled (SSE), the feed then throws an AbortError: tRPC ends the
   * response without its `return` event, so the client's EventSource reconnects with Last-Event-ID
   * (to this instance once restarted, or another one) and resumes. Pushed (WebSocket), the feed keeps
   * going: the transport tells the client to reconnect first and then closes the socket, which ends
   * the feed with nothing more sent — never `stopped`, which the client would take as the end.
   */
  shutdown: AbortSignal;
  /** Turns a failure (EventTooOldError, SubscriberTooSlowError…) into what the subscriber should see. */
  mapError: (error: unknown) => unknown;
}

export function createEventFeed<T>(stream: EventStream, options: EventFeedOptions<T>): EventFeed<T> {
  const { signal, shutdown } = options;
  async function* pull() {
    // Plain listeners rather than AbortSignal.any: on Node 20 a signal combined from the WebSocket
    // subscription's and the shutdown's was seen not to abort with them.
    const ended = new AbortController();
    const end = () => ended.abort();
    for (const source of [signal, shutdown]) source.addEventListener('abort', end, { once: true });
    if (signal.aborted || shutdown.aborted) end();
    try {
      yield* followEvents(stream, { ...options, signal: ended.signal });
    } finally {
      for (const source of [signal, shutdown]) source.removeEventListener('abort', end);
    }
    if (shutdown.aborted) throw new DOMException('The server is shutting down', 'AbortError');
  }
  return {
    [EVENT_FEED]: true,
    [Symbol.asyncIterator]: pull,
    attach: (sink) => attachSink(stream, options, sink),
  };
}

/**
 * EventFeed.attach. Outside createEventFeed, so that the closures it leaves with every subscriber
 * keep only what they use, not the feed's whole scope (bench W5: memory per idle socket).
 */
function attachSink<T>(stream: EventStream, options: EventFeedOptions<T>, sink: EventFeedSink<T>): void {
  const { signal, mapError } = options;
  if (signal.aborted) return sink.complete();
  const end = () => {
    stop();
    sink.complete();
  };
  const stop = followEventsInto(stream, options, {
    next: (value) => sink.next(value),
    error(error) {
      signal.removeEventListener('abort', end);
      sink.error(mapError(error));
    },
  });
  signal.addEventListener('abort', end, { once: true });
}

export function isEventFeed(value: unknown): value is EventFeed<unknown> {
  return typeof value === 'object' && value !== null && EVENT_FEED in value;
}

const immutable = new WeakSet<object>();

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function deepFreeze(value: unknown): void {
  if (!isObject(value) || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze(value[key]);
}

/** Declares `payload` immutable (and freezes it, deeply) so its wire form is computed once. */
export function shareImmutable<T extends object>(payload: T): T {
  if (!immutable.has(payload)) {
    deepFreeze(payload);
    immutable.add(payload);
  }
  return payload;
}

/** True for a payload declared with `shareImmutable`: its wire form may be cached by identity. */
export function isSharedImmutable(value: unknown): value is object {
  return isObject(value) && immutable.has(value);
}
