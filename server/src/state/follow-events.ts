// A resumable feed over the event stream for one subscriber: listen to live events first, then
// replay the backlog after `lastEventId`, then continue live, skipping anything already delivered.
// Listening before reading the backlog closes the gap; comparing ids removes the overlap — both the
// live events held during the replay and those the instance's live reader, running behind the
// stream, delivers after it (the replay read them straight from the stream).
//
// The core pushes: `followEventsInto` calls the sink from the stream's listener, so a live event
// reaches a subscriber with one function call — no generator to resume, no promise per delivery.
// Subscribers that share a `select` share one stream listener (`Followers`): an event is selected
// once for all of them — and skipped once when none takes it, as each legacy socket's author feed
// does with a broadcast — and each live subscriber is one entry in a set, not a chain of closures.
// At thousands of subscribers that is most of the cost of a broadcast (bench W3, W4); the WebSocket
// transports use it directly. `followEvents` adapts it to an async generator for the consumers that
// pull (tRPC's SSE responses, server-side callers).
import { compareEventIds } from './event-id';
import type { EventListener, EventStream, StreamEvent } from './event-stream';

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
   * one call. It must depend on the event alone: the subscribers passing the same function are
   * handed the same value, selected once per event.
   */
  select: (entry: StreamEvent) => T | undefined;
}

export interface FollowSink<T> {
  next(value: T): void;
  /** The feed failed (EventTooOldError from the replay, SubscriberTooSlowError); nothing follows. */
  error(error: unknown): void;
}

type Select = (entry: StreamEvent) => unknown;

/** Everyone following one stream through one `select`, behind a single stream listener. */
interface Followers {
  /** Subscribers past their replay: handed each selected value, in stream order. */
  live: Set<FollowSink<unknown>>;
  /** Subscribers still replaying or skipping the overlap: handed every entry, after the live ones. */
  catchingUp: Set<EventListener>;
  /** Stops listening to the stream once nobody follows it. */
  release(): void;
}

const followersByStream = new WeakMap<EventStream, Map<Select, Followers>>();

function followersOf(stream: EventStream, select: Select): Followers {
  let bySelect = followersByStream.get(stream);
  if (!bySelect) followersByStream.set(stream, (bySelect = new Map()));
  const existing = bySelect.get(select);
  if (existing) return existing;
  const live = new Set<FollowSink<unknown>>();
  const catchingUp = new Set<EventListener>();
  // The live go first: a subscriber that catches up on an event joins them only after that
  // event's turn, so it is not handed the same event twice.
  const stopListening = stream.listen((entry) => {
    const selected = select(entry);
    if (selected !== undefined) for (const sink of live) sink.next(selected);
    for (const listener of catchingUp) listener(entry);
  });
  const followers: Followers = {
    live,
    catchingUp,
    release() {
      if (live.size > 0 || catchingUp.size > 0) return;
      stopListening();
      bySelect.delete(select);
    },
  };
  bySelect.set(select, followers);
  return followers;
}

/** Pushes the selected events to `sink` until the returned function is called or `sink.error`. */
export function followEventsInto<T>(stream: EventStream, options: FollowOptions<T>, sink: FollowSink<T>): () => void {
  const { select } = options;
  const followers = followersOf(stream, select);
  const live = sink as FollowSink<unknown>;
  const lastEventId = options.lastEventId ?? undefined;
  if (lastEventId === undefined) {
    followers.live.add(live);
    return () => {
      followers.live.delete(live);
      followers.release();
    };
  }

  /** The newest id delivered: a live event at or before it was already replayed. */
  let last = lastEventId;
  /** Live events that arrive while the backlog is replayed; undefined once it is done. */
  let held: StreamEvent[] | undefined = [];
  let stopped = false;

  const deliverNewer = (entry: StreamEvent) => {
    if (compareEventIds(entry.id, last) <= 0) return;
    last = entry.id;
    const selected = select(entry);
    if (selected !== undefined) sink.next(selected);
  };
  const stop = () => {
    stopped = true;
    followers.catchingUp.delete(catchUp);
    followers.live.delete(live);
    followers.release();
  };
  const fail = (error: unknown) => {
    if (stopped) return;
    stop();
    sink.error(error);
  };
  const catchUp = (entry: StreamEvent) => {
    if (held) {
      if (held.length >= MAX_BUFFERED) fail(new SubscriberTooSlowError());
      else held.push(entry);
      return;
    }
    // Live events arrive in stream order: once one is newer than the replay, all later ones are,
    // and the subscriber joins the live ones.
    if (compareEventIds(entry.id, last) <= 0) return;
    deliverNewer(entry);
    followers.catchingUp.delete(catchUp);
    followers.live.add(live);
  };
  followers.catchingUp.add(catchUp);

  void (async () => {
    for (;;) {
      const page = await stream.readAfter(last, REPLAY_PAGE);
      if (stopped) return;
      for (const entry of page) deliverNewer(entry);
      if (page.length < REPLAY_PAGE) break;
    }
    // The held events are the only ones that can overlap the replay.
    const overlap = held ?? [];
    held = undefined;
    for (const entry of overlap) deliverNewer(entry);
  })().catch(fail);
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
