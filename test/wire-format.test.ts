// The wire format: superjson for everything, and a shared (immutable) payload serialized once
// however many subscribers receive it (the tRPC-WS frames themselves: trpc-ws-frames.test.ts).
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { isSharedImmutable, shareImmutable } from '../server/src/trpc/event-feed';
import { transformer } from '../server/src/trpc/wire-format';

const event = () => ({
  type: 'created',
  author: { id: 7, name: 'Ada "Countess" Lovelace', created_at: new Date('2026-01-02T03:04:05.678Z'), updated_at: new Date(0) },
});

describe('wire format', () => {
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
  });

  it('freezes a shared payload deeply', () => {
    const shared = shareImmutable(event());
    expect(isSharedImmutable(shared)).toBe(true);
    expect(isSharedImmutable(event())).toBe(false);
    expect(Object.isFrozen(shared.author)).toBe(true);
    expect(() => {
      (shared.author as { name: string }).name = 'changed';
    }).toThrow(TypeError);
  });
});
