// JSON text for REST bodies and legacy frames: stringifyJson writes exactly what JSON.stringify
// writes (or throws what it throws), and the ISO formatter behind it is Date#toISOString.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoDateString } from '../server/src/json/iso-date-string';
import { stringifyJson } from '../server/src/json/stringify-json';
import { anyValue, LAST_FOUR_DIGIT_YEAR_MS, validDate } from './helpers/wire-values';

function jsonText(stringify: (value: unknown) => string, value: unknown): { text: string } | { error: string } {
  try {
    return { text: stringify(value) };
  } catch (error) {
    return { error: String(error) };
  }
}

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

describe('stringifyJson', () => {
  it('writes REST bodies with Dates exactly as JSON.stringify does', () => {
    const body = {
      data: [{ id: 1, name: 'Ada "Countess" Lovelace', created_at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), updated_at: new Date(0) }],
      meta: { page: 1, per_page: 10, total: 1 },
    };
    expect(stringifyJson(body)).toBe(
      '{"data":[{"id":1,"name":"Ada \\"Countess\\" Lovelace","created_at":"2026-01-02T03:04:05.678Z","updated_at":"1970-01-01T00:00:00.000Z"}],' +
        '"meta":{"page":1,"per_page":10,"total":1}}',
    );
    expect(stringifyJson(body)).toBe(JSON.stringify(body));
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
    for (const value of values) expect(jsonText(stringifyJson, value)).toEqual(jsonText(JSON.stringify, value));
    expect(() => stringifyJson(cycle)).toThrow(/circular/);
  });

  it('quotes strings and keys of any UTF-16 code units as JSON.stringify does (controls, quotes, lone surrogates)', () => {
    const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
    const text = fc.string({ unit: fc.oneof(codeUnit, fc.constantFrom('"', '\\', '\n', '\u2028', '\ud83d\ude00')), maxLength: 12 });
    fc.assert(
      fc.property(fc.dictionary(text, fc.oneof(text, fc.array(text, { maxLength: 3 })), { maxKeys: 4 }), (value) => {
        expect(stringifyJson(value)).toBe(JSON.stringify(value));
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves toJSON methods, however placed, to JSON.stringify', () => {
    const array = Object.assign([new Date(0)], { toJSON: () => 'array' });
    const date = Object.assign(new Date(0), { toJSON: () => 'date' });
    const inherited = Object.create({ toJSON: () => 'inherited' }) as object;
    const values = [array, date, inherited, { list: [array, date], bare: Object.assign(Object.create(null) as object, { at: new Date(1) }) }];
    for (const value of values) expect(stringifyJson(value)).toBe(JSON.stringify(value));
  });

  it('writes exactly what JSON.stringify writes, for anything', () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        expect(jsonText(stringifyJson, value)).toEqual(jsonText(JSON.stringify, value));
      }),
      { numRuns: 3000 },
    );
  });
});
