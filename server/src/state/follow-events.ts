// A resumable feed over the event stream for one subscriber: listen to live events first, then
// replay the backlog after `lastEventId`, then continue live, skipping anything already delivered.
// Listening before reading the backlog closes the gap; comparing ids removes the overlap — both the
// live events held during the replay and those the instance's live reader, running behind the
// stream, delivers after it (the replay read them straight from the stream).
//
// The core pushes: `followEventsInto` calls the sink from the stream's listener, so a live event
// reaches a subscriber with one function call — no generator to resume, no promise per delivery.
// At thousands of subscribers that is most of the cost of a broadcast (bench W4); the WebSocket
// transport uses it directly. `followEvents` adapts it to an async generator for the consumers that
// pull (tRPC's SSE responses, server-side callers).
import { compareEventIds } from './event-id';
import type { EventStream, StreamEvent } from './event-stream';

const REPLAY_PAGE = 500;
/** Events held for one subscriber (live ones during its replay, or unread ones) before it is cut off. */
const MAX_BUFFERED = 10_000;

export class SubscriberTooSlowError extends Error {
  override name = 'SubscriberTooSlowError';
  constructor() {
    super('Subscriber fell too far behind; resubscribe with its last event id');
  }
}

export interface FollowOptions<T> {
  lastEventId?: string | null | undefined;
  /**
   * What to deliver for an event, or undefined to skip it (every event still moves the resume
   * point). Selecting here, rather than in a layer wrapped around the feed, keeps each delivery
   * one call.
   */
  select: (entry: StreamEvent) => T | undefined;
}

export interface FollowSink<T> {
  next(value: T): void;
  /** The feed failed (EventTooOldError from the replay, SubscriberTooSlowError); nothing follows. */
  error(error: unknown): void;
}

/** Pushes the selected events to `sink` until the returned function is called or `sink.error`. */
export function followEventsInto<T>(stream: EventStream, options: FollowOptions<T>, sink: FollowSink<T>): () => void {
  const { select } = options;
  /** The newest id delivered while a live event might still repeat it; undefined once none can. */
  let last = options.lastEventId ?? undefined;
  /** Live events that arrive while the backlog is replayed; undefined once live. */
  let held: StreamEvent[] | undefined = last === undefined ? undefined : [];
  let stopped = false;

  const deliver = (entry: StreamEvent) => {
    const selected = select(entry);
    if (selected !== undefined) sink.next(selected);
  };
  const deliverNewer = (entry: StreamEvent) => {
    if (last !== undefined && compareEventIds(entry.id, last) <= 0) return;
    last = entry.id;
    deliver(entry);
  };
  const fail = (error: unknown) => {
    if (stopped) return;
    stop();
    sink.error(error);
  };
  const stopListening = stream.listen((entry) => {
    if (held) {
      if (held.length >= MAX_BUFFERED) fail(new SubscriberTooSlowError());
      else held.push(entry);
      return;
    }
    if (last === undefined) return deliver(entry);
    // Live events arrive in stream order: once one is newer than the replay, all later ones are,
    // and the fan-out goes back to one call per event.
    if (compareEventIds(entry.id, last) <= 0) return;
    last = undefined;
    deliver(entry);
  });
  const stop = () => {
    stopped = true;
    stopListening();
  };

  if (held) {
    void (async () => {
      for (;;) {
        const page = await stream.readAfter(last!, REPLAY_PAGE);
        if (stopped) return;
        for (const entry of page) deliverNewer(entry);
        if (page.length < REPLAY_PAGE) break;
      }
      // Live from here on: the held events are the only ones that can overlap the replay.
      const overlap = held ?? [];
      held = undefined;
      for (const entry of overlap) deliverNewer(entry);
    })().catch(fail);
  }
  return stop;
}

export interface PullOptions<T> extends FollowOptions<T> {
  signal?: AbortSignal | undefined;
  /** Turns a failure (EventTooOldError, SubscriberTooSlowError…) into what the consumer should see. */
  mapError?: (error: unknown) => unknown;
}

/** The same feed, pulled: ends when `signal` aborts, throws (mapped) when the feed fails. */
export async function* followEvents<T>(stream: EventStream, options: PullOptions<T>): AsyncGenerator<T> {
  const { signal, mapError = (error: unknown) => error } = options;
  const queue: T[] = [];
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const stop = followEventsInto(stream, options, {
    next(value) {
      if (queue.length >= MAX_BUFFERED) failure ??= { error: new SubscriberTooSlowError() };
      else queue.push(value);
      wake?.();
    },
    error(error) {
      failure ??= { error };
      wake?.();
    },
  });
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  try {
    while (!signal?.aborted) {
      if (failure) throw mapError(failure.error);
      if (queue.length > 0) {
        yield queue.shift()!;
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    stop();
    signal?.removeEventListener('abort', onAbort);
  }
}
