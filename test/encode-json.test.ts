// JSON bytes for REST bodies and legacy frames: encodeJson writes exactly the UTF-8 of what
// JSON.stringify writes (or throws what it throws), and the ISO formatter behind it is Date#toISOString.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeJson } from '../server/src/json/encode-json';
import { isoDateString, writeIsoDate } from '../server/src/json/iso-date-string';
import { anyValue, LAST_FOUR_DIGIT_YEAR_MS, validDate } from './helpers/wire-values';

/** What `stringify` gives for `value`, as bytes (compared as hex), or the error it throws. */
function jsonBytes(stringify: (value: unknown) => Buffer | string | undefined, value: unknown): { bytes: string | undefined } | { error: string } {
  try {
    const result = stringify(value);
    return { bytes: result === undefined ? undefined : Buffer.from(result).toString('hex') };
  } catch (error) {
    return { error: String(error) };
  }
}
const stock = (value: unknown) => JSON.stringify(value) as string | undefined;
const expectSameBytes = (value: unknown) => expect(jsonBytes(encodeJson, value)).toEqual(jsonBytes(stock, value));

describe('isoDateString', () => {
  it('writes what toISOString writes', () => {
    const times = [
      0, 1, 999, 86_399_999, 86_400_000,
      Date.UTC(1972, 1, 29), Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(2000, 2, 1), Date.UTC(2100, 1, 28, 12),
      Date.UTC(2100, 2, 1), Date.UTC(2026, 11, 31, 23, 59, 59, 999), LAST_FOUR_DIGIT_YEAR_MS,
      // Outside 1970–9999: left to the builtin.
      -1, LAST_FOUR_DIGIT_YEAR_MS + 1, -62_167_219_200_000, 8_640_000_000_000_000,
    ];
    for (const time of times) expect(isoDateString(new Date(time))).toBe(new Date(time).toISOString());
    expect(isoDateString(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)))).toBe('2026-01-02T03:04:05.006Z');
    fc.assert(
      fc.property(validDate, (date) => {
        expect(isoDateString(date)).toBe(date.toISOString());
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('encodeJson', () => {
  it('writes REST bodies with Dates exactly as JSON.stringify does', () => {
    const body = {
      data: [{ id: 1, name: 'Ada "Countess" Lovelace', created_at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), updated_at: new Date(0) }],
      meta: { page: 1, per_page: 10, total: 1 },
    };
    expect(encodeJson(body)?.toString()).toBe(
      '{"data":[{"id":1,"name":"Ada \\"Countess\\" Lovelace","created_at":"2026-01-02T03:04:05.678Z","updated_at":"1970-01-01T00:00:00.000Z"}],' +
        '"meta":{"page":1,"per_page":10,"total":1}}',
    );
    expectSameBytes(body);
    expect(body.data[0]!.created_at).toBeInstanceOf(Date);
  });

  it('writes the same text, or throws the same error, for values of other kinds, shared references, deep nesting and cycles', () => {
    const cycle: Record<string, unknown> = { at: new Date(0) };
    cycle.self = cycle;
    const shared = { at: new Date(0) };
    let deep: unknown = new Date(0);
    for (let depth = 0; depth < 150; depth++) deep = [deep];
    const values = [
      { at: new Date(Number.NaN), n: Number.NaN, z: -0, u: undefined, f: () => 1 },
      { first: shared, again: [shared, shared.at] },
      { custom: { toJSON: () => 'custom' }, at: new Date(0) },
      [new Date(-1), new Date(LAST_FOUR_DIGIT_YEAR_MS + 1)],
      { n: 1n, at: new Date(0) },
      deep,
      cycle,
      undefined,
    ];
    for (const value of values) expectSameBytes(value);
    expect(() => encodeJson(cycle)).toThrow(/circular/);
  });

  it('quotes strings and keys of any UTF-16 code units as JSON.stringify does (controls, quotes, lone surrogates)', () => {
    const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
    const text = fc.string({ unit: fc.oneof(codeUnit, fc.constantFrom('"', '\\', '\n', '\u2028', '\ud83d\ude00')), maxLength: 12 });
    fc.assert(
      fc.property(fc.dictionary(text, fc.oneof(text, fc.array(text, { maxLength: 3 })), { maxKeys: 4 }), (value) => {
        expectSameBytes(value);
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves toJSON methods, however placed, to JSON.stringify', () => {
    const array = Object.assign([new Date(0)], { toJSON: () => 'array' });
    const date = Object.assign(new Date(0), { toJSON: () => 'date' });
    const inherited = Object.create({ toJSON: () => 'inherited' }) as object;
    const values = [array, date, inherited, { list: [array, date], bare: Object.assign(Object.create(null) as object, { at: new Date(1) }) }];
    for (const value of values) expectSameBytes(value);
  });

  it('writes exactly what JSON.stringify writes, for anything', () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        expectSameBytes(value);
      }),
      { numRuns: 3000 },
    );
  });

  it('hands out bodies that later bodies never overwrite, across slab ends and for bodies larger than a slab', () => {
    const row = (i: number) => ({ id: i, name: `author ${i} ✓`, created_at: new Date(i * 86_400_123), tags: ['a"b', i * 1.5, -i, null] });
    const bodies = Array.from({ length: 400 }, (_, i) => ({ i, rows: Array.from({ length: 1 + (i % 60) }, (__, j) => row(i * 100 + j)) }));
    const huge = { rows: Array.from({ length: 20_000 }, (_, i) => row(i)) };
    const encoded = [...bodies, huge, ...bodies].map((body) => encodeJson(body)!);
    expect(encoded[400]!.length).toBeGreaterThan(1024 * 1024);
    [...bodies, huge, ...bodies].forEach((body, i) => expect(encoded[i]!.equals(Buffer.from(JSON.stringify(body)))).toBe(true));
  });

  it('writes a Date equal to an earlier one of the body from that one\'s digits, also after the body moved to a new slab', () => {
    // Times from a small pool, so most Dates repeat one written before them; NaN and out-of-range
    // ones in between are written otherwise and must not disturb the copy.
    const times = [Date.UTC(2026, 11, 5, 1, 49, 13, 123), 0, LAST_FOUR_DIGIT_YEAR_MS, -1, Number.NaN];
    const row = (i: number) => {
      const created = new Date(times[(i * 7) % 3]!);
      return { id: i, name: `author ${i}`, created_at: created, updated_at: i % 4 === 0 ? new Date(times[3 + (i % 2)]!) : new Date(created.getTime()) };
    };
    // Sizes that make bodies cross the 512 KiB slab's end at every point of a row.
    for (let length = 1; length < 6_000; length += 137) {
      const body = { rows: Array.from({ length }, (_, i) => row(i + length)) };
      expect(encodeJson(body)!.equals(Buffer.from(JSON.stringify(body)))).toBe(true);
    }
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...times), fc.string({ maxLength: 3 })), { maxLength: 40 }), (pairs) => {
        expectSameBytes(pairs.map(([time, name]) => ({ name, at: new Date(time) })));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes Dates outside 1970–9999 whole where the slab ends', () => {
    // Their ISO text is longer than the room reserved for the usual 24 characters. A body of 600 KB
    // gets a fresh slab of 1 MiB (512 KiB doubled); the next one is sized so that its Date falls on
    // each of the last 64 bytes of that slab in turn.
    const far = new Date(8_640_000_000_000_000);
    const large = 'x'.repeat(600_000);
    for (let shift = 0; shift < 64; shift++) {
      const first = encodeJson(large)!;
      const value = ['y'.repeat(1024 * 1024 - 600_008 - 4 - 64 + shift), far];
      const bytes = encodeJson(value)!;
      expect(first.length).toBe(600_002);
      expect(bytes.subarray(-40).toString()).toBe(JSON.stringify(value).slice(-40));
      expect(bytes.length).toBe(Buffer.byteLength(JSON.stringify(value)));
    }
  });

  it('writes numbers as JavaScript does', () => {
    const numbers = [0, -0, 7, 10, 99, 100, 123_456_789, 999_999_999, 1e9, 2 ** 31, 2 ** 53, -1, -(2 ** 31), 0.1, 1e21, 1e-7, 5e-324, Number.MAX_VALUE];
    expectSameBytes(numbers);
    fc.assert(fc.property(fc.array(fc.oneof(fc.integer(), fc.nat(), fc.double())), (values) => void expectSameBytes(values)), { numRuns: 2000 });
  });

  it('takes a getter that encodes too (the inner call goes the general way)', () => {
    const inner = { at: new Date(0), name: 'é' };
    const value = {
      get nested() {
        return encodeJson(inner)!.toString();
      },
    };
    expectSameBytes(value);
  });

  it('lists the keys JSON.stringify lists when getters delete or add keys, and when Object.prototype gains an enumerable key', () => {
    // A fresh object for each encoder: the getters change the object they are read from.
    const changing = () => {
      const object: Record<string, unknown> = {
        first: 1,
        get second() {
          delete object.third;
          object.added = 'late';
          return 2;
        },
        third: 3,
        '7': 'an index key',
      };
      return object;
    };
    expect(jsonBytes(encodeJson, changing())).toEqual(jsonBytes(stock, changing()));
    const prototype = Object.prototype as Record<string, unknown>;
    prototype.inherited = 'from the prototype';
    try {
      expectSameBytes({ own: 1, nested: { deeper: [{ a: 1 }] } });
    } finally {
      delete prototype.inherited;
    }
  });
});

describe('writeIsoDate', () => {
  it('writes the 24 bytes of toISOString from 1970 to 9999, and nothing outside', () => {
    const target = Buffer.alloc(26, 0x2a);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: LAST_FOUR_DIGIT_YEAR_MS }), (time) => {
        expect(writeIsoDate(target, 1, time)).toBe(true);
        expect(target.toString('latin1')).toBe(`*${new Date(time).toISOString()}*`);
      }),
      { numRuns: 20_000 },
    );
    target.fill(0x2a);
    for (const time of [-1, LAST_FOUR_DIGIT_YEAR_MS + 1, Number.NaN]) expect(writeIsoDate(target, 1, time)).toBe(false);
    expect(target.toString('latin1')).toBe('*'.repeat(26));
  });
});
