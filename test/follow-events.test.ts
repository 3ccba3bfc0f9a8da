// followEvents selects and maps inside the one generator a subscriber resumes: skipped events still
// move the resume point, and stream failures reach the consumer through mapError. Subscribers sharing
// a select share one stream listener and one selection per event, and one catching up joins them
// without a gap or a repeat.
import { describe, expect, it, vi } from 'vitest';
import { EventTooOldError, type EventListener, type EventStream, type StreamEvent } from '../server/src/state/event-stream';
import { followEvents, followEventsInto } from '../server/src/state/follow-events';
import { createMemoryEventStream } from '../server/src/state/memory-event-stream';

const broadcast = (message: string) => ({ type: 'broadcast' as const, message, from: 'admin' });
const entry = (n: number): StreamEvent => ({ id: `${n}-0`, event: broadcast(`m${n}`) });

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

  it('pushes the replay, then the live events held meanwhile, each once and in order', async () => {
    let live: EventListener = () => {};
    let answerReplay: (page: StreamEvent[]) => void = () => {};
    const stream: EventStream = {
      ...createMemoryEventStream(),
      listen: (listener) => ((live = listener), () => (live = () => {})),
      readAfter: () => new Promise((resolve) => (answerReplay = resolve)),
    };
    const delivered: string[] = [];
    const stop = followEventsInto(stream, { lastEventId: '1-0', select: ({ id }) => id }, {
      next: (id) => delivered.push(id),
      error: (error) => delivered.push(`error ${String(error)}`),
    });
    live(entry(3)); // arrives while the backlog is read: held, and also in the replay page
    live(entry(4));
    expect(delivered).toEqual([]);
    answerReplay([entry(2), entry(3)]);
    await vi.waitFor(() => expect(delivered).toEqual(['2-0', '3-0', '4-0']));
    live(entry(5));
    expect(delivered).toEqual(['2-0', '3-0', '4-0', '5-0']);
    stop();
    live(entry(6));
    expect(delivered).toHaveLength(4);
  });

  it('drops live events the replay already delivered when the live reader lags behind the stream', async () => {
    // Each instance reads the stream once and fans out (redis-event-stream.ts): its reader can still
    // be behind events the replay read straight from the stream. Those arrive live after the switch.
    let live: EventListener = () => {};
    const stream: EventStream = {
      ...createMemoryEventStream(),
      listen: (listener) => ((live = listener), () => (live = () => {})),
      readAfter: async () => [entry(2), entry(3)],
    };
    const delivered: string[] = [];
    followEventsInto(stream, { lastEventId: '1-0', select: ({ id }) => id }, {
      next: (id) => delivered.push(id),
      error: (error) => delivered.push(`error ${String(error)}`),
    });
    await vi.waitFor(() => expect(delivered).toEqual(['2-0', '3-0']));
    live(entry(2));
    live(entry(3));
    live(entry(4));
    live(entry(5));
    expect(delivered).toEqual(['2-0', '3-0', '4-0', '5-0']);
  });

  it('selects each event once for all the subscribers sharing a select, behind one stream listener', async () => {
    const memory = createMemoryEventStream();
    let listening = 0;
    const stream: EventStream = {
      ...memory,
      listen(listener) {
        listening += 1;
        const stop = memory.listen(listener);
        return () => {
          listening -= 1;
          stop();
        };
      },
    };
    const select = vi.fn(({ event }: StreamEvent) => (event.type === 'broadcast' && event.message !== 'skip me' ? { message: event.message } : undefined));
    const received: unknown[][] = [[], [], []];
    const stops = received.map((values) => followEventsInto(stream, { select }, { next: (value) => values.push(value), error: () => {} }));
    expect(listening).toBe(1);
    await stream.publish(broadcast('one'));
    await stream.publish(broadcast('skip me'));
    expect(select).toHaveBeenCalledTimes(2);
    expect(received).toEqual([[{ message: 'one' }], [{ message: 'one' }], [{ message: 'one' }]]);
    expect(received[1]![0]).toBe(received[0]![0]);
    stops[0]!();
    stops[1]!();
    await stream.publish(broadcast('two'));
    expect(received.map((values) => values.length)).toEqual([1, 1, 2]);
    stops[2]!();
    expect(listening).toBe(0);
  });

  it('hands a subscriber catching up among live ones every event once, in order', async () => {
    const stream = createMemoryEventStream();
    const select = ({ id }: StreamEvent) => id;
    const first: string[] = [];
    followEventsInto(stream, { select }, { next: (id) => first.push(id), error: () => {} });
    const ids = [await stream.publish(broadcast('1')), await stream.publish(broadcast('2'))];
    const resumed: string[] = [];
    followEventsInto(stream, { lastEventId: ids[0], select }, { next: (id) => resumed.push(id), error: () => {} });
    ids.push(await stream.publish(broadcast('3'))); // held until the replay is read
    await vi.waitFor(() => expect(resumed).toEqual(ids.slice(1)));
    for (let n = 4; n <= 6; n++) ids.push(await stream.publish(broadcast(String(n))));
    expect(resumed).toEqual(ids.slice(1));
    expect(first).toEqual(ids);
  });
});
