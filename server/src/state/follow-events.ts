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

export interface FollowOptions {
  lastEventId?: string | null | undefined;
  signal?: AbortSignal | undefined;
  /** Only events this returns true for are yielded (all are still used for de-duplication). */
  filter?: (entry: StreamEvent) => boolean;
}

export async function* followEvents(stream: EventStream, options: FollowOptions = {}): AsyncGenerator<StreamEvent> {
  const { signal, filter = () => true } = options;
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
          if (filter(entry)) yield entry;
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
      if (filter(entry)) yield entry;
    }
  } finally {
    stopListening();
    signal?.removeEventListener('abort', onAbort);
  }
}
