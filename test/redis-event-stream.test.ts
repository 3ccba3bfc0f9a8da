// The Redis event stream under a key prefix (every deployment has one): a new instance's live reader
// starts at the stream's end, so its first subscribers get new events only, not the retained backlog.
import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../server/src/state/event-stream';
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
});
