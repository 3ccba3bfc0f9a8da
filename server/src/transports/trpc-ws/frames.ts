// The tRPC WebSocket protocol's answers, as JSON bytes. Every message goes through tRPC's own
// `transformTRPCResponse` (the router's transformer, superjson, serialized for the byte writer: see
// configForEncoder), so the frames are what @trpc/server's adapter writes. What is ours is sharing:
// the data frame of an event declared immutable (trpc/event-feed.ts) is built once per
// subscription id and sent to every subscriber using that id as the same bytes (a SharedFrame) — at
// 5,000 subscribers of the standard client (which all number their first subscription alike) one
// serialization, one UTF-8 encoding and one WebSocket frame per event, not 5,000.
import { isTrackedEnvelope, transformTRPCResponse, type AnyRouter } from '@trpc/server';
import type { TRPCResponseMessage, TRPCResultMessage } from '@trpc/server/rpc';
import { encodeJson } from '../../json/encode-json';
import { isSharedImmutable } from '../../trpc/event-feed';
import { configForEncoder } from '../../trpc/wire-format';
import { SharedFrame } from '../shared-frame';

type RouterConfig = AnyRouter['_def']['_config'];
export type RequestId = number | string;
type DataResult = TRPCResultMessage<unknown>['result'];

export interface FrameEncoder {
  encode(message: TRPCResponseMessage): Buffer;
  /**
   * The `data` frames of one subscription: a function from each value (a `tracked(id, data)` envelope
   * or a plain value) to its frame. Built once per subscription, so a delivery only looks its frame up.
   */
  dataFrames(id: RequestId, jsonrpc: '2.0' | undefined): (value: unknown) => Buffer | SharedFrame;
}

interface SharedFrames {
  trackedId: string;
  /** Everything after the request id: `,"result":{…}}`. */
  tail: string;
  /** The finished frames, by request-id prefix. */
  byPrefix: Map<string, SharedFrame>;
}

/** tRPC sends a tracked value as `{type, id, data: {id, data}}`. */
const trackedResult = (id: string, data: unknown): DataResult => ({ type: 'data', id, data: { id, data } });
const resultOf = (value: unknown): DataResult =>
  isTrackedEnvelope(value) ? trackedResult(value[0], value[1]) : { type: 'data', data: value };

export function createFrameEncoder(config: RouterConfig): FrameEncoder {
  const shared = new WeakMap<object, SharedFrames>();
  const encoderConfig = configForEncoder(config);
  const encode = (message: TRPCResponseMessage) => encodeJson(transformTRPCResponse(encoderConfig, message))!;
  /**
   * The last shared frame and what it was for. The live subscribers of a feed are handed the same
   * value one after another (state/follow-events.ts) and most number their subscription alike, so
   * all but the first find their frame here with two comparisons.
   */
  let lastFrame: { value: unknown; prefix: string; frame: SharedFrame } | undefined;

  function sharedFrames(trackedId: string, data: object): SharedFrames {
    const cached = shared.get(data);
    if (cached?.trackedId === trackedId) return cached;
    const { result } = transformTRPCResponse(config, { id: null, result: trackedResult(trackedId, data) }) as TRPCResultMessage<unknown>;
    const frames = { trackedId, tail: `,"result":${JSON.stringify(result)}}`, byPrefix: new Map<string, SharedFrame>() };
    shared.set(data, frames);
    return frames;
  }

  return {
    encode,
    dataFrames(id, jsonrpc) {
      const prefix = `{"id":${JSON.stringify(id)}${jsonrpc ? ',"jsonrpc":"2.0"' : ''}`;
      return (value) => {
        if (lastFrame && lastFrame.value === value && lastFrame.prefix === prefix) return lastFrame.frame;
        if (!isTrackedEnvelope(value) || !isSharedImmutable(value[1])) return encode({ id, jsonrpc, result: resultOf(value) });
        const frames = sharedFrames(value[0], value[1]);
        let frame = frames.byPrefix.get(prefix);
        if (!frame) {
          frame = new SharedFrame(Buffer.from(prefix + frames.tail));
          frames.byPrefix.set(prefix, frame);
        }
        lastFrame = { value, prefix, frame };
        return frame;
      };
    },
  };
}
