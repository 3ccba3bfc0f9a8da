// A resumable feed over the event stream for one subscriber: listen to live events first, then
// replay the backlog after `lastEventId`, then continue live, skipping anything already yielded.
// Listening before reading the backlog closes the gap; comparing ids removes the overlap.
import { compareEventIds } from './event-id';
import type { EventStream, StreamEvent } from './event-stream';

const REPLAY_PAGE = 500;
/** Live events buffered for a subscriber that is not keeping up before it is cut off. */
const MAX_BUFFERED = 10_000;

export class SubscriberTooSlowError extends Error {
  override name = 'SubscriberTooSlowError';
  constructor() {
    super('Subscriber fell too far behind; resubscribe with its last event id');
  }
}

export interface FollowOptions<T> {
  lastEventId?: string | null | undefined;
  signal?: AbortSignal | undefined;
  /**
   * What to yield for an event, or undefined to skip it (every event still counts for
   * de-duplication). Selecting here, rather than in a generator wrapped around this one, saves
   * each subscriber an async hop per event — thousands of hops per event when fanning out.
   */
  select: (entry: StreamEvent) => T | undefined;
  /** Turns a failure (EventTooOldError, SubscriberTooSlowError…) into what the consumer should see. */
  mapError?: (error: unknown) => unknown;
}

export async function* followEvents<T>(stream: EventStream, options: FollowOptions<T>): AsyncGenerator<T> {
  const { signal, select, mapError = (error: unknown) => error } = options;
  const buffered: StreamEvent[] = [];
  let wake: (() => void) | undefined;
  let overflowed = false;
  const stopListening = stream.listen((entry) => {
    if (buffered.length >= MAX_BUFFERED) overflowed = true;
    else buffered.push(entry);
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);

  try {
    let last = options.lastEventId ?? undefined;
    if (last !== undefined) {
      for (;;) {
        const page = await stream.readAfter(last, REPLAY_PAGE);
        for (const entry of page) {
          last = entry.id;
          const selected = select(entry);
          if (selected !== undefined) yield selected;
        }
        if (page.length < REPLAY_PAGE || signal?.aborted) break;
      }
    }
    while (!signal?.aborted) {
      if (overflowed) throw new SubscriberTooSlowError();
      const entry = buffered.shift();
      if (!entry) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      if (last !== undefined && compareEventIds(entry.id, last) <= 0) continue;
      last = entry.id;
      const selected = select(entry);
      if (selected !== undefined) yield selected;
    }
  } catch (error) {
    throw mapError(error);
  } finally {
    stopListening();
    signal?.removeEventListener('abort', onAbort);
  }
}
