// The superjson fast path gives what superjson.serialize gives: the same JSON text for any value
// (plain data through the fast path, everything else through superjson), the same value back
// through superjson.deserialize, and the input left as it was.
import fc from 'fast-check';
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { encodeJson } from '../server/src/json/encode-json';
import { datePathsOf, NOT_PLAIN, withIsoDates } from '../server/src/json/with-iso-dates';
import { serializeSuperjson, superjsonKeepingDates } from '../server/src/trpc/superjson-fast-path';
import { anyValue, plainValue } from './helpers/wire-values';

/** The JSON text a serializer's result is sent as, or the error it throws. */
function wireText(serialize: (value: unknown) => unknown, value: unknown): { text: string } | { error: string } {
  try {
    return { text: JSON.stringify(serialize(value)) };
  } catch (error) {
    return { error: String(error) };
  }
}

const author = (id: number) => ({
  id,
  name: `John ${id}`,
  createdAt: new Date(Date.UTC(2026, 0, id, 3, 4, 5, 678)),
  updatedAt: new Date(Date.UTC(2026, 1, id)),
});

describe('superjson fast path', () => {
  it('serializes author rows exactly as superjson does', () => {
    const rows = [author(1), author(2)];
    const serialized = serializeSuperjson(rows);
    expect(serialized).toEqual({
      json: [
        { id: 1, name: 'John 1', createdAt: '2026-01-01T03:04:05.678Z', updatedAt: '2026-02-01T00:00:00.000Z' },
        { id: 2, name: 'John 2', createdAt: '2026-01-02T03:04:05.678Z', updatedAt: '2026-02-02T00:00:00.000Z' },
      ],
      meta: { values: { '0.createdAt': ['Date'], '0.updatedAt': ['Date'], '1.createdAt': ['Date'], '1.updatedAt': ['Date'] }, v: 1 },
    });
    expect(JSON.stringify(serialized)).toBe(JSON.stringify(superjson.serialize(rows)));
    expect(superjson.deserialize(JSON.parse(JSON.stringify(serialized)))).toEqual(rows);
  });

  it('writes a stream event (redis-event-stream.ts) as superjson.stringify does', () => {
    const event = { type: 'created', author: { ...author(3), name: 'Ada "A." \\ Lovelace' }, by: 'writer' };
    expect(JSON.stringify(serializeSuperjson(event))).toBe(superjson.stringify(event));
  });

  it('escapes keys holding . or \\ in Date paths, and lists Dates under index keys first as superjson does', () => {
    const value = { 'a.b': { 'c\\d': new Date(0) }, list: [{ at: new Date(1) }, new Date(2), { at: new Date(3) }, new Date(4)], 7: new Date(5) };
    const serialized = serializeSuperjson(value);
    expect(Object.keys(serialized.meta?.values ?? {})).toEqual(['7', 'a\\.b.c\\\\d', 'list.1', 'list.3', 'list.0.at', 'list.2.at']);
    expect(JSON.stringify(serialized)).toBe(JSON.stringify(superjson.serialize(value)));
    expect(superjson.deserialize(JSON.parse(JSON.stringify(serialized)))).toEqual(value);
  });

  it('serializes roots as superjson does: a Date, primitives, empty containers', () => {
    expect(serializeSuperjson(new Date(0))).toEqual({ json: '1970-01-01T00:00:00.000Z', meta: { values: ['Date'], v: 1 } });
    for (const value of ['text', 1.5, true, null, {}, [], { '': new Date(0) }, [[new Date(1)]]]) {
      expect(serializeSuperjson(value)).toEqual(superjson.serialize(value));
    }
  });

  it('leaves values of other kinds, shared references and cycles to superjson', () => {
    const shared = { id: 1 };
    const date = new Date(0);
    const cycle: Record<string, unknown> = { name: 'loop' };
    cycle.self = cycle;
    const others = [
      undefined,
      { a: undefined },
      [Number.NaN, -0, Number.POSITIVE_INFINITY],
      10n,
      new Map([[1, date]]),
      new Set(['a']),
      /x/g,
      new Error('boom'),
      new Date(Number.NaN),
      Object.assign([1], { at: date }),
      [shared, shared],
      { created: date, updated: date },
      cycle,
    ];
    for (const value of others) {
      expect(withIsoDates(value, [])).toBe(NOT_PLAIN);
      expect(wireText(serializeSuperjson, value)).toEqual(wireText(superjson.serialize, value));
    }
    expect(serializeSuperjson({ created: date, updated: date }).meta?.referentialEqualities).toEqual({ created: ['updated'] });
    expect(() => serializeSuperjson(JSON.parse('{"__proto__": {"polluted": true}}'))).toThrow(/prototype pollution/);
  });

  it('copies only what holds a Date and leaves the input as it was', () => {
    const tags = { list: ['a', 'b'] };
    const row = { tags, createdAt: new Date(0) };
    const value = { rows: [row], total: 1 };
    const { json } = serializeSuperjson(value) as { json: { rows: { tags: unknown; createdAt: unknown }[] } };
    expect(json.rows[0]!.tags).toBe(tags);
    expect(json.rows[0]!.createdAt).toBe('1970-01-01T00:00:00.000Z');
    expect(row.createdAt).toBeInstanceOf(Date);
    const noDates = { rows: [{ tags }] };
    expect(serializeSuperjson(noDates)).toEqual({ json: noDates });
    expect(serializeSuperjson(noDates).json).toBe(noDates);
  });

  it('takes plain data with Dates itself, and gives superjson’s JSON text and the same value back', () => {
    fc.assert(
      fc.property(plainValue, (value) => {
        expect(withIsoDates(value, [])).not.toBe(NOT_PLAIN);
        const text = JSON.stringify(serializeSuperjson(value));
        expect(text).toBe(JSON.stringify(superjson.serialize(value)));
        expect(superjson.deserialize(JSON.parse(text))).toEqual(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives superjson’s JSON text (or its error) for anything', () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        expect(wireText(serializeSuperjson, value)).toEqual(wireText(superjson.serialize, value));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps the Dates for the byte writer: encoded, the same bytes as superjson’s JSON text, the same Date paths, no copy', () => {
    const rows = [author(1), author(2)];
    const kept = superjsonKeepingDates(rows)!;
    expect(kept.json).toBe(rows);
    expect(encodeJson(kept)!.toString()).toBe(JSON.stringify(superjson.serialize(rows)));
    expect(encodeJson(superjsonKeepingDates(new Date(7)))!.toString()).toBe(JSON.stringify(superjson.serialize(new Date(7))));
    fc.assert(
      fc.property(anyValue, (value) => {
        const paths: string[] = [];
        const copied = withIsoDates(value, paths);
        expect(datePathsOf(value)).toEqual(copied === NOT_PLAIN ? NOT_PLAIN : paths);
        const keeping = superjsonKeepingDates(value);
        expect(keeping === undefined).toBe(copied === NOT_PLAIN);
        if (keeping) expect(encodeJson(keeping)!.equals(Buffer.from(JSON.stringify(superjson.serialize(value))))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
