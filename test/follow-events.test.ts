// followEvents selects and maps inside the one generator a subscriber resumes: skipped events still
// move the resume point, and stream failures reach the consumer through mapError.
import { describe, expect, it } from 'vitest';
import { EventTooOldError, type EventStream } from '../server/src/state/event-stream';
import { followEvents } from '../server/src/state/follow-events';
import { createMemoryEventStream } from '../server/src/state/memory-event-stream';

const broadcast = (message: string) => ({ type: 'broadcast' as const, message, from: 'admin' });

describe('followEvents', () => {
  it('replays after lastEventId, then live, yielding only what select returns', async () => {
    const stream = createMemoryEventStream();
    const first = await stream.publish(broadcast('one'));
    await stream.publish(broadcast('skip me'));
    await stream.publish(broadcast('three'));
    const controller = new AbortController();
    const feed = followEvents(stream, {
      lastEventId: first,
      signal: controller.signal,
      select: ({ event }) => (event.type === 'broadcast' && event.message !== 'skip me' ? event.message : undefined),
    });
    expect((await feed.next()).value).toBe('three');
    const live = feed.next();
    await stream.publish(broadcast('skip me'));
    await stream.publish(broadcast('four'));
    expect((await live).value).toBe('four');
    controller.abort();
    expect(await feed.next()).toEqual({ done: true, value: undefined });
  });

  it('hands stream failures to mapError', async () => {
    const stream: EventStream = {
      ...createMemoryEventStream(),
      readAfter: () => Promise.reject(new EventTooOldError('1-0')),
    };
    const feed = followEvents(stream, {
      lastEventId: '1-0',
      select: (entry) => entry,
      mapError: (error) => new Error(`mapped: ${(error as Error).name}`),
    });
    await expect(feed.next()).rejects.toThrow('mapped: EventTooOldError');
  });
});
