// The tRPC-WS data frames: an immutable event's frame is built once per subscription id and shared
// as the same bytes; the frames parse exactly as tRPC's own encoding of the same message.
import { tracked, transformTRPCResponse } from '@trpc/server';
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { appRouter } from '../server/src/routers';
import { SharedFrame } from '../server/src/transports/shared-frame';
import { createFrameEncoder } from '../server/src/transports/trpc-ws/frames';
import { shareImmutable } from '../server/src/trpc/event-feed';

const config = appRouter._def._config;
const event = () => ({ type: 'created' as const, author: { id: 7, name: 'Ada', createdAt: new Date(0), updatedAt: new Date(1) } });
const text = (frame: Buffer | SharedFrame) => (frame instanceof SharedFrame ? frame.payload : frame).toString();
const standard = (id: number, jsonrpc: '2.0' | undefined, eventId: string, data: unknown) =>
  JSON.parse(JSON.stringify(transformTRPCResponse(config, { id, jsonrpc, result: { type: 'data', id: eventId, data: { id: eventId, data } } })));

describe('tRPC-WS frames', () => {
  it('shares one frame per subscription id for an immutable event, equal to the standard encoding', () => {
    const frames = createFrameEncoder(config);
    const shared = shareImmutable(event());
    const first = frames.dataFrames(1, undefined)(tracked('5-0', shared));
    expect(frames.dataFrames(1, undefined)(tracked('5-0', shared))).toBe(first);
    const other = frames.dataFrames(2, '2.0')(tracked('5-0', shared));
    expect(other).not.toBe(first);
    expect(first).toBeInstanceOf(SharedFrame);
    expect(JSON.parse(text(first))).toEqual(standard(1, undefined, '5-0', shared));
    expect(JSON.parse(text(other))).toEqual(standard(2, '2.0', '5-0', shared));
    const decoded = superjson.deserialize<{ data: ReturnType<typeof event> }>(JSON.parse(text(first)).result.data);
    expect(decoded.data.author.createdAt).toEqual(new Date(0));
  });

  it('encodes a payload that is not declared immutable afresh each time', () => {
    const frames = createFrameEncoder(config);
    const mutable = event();
    const frameOf = frames.dataFrames(1, undefined);
    const first = frameOf(tracked('6-0', mutable));
    mutable.author.name = 'Grace';
    const second = frameOf(tracked('6-0', mutable));
    expect(JSON.parse(text(second))).toEqual(standard(1, undefined, '6-0', mutable));
    expect(text(first)).toContain('Ada');
    expect(text(frames.dataFrames(3, undefined)({ plain: true }))).toBe('{"id":3,"result":{"type":"data","data":{"json":{"plain":true}}}}');
  });
});
