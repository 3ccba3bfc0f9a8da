// What the event subscriptions (authors.onChange, system.onBroadcast) return: one feed that can be
// pulled or pushed. Pulled as an AsyncIterable — tRPC's SSE responses, server-side callers — it is a
// generator per subscriber. The WebSocket transport recognises it and attaches a sink instead, so a
// live event reaches each of thousands of subscribers with one function call (state/follow-events.ts).
//
// A server shutdown interrupts a feed rather than ending it, so that no client takes it for the end
// of its subscription: see `EventFeedOptions.shutdown`.
import type { EventStream } from './event-stream';
import { followEvents, followEventsInto, type FollowOptions } from './follow-events';

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
  const { signal, shutdown, mapError } = options;
  async function* pull() {
    yield* followEvents(stream, { ...options, signal: AbortSignal.any([signal, shutdown]) });
    if (shutdown.aborted) throw new DOMException('The server is shutting down', 'AbortError');
  }
  return {
    [EVENT_FEED]: true,
    [Symbol.asyncIterator]: pull,
    attach(sink) {
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
    },
  };
}

export function isEventFeed(value: unknown): value is EventFeed<unknown> {
  return typeof value === 'object' && value !== null && EVENT_FEED in value;
}
