// In-process event stream for embedded mode: a ring buffer with the Redis implementation's semantics
// (monotonic `<ms>-<seq>` ids, bounded retention, EventTooOldError for trimmed history).
import type { AppEvent } from '@authors/shared';
import { compareEventIds, createEventIdGenerator } from './event-id';
import {
  EVENT_STREAM_MAX_LENGTH,
  EventTooOldError,
  type EventListener,
  type EventStream,
  type StreamEvent,
} from './event-stream';

export function createMemoryEventStream(maxLength = EVENT_STREAM_MAX_LENGTH): EventStream {
  const nextId = createEventIdGenerator();
  const listeners = new Set<EventListener>();
  let retained: StreamEvent[] = [];
  /** The newest id dropped from the buffer, like Redis's `max-deleted-entry-id`. */
  let maxDeletedId = '0-0';

  return {
    async publish(event: AppEvent) {
      const entry = { id: nextId(), event };
      retained.push(entry);
      if (retained.length > maxLength * 2) {
        // Trim in chunks so publishing stays O(1) amortised.
        const dropped = retained.length - maxLength;
        maxDeletedId = retained[dropped - 1]!.id;
        retained = retained.slice(dropped);
      }
      for (const listener of listeners) listener(entry);
      return entry.id;
    },

    async readAfter(afterId, limit) {
      if (compareEventIds(afterId, maxDeletedId) < 0) throw new EventTooOldError(afterId);
      // Ids are sorted: binary search for the first id greater than afterId.
      let low = 0;
      let high = retained.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (compareEventIds(retained[mid]!.id, afterId) <= 0) low = mid + 1;
        else high = mid;
      }
      return retained.slice(low, low + limit);
    },

    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      listeners.clear();
    },
  };
}
