// superjson on the wire (output computed by superjson-fast-path.ts, input decoded by
// superjson-input.ts), with one shortcut for fan-out. An event pushed to thousands of subscribers
// would otherwise be serialized once per subscriber — the largest cost of a broadcast. Payloads
// declared immutable with `shareImmutable` (stream events) are serialized once: the output
// transformer memoizes their superjson form (also inside tRPC's tracked envelope `{id, data}`) for
// SSE, and the tRPC-WS transport builds each event's frame once (transports/trpc-ws/frames.ts,
// which asks `isSharedImmutable`).
import type { CombinedDataTransformer } from '@trpc/server';
import superjson from 'superjson';
import { isSharedImmutable } from './event-feed';
import { serializeSuperjson, superjsonKeepingDates, type Serialized } from './superjson-fast-path';
import { deserializeInput } from './superjson-input';

interface Memo {
  /** The tracked event id the payload was wrapped with, or NOT_TRACKED. */
  trackedId: unknown;
  serialized: Serialized;
}

const NOT_TRACKED = Symbol('not tracked');
const memos = new WeakMap<object, Memo>();

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** tRPC wraps a `tracked(id, data)` value as `{id, data}` before serializing it. */
function sharedPayloadOf(value: Record<string, unknown>): { payload: object; trackedId: unknown } | undefined {
  // `as unknown`: on a miss the type guard would narrow `value` to never for the envelope test below.
  if (isSharedImmutable(value as unknown)) return { payload: value, trackedId: NOT_TRACKED };
  const keys = Object.keys(value);
  if (keys.length === 2 && 'id' in value && isSharedImmutable(value.data)) {
    return { payload: value.data, trackedId: value.id };
  }
  return undefined;
}

const sharedPayload = (value: unknown) => (isObject(value) ? sharedPayloadOf(value) : undefined);

function serialize(value: unknown): Serialized {
  const shared = sharedPayload(value);
  return shared ? memoized(value, shared) : serializeSuperjson(value);
}

/** A shared payload's superjson form, serialized the first time it is asked for. */
function memoized(value: unknown, shared: NonNullable<ReturnType<typeof sharedPayloadOf>>): Serialized {
  const memo = memos.get(shared.payload);
  if (memo && memo.trackedId === shared.trackedId) return memo.serialized;
  const serialized = serializeSuperjson(value);
  memos.set(shared.payload, { trackedId: shared.trackedId, serialized });
  return serialized;
}

/**
 * `transformer.output.serialize(value)` for a writer that writes Dates as their ISO text itself
 * (json/encode-json.ts): encoded, the same bytes, without copying the data to swap its Dates for
 * strings first. Shared event payloads keep their memoized form.
 */
export function serializeForEncoder(value: unknown): Serialized {
  const shared = sharedPayload(value);
  if (shared) return memoized(value, shared);
  return superjsonKeepingDates(value) ?? superjson.serialize(value);
}

export const transformer: CombinedDataTransformer = {
  input: { serialize: superjson.serialize, deserialize: deserializeInput },
  output: { serialize, deserialize: superjson.deserialize },
};

/** `transformer` for answers written by json/encode-json.ts (its output only for that writer). */
const encoderTransformer: CombinedDataTransformer = { ...transformer, output: { ...transformer.output, serialize: serializeForEncoder } };

/**
 * A router's config whose transformer serializes for the byte writer, for `transformTRPCResponse`
 * when its result goes to `encodeJson`: the same bytes as tRPC's JSON.stringify of the usual
 * result. Routers with another transformer get their config back unchanged.
 */
export function configForEncoder<Config extends { transformer: CombinedDataTransformer }>(config: Config): Config {
  return config.transformer === transformer ? { ...config, transformer: encoderTransformer } : config;
}
