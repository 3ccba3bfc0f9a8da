// Event stream on Redis Streams: XADD with a bounded MAXLEN, XRANGE for replay, and one blocking
// XREAD loop per instance on its own connection for live delivery. Events are stored with superjson
// so Dates survive the round trip; written through the same fast path as tRPC answers (an event is
// plain data with Dates: its author), which is what superjson.stringify writes, at a third of the cost.
import type { AppEvent } from '@authors/shared';
import superjson from 'superjson';
import { serializeSuperjson } from '../trpc/superjson-fast-path';
import { compareEventIds } from './event-id';
import {
  EVENT_STREAM_MAX_LENGTH,
  EventTooOldError,
  type EventListener,
  type EventStream,
  type StreamEvent,
} from './event-stream';
import type { Redis } from './redis';

const STREAM_KEY = 'events';
const FIELD = 'e';
const BLOCK_MS = 5_000;
const RETRY_MS = 500;

type StreamEntry = [id: string, fields: string[]];

export interface RedisEventStreamOptions {
  maxLength?: number;
  /** Reports reader failures (the reader retries by itself). */
  onError?: (error: unknown) => void;
  /** Told, for each entry the live reader delivers, how many seconds ago it was added (ids are XADD times). */
  onLag?: (seconds: number) => void;
}

/** Opens the stream and positions the live reader at its current end before resolving. */
export async function createRedisEventStream(redis: Redis, options: RedisEventStreamOptions = {}): Promise<EventStream> {
  const maxLength = options.maxLength ?? EVENT_STREAM_MAX_LENGTH;
  const listeners = new Set<EventListener>();
  // Blocking reads need their own connection; a blocked client cannot serve other commands.
  const reader = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
  reader.on('error', () => {}); // reported through the read loop
  let lastId = await lastGeneratedId(redis);
  let running = true;

  const decode = ([id, fields]: StreamEntry): StreamEvent | undefined => {
    const payload = fields[fields.indexOf(FIELD) + 1];
    try {
      return payload === undefined ? undefined : { id, event: superjson.parse<AppEvent>(payload) };
    } catch (error) {
      options.onError?.(error);
      return undefined;
    }
  };

  const readLoop = async () => {
    while (running) {
      try {
        const reply = (await reader.xread('BLOCK', BLOCK_MS, 'STREAMS', STREAM_KEY, lastId)) as
          | [key: string, entries: StreamEntry[]][]
          | null;
        for (const entry of reply?.[0]?.[1] ?? []) {
          lastId = entry[0];
          options.onLag?.(Math.max(0, Date.now() - Number(lastId.split('-')[0])) / 1000);
          // An instance without subscribers (one serving only HTTP, say) still reads every event to
          // keep its place, but parsing one nobody takes was ~2 % of a create's CPU (bench W6). A
          // malformed entry is then reported by the instances that do parse it.
          if (listeners.size === 0) continue;
          const decoded = decode(entry);
          if (decoded) for (const listener of listeners) listener(decoded);
        }
      } catch (error) {
        if (!running) return;
        options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  };
  const loop = readLoop();

  return {
    async publish(event) {
      const id = await redis.xadd(STREAM_KEY, 'MAXLEN', '~', maxLength, '*', FIELD, JSON.stringify(serializeSuperjson(event)));
      if (!id) throw new Error('XADD returned no id');
      return id;
    },

    async readAfter(afterId, limit) {
      if (await trimmedAfter(redis, afterId)) throw new EventTooOldError(afterId);
      const entries = (await redis.xrange(STREAM_KEY, `(${afterId}`, '+', 'COUNT', limit)) as StreamEntry[];
      return entries.map(decode).filter((entry): entry is StreamEvent => entry !== undefined);
    },

    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      running = false;
      listeners.clear();
      reader.disconnect();
      await loop;
    },
  };
}

/** XINFO STREAM as a field map; undefined when the stream does not exist yet. */
async function streamInfo(redis: Redis): Promise<Map<string, unknown> | undefined> {
  try {
    // ioredis applies `keyPrefix` to the keys of most commands but not to XINFO's: without it this
    // read another (absent) key, so a new instance's reader started at 0-0 and replayed the whole
    // retained stream to its first live subscribers.
    const flat = (await redis.xinfo('STREAM', `${redis.options.keyPrefix ?? ''}${STREAM_KEY}`)) as unknown[];
    const info = new Map<string, unknown>();
    for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1]);
    return info;
  } catch (error) {
    if (error instanceof Error && /no such key/i.test(error.message)) return undefined;
    throw error;
  }
}

async function lastGeneratedId(redis: Redis): Promise<string> {
  return String((await streamInfo(redis))?.get('last-generated-id') ?? '0-0');
}

/**
 * Whether events after `afterId` may have been trimmed away. MAXLEN trims from the head of the stream
 * but (Redis 7.0) does not move `max-deleted-entry-id` — only XDEL does — so an id older than the
 * oldest retained entry, once anything was removed, counts as too old as well.
 */
async function trimmedAfter(redis: Redis, afterId: string): Promise<boolean> {
  const info = await streamInfo(redis);
  if (!info) return false;
  if (compareEventIds(afterId, String(info.get('max-deleted-entry-id') ?? '0-0')) < 0) return true;
  const removedAny = Number(info.get('entries-added')) > Number(info.get('length'));
  const firstEntry = info.get('first-entry');
  const firstId = Array.isArray(firstEntry) ? String(firstEntry[0]) : undefined;
  return removedAny && firstId !== undefined && compareEventIds(afterId, firstId) < 0;
}
