// The event stream: an append-only, bounded log of AppEvents shared by every instance (Redis Streams)
// or kept in process (a ring buffer). Each instance runs ONE live reader and fans events out to its
// in-process listeners, so the cost of following the stream does not grow with subscribers.
import type { AppEvent } from '@authors/shared';

export interface StreamEvent {
  /** Stream id, `<ms>-<seq>`; the `lastEventId` a client resumes from. */
  id: string;
  event: AppEvent;
}

export type EventListener = (entry: StreamEvent) => void;

export interface EventStream {
  /** Appends an event; resolves with its id once it is durable in the stream. */
  publish(event: AppEvent): Promise<string>;
  /**
   * Retained events with id greater than `afterId`, oldest first, at most `limit`.
   * Throws EventTooOldError when events after `afterId` were already trimmed away.
   */
  readAfter(afterId: string, limit: number): Promise<StreamEvent[]>;
  /** Calls `listener` for every event published from now on (on any instance), in order. */
  listen(listener: EventListener): () => void;
  close(): Promise<void>;
}

/** How many events the stream retains for resuming clients. */
export const EVENT_STREAM_MAX_LENGTH = 10_000;

export class EventTooOldError extends Error {
  override name = 'EventTooOldError';
  constructor(readonly lastEventId: string) {
    super(`Events after ${lastEventId} are no longer retained; refetch the current state and subscribe again`);
  }
}
