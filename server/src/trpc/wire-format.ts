// superjson on the wire, with one shortcut for fan-out. An event pushed to thousands of subscribers
// would otherwise be serialized by superjson and then by JSON.stringify once per subscriber — the
// largest cost of a broadcast. Payloads declared immutable with `shareImmutable` (stream events)
// are serialized once: the output transformer memoizes their superjson form (also inside tRPC's
// tracked envelope `{id, data}`), and the WebSocket encoder splices the memoized JSON text into
// each subscriber's frame. The frames are byte-for-byte what the standard tRPC encoder writes,
// except for key order, so the standard client reads them unchanged.
// Output values are serialized by superjson-fast-path.ts: superjson's result, computed cheaply.
import type { CombinedDataTransformer } from '@trpc/server';
import superjson from 'superjson';
import { serializeSuperjson, type Serialized } from './superjson-fast-path';

interface Memo {
  /** The tracked event id the payload was wrapped with, or NOT_TRACKED. */
  trackedId: unknown;
  serialized: Serialized;
}

const NOT_TRACKED = Symbol('not tracked');
const immutable = new WeakSet<object>();
const memos = new WeakMap<object, Memo>();
/** Keyed by the memoized superjson result object, which is what reaches the encoder as `result.data`. */
const jsonOfSerialized = new WeakMap<object, string>();

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function deepFreeze(value: unknown): void {
  if (!isObject(value) || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze(value[key]);
}

/** Declares `payload` immutable (and freezes it, deeply) so its wire form is computed once. */
export function shareImmutable<T extends object>(payload: T): T {
  if (!immutable.has(payload)) {
    deepFreeze(payload);
    immutable.add(payload);
  }
  return payload;
}

/** tRPC wraps a `tracked(id, data)` value as `{id, data}` before serializing it. */
function sharedPayloadOf(value: Record<string, unknown>): { payload: object; trackedId: unknown } | undefined {
  if (immutable.has(value)) return { payload: value, trackedId: NOT_TRACKED };
  const keys = Object.keys(value);
  if (keys.length === 2 && 'id' in value && isObject(value.data) && immutable.has(value.data)) {
    return { payload: value.data, trackedId: value.id };
  }
  return undefined;
}

function serialize(value: unknown): Serialized {
  const shared = isObject(value) ? sharedPayloadOf(value) : undefined;
  if (!shared) return serializeSuperjson(value);
  const memo = memos.get(shared.payload);
  if (memo && memo.trackedId === shared.trackedId) return memo.serialized;
  const serialized = serializeSuperjson(value);
  memos.set(shared.payload, { trackedId: shared.trackedId, serialized });
  jsonOfSerialized.set(serialized, JSON.stringify(serialized));
  return serialized;
}

export const transformer: CombinedDataTransformer = {
  input: superjson,
  output: { serialize, deserialize: superjson.deserialize },
};

/** JSON text frames, as tRPC's default encoder, reusing the memoized JSON of shared payloads. */
export const wsEncoder = {
  encode(message: unknown): string {
    const result = isObject(message) && isObject(message.result) ? message.result : undefined;
    const json = result && isObject(result.data) ? jsonOfSerialized.get(result.data) : undefined;
    if (json === undefined) return JSON.stringify(message);
    const { result: _result, ...envelope } = message as Record<string, unknown>;
    const { data: _data, ...resultFields } = result!;
    // `{"id":1,"result":{"type":"data","id":"…"}}` → insert `,"data":<json>` before the closing braces.
    const frame = JSON.stringify({ ...envelope, result: resultFields });
    return `${frame.slice(0, -2)},"data":${json}}}`;
  },
  decode(data: unknown): unknown {
    if (typeof data !== 'string') throw new Error('Expected a JSON text frame');
    return JSON.parse(data);
  },
};
