// The server's Redis client (state/turn-batched-redis.ts) against stock ioredis on real Redis: the same
// commands get the same replies, one turn's commands leave in one write, and a link cut while a turn's
// writes are held back fails those commands (no hang) and recovers.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForRedis } from '../server/src/state/redis';
import { connectTestRedis, hasRedis, REDIS_URL, uniqueRedisPrefix } from './helpers/services';
import { startTcpProxy } from './helpers/tcp-proxy';

type Client = Redis & AsyncDisposable;
const opened: AsyncDisposable[] = [];
afterEach(async () => {
  for (const resource of opened.splice(0).reverse()) await resource[Symbol.asyncDispose]();
});

async function batched(url = REDIS_URL): Promise<Client> {
  const redis = await connectTestRedis({ url });
  opened.push(redis);
  return redis;
}

/** Stock ioredis as the server configured it before: auto-pipelined, same options. */
async function stock(): Promise<Redis> {
  const redis = new Redis(REDIS_URL, { keyPrefix: uniqueRedisPrefix(), enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true });
  await waitForRedis(redis);
  opened.push({ [Symbol.asyncDispose]: async () => void redis.disconnect() });
  return redis;
}

/** One turn's worth of mixed commands, issued together; every reply or error, in order. */
function burst(redis: Redis): Promise<unknown[]> {
  const settled = (promise: Promise<unknown>) => promise.then((value) => ({ value }), (error: Error) => ({ error: error.message }));
  const calls: Promise<unknown>[] = [];
  for (let i = 0; i < 40; i++) calls.push(redis.incr('counter'));
  calls.push(redis.set('text', 'h\u00e9llo \u0000 \u{1F600}'), redis.get('text'), redis.hset('hash', { a: '1', b: '2' }), redis.hgetall('hash'));
  calls.push(redis.xadd('stream', '0-1', 'event', '{"type":"created"}'), redis.xrange('stream', '-', '+'));
  calls.push(redis.lpush('text', 'x')); // WRONGTYPE: an error reply in the middle of the turn
  calls.push(redis.eval("return {ARGV[1], redis.call('GET', KEYS[1])}", 1, 'text', 'arg'), redis.get('missing'));
  return Promise.all(calls.map(settled));
}

describe.skipIf(!hasRedis)('the server Redis client (one write per turn)', () => {
  it('answers a turn of mixed commands, errors included, exactly as stock auto-pipelined ioredis does', async () => {
    const [ours, theirs] = [await batched(), await stock()];
    const [got, expected] = [await burst(ours), await burst(theirs)];
    expect(got).toEqual(expected);
    expect(got).toHaveLength(49);
    expect(got[39]).toEqual({ value: 40 });
    expect(got[46]).toEqual({ error: expect.stringContaining('WRONGTYPE') });
  });

  it('sends the commands of one turn in one write, and each later turn in its own', async () => {
    const redis = await batched();
    const socket = redis.stream;
    const writes: number[] = [];
    const write = socket._write.bind(socket);
    const writev = socket._writev!.bind(socket);
    socket._write = (chunk, encoding, callback) => (writes.push(1), write(chunk, encoding, callback));
    socket._writev = (chunks, callback) => (writes.push(chunks.length), writev(chunks, callback));

    const replies = await Promise.all(Array.from({ length: 25 }, (_, i) => redis.set(`key:${i}`, String(i))));
    expect(replies).toEqual(Array(25).fill('OK'));
    expect(writes).toEqual([25]);

    for (let i = 0; i < 3; i++) expect(await redis.get(`key:${i}`)).toBe(String(i));
    expect(writes).toEqual([25, 1, 1, 1]);
    expect(socket.writableCorked).toBe(0);
  });

  it('fails the commands held in a turn when the link is cut under them, then recovers', async () => {
    await using proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port) });
    const redis = await batched(proxy.url(REDIS_URL));
    const held = Array.from({ length: 10 }, (_, i) => redis.set(`held:${i}`, 'x').then(() => 'ok', () => 'failed'));
    expect(redis.stream.writableCorked).toBe(1);
    proxy.cut();
    redis.stream.destroy();
    // Each fails (its one retry finds the link still down) rather than hanging on the dead socket.
    expect(await Promise.all(held)).toEqual(Array(10).fill('failed'));
    proxy.restore();
    await expect.poll(() => redis.ping().catch(() => 'down'), { timeout: 10_000 }).toBe('PONG');
    const replies = await Promise.all(Array.from({ length: 5 }, (_, i) => redis.incr(`after:${i}`)));
    expect(replies).toEqual([1, 1, 1, 1, 1]);
  });
});
