// The Redis event stream under a key prefix (every deployment has one): a new instance's live reader
// starts at the stream's end, so its first subscribers get new events only, not the retained backlog;
// a resume from an id that MAXLEN has trimmed away is refused instead of silently missing events.
import { describe, expect, it } from 'vitest';
import { EventTooOldError, type StreamEvent } from '../server/src/state/event-stream';
import { createRedisEventStream } from '../server/src/state/redis-event-stream';
import { connectTestRedis, hasRedis } from './helpers/services';

const broadcast = (message: string) => ({ type: 'broadcast' as const, message, from: 'admin' });

describe.skipIf(!hasRedis)('the Redis event stream', () => {
  it("starts a new instance's live reader at the end of the stream", async () => {
    await using redis = await connectTestRedis();
    const earlier = await createRedisEventStream(redis);
    await earlier.publish(broadcast('before the instance started'));
    await earlier.close();

    const stream = await createRedisEventStream(redis);
    try {
      const received: StreamEvent[] = [];
      stream.listen((entry) => received.push(entry));
      const id = await stream.publish(broadcast('after'));
      const deadline = Date.now() + 5_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(received).toEqual([{ id, event: broadcast('after') }]);
    } finally {
      await stream.close();
    }
  });

  it('parses only the events someone listens to, and still moves past the others', async () => {
    await using redis = await connectTestRedis();
    const errors: unknown[] = [];
    let lagged = 0;
    const stream = await createRedisEventStream(redis, { onError: (error) => errors.push(error), onLag: () => lagged++ });
    try {
      const waitFor = async (done: () => boolean) => {
        const deadline = Date.now() + 5_000;
        while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      };
      // Written around the stream, as another version of the server might: parsing it would fail.
      await redis.xadd('events', '*', 'e', 'not superjson');
      await waitFor(() => lagged === 1);
      expect(lagged).toBe(1);
      expect(errors).toEqual([]);

      const received: StreamEvent[] = [];
      stream.listen((entry) => received.push(entry));
      await redis.xadd('events', '*', 'e', 'not superjson either');
      const id = await stream.publish(broadcast('heard'));
      await waitFor(() => received.length > 0);
      expect(received).toEqual([{ id, event: broadcast('heard') }]);
      expect(lagged).toBe(3);
      expect(errors).toHaveLength(1);
    } finally {
      await stream.close();
    }
  });

  it('refuses a resume from a trimmed id and replays one from a retained id', async () => {
    await using redis = await connectTestRedis();
    // MAXLEN ~ trims whole stream nodes (100 entries each by default), so 300 events over a bound of 10 trim.
    const stream = await createRedisEventStream(redis, { maxLength: 10 });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 300; i++) ids.push(await stream.publish(broadcast(`event ${i}`)));
      await expect(stream.readAfter(ids[0]!, 1_000)).rejects.toBeInstanceOf(EventTooOldError);
      const replay = await stream.readAfter(ids[294]!, 1_000);
      expect(replay.map((entry) => entry.id)).toEqual(ids.slice(295));
    } finally {
      await stream.close();
    }
  });
});
