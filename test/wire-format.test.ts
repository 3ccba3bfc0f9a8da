// The wire format: superjson as before for everything, and a shared (immutable) payload serialized
// once however many subscribers' frames carry it — frames that decode exactly like the standard ones.
import { transformTRPCResponse } from '@trpc/server';
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { shareImmutable, transformer, wsEncoder } from '../server/src/trpc/wire-format';

const config = { transformer } as Parameters<typeof transformTRPCResponse>[0];
const event = () => ({
  type: 'created',
  author: { id: 7, name: 'Ada "Countess" Lovelace', created_at: new Date('2026-01-02T03:04:05.678Z'), updated_at: new Date(0) },
});

/** What the ws adapter does per subscriber: wrap a tracked value, transform, encode. */
function frame(subscriptionId: number | string, eventId: string, data: unknown, jsonrpc?: '2.0'): string {
  const message = { id: subscriptionId, jsonrpc, result: { type: 'data', data: { id: eventId, data }, id: eventId } };
  return wsEncoder.encode(transformTRPCResponse(config, message as never));
}

describe('wire format', () => {
  it('encodes a shared payload into frames that parse as the standard encoding does', () => {
    const shared = shareImmutable(event());
    for (const [subscriptionId, jsonrpc] of [[1, undefined], ['sub-"2"', '2.0']] as const) {
      const standard = JSON.stringify({
        id: subscriptionId,
        jsonrpc,
        result: { type: 'data', data: superjson.serialize({ id: '1-0', data: event() }), id: '1-0' },
      });
      const encoded = frame(subscriptionId, '1-0', shared, jsonrpc);
      expect(JSON.parse(encoded)).toEqual(JSON.parse(standard));
      const decoded = superjson.deserialize(JSON.parse(encoded).result.data);
      expect(decoded).toEqual({ id: '1-0', data: event() });
    }
  });

  it('serializes a shared payload once, per tracked id', () => {
    const shared = shareImmutable(event());
    const first = transformer.output.serialize({ id: '1-0', data: shared });
    expect(transformer.output.serialize({ id: '1-0', data: shared })).toBe(first);
    const other = transformer.output.serialize({ id: '2-0', data: shared });
    expect(other).not.toBe(first);
    expect(other).toEqual(superjson.serialize({ id: '2-0', data: event() }));
  });

  it('leaves everything else to superjson, untouched and unfrozen', () => {
    const plain = event();
    const serialized = transformer.output.serialize({ id: '1-0', data: plain });
    expect(serialized).toEqual(superjson.serialize({ id: '1-0', data: event() }));
    expect(transformer.output.serialize({ id: '1-0', data: plain })).not.toBe(serialized);
    expect(Object.isFrozen(plain)).toBe(false);
    const message = { id: 3, result: { type: 'data', data: serialized } };
    expect(wsEncoder.encode(message)).toBe(JSON.stringify(message));
    expect(wsEncoder.encode({ id: null, error: { json: { message: 'x' } } })).toBe('{"id":null,"error":{"json":{"message":"x"}}}');
  });

  it('freezes a shared payload deeply', () => {
    const shared = shareImmutable(event());
    expect(Object.isFrozen(shared.author)).toBe(true);
    expect(() => {
      (shared.author as { name: string }).name = 'changed';
    }).toThrow(TypeError);
  });
});
