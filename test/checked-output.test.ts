import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { authorSchema, paginatedAuthorsSchema } from '@authors/shared';
import { checkedOutput } from '../server/src/trpc/checked-output';
import { toJsonSchema } from '../server/src/transports/procedure-schemas';

const flagsSchema = z.object({ ok: z.boolean(), score: z.number(), tags: z.array(z.string()), at: z.date(), count: z.int() });
const schemas: [string, z.ZodType][] = [
  ['author', authorSchema],
  ['author list', z.array(authorSchema)],
  ['nested flags', z.object({ flags: flagsSchema, list: z.array(flagsSchema) })],
];

/** What a parse gives: the value's JSON (key order included) and the value, or zod's issues. */
function outcome(parse: () => unknown) {
  try {
    const value = parse();
    return { json: JSON.stringify(value), value };
  } catch (error) {
    return { issues: JSON.stringify((error as z.ZodError).issues) };
  }
}

/** Mostly valid values, so that whole answers pass often, with the odd one zod refuses. */
const validOr = <T, U>(valid: fc.Arbitrary<T>, odd: fc.Arbitrary<U>) => fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: odd });
const date = validOr(fc.date({ noInvalidDate: true }), fc.constantFrom(new Date(Number.NaN), '2026-12-05T00:00:00.000Z', 0));
const integer = validOr(fc.integer(), fc.constantFrom(2 ** 53, -(2 ** 53), -0, 1.5, Number.NaN, Infinity, '1'));
const number = validOr(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(Number.NaN, Infinity, -Infinity, '1', 2 ** 53));
const text = validOr(fc.string(), fc.constantFrom(1, null, undefined));
const author = fc.record({ id: integer, name: text, created_at: date, updated_at: date });
const flags = fc.record({ ok: validOr(fc.boolean(), fc.constantFrom(0, 'true')), score: number, tags: fc.array(text, { maxLength: 3 }), at: date, count: integer });
/** Valid and nearly valid values: wrong kinds, extra, missing and reordered keys, odd prototypes and holes. */
const twisted = <T extends object>(base: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 8, arbitrary: base },
    base.map((value) => ({ ...value, extra: 'stripped by zod' })),
    base.map((value) => Object.fromEntries(Object.entries(value).slice(1))),
    base.map((value) => Object.fromEntries(Object.entries(value).slice(0, -1))),
    base.map((value) => Object.fromEntries(Object.entries(value).reverse())),
    base.map((value) => Object.assign(Object.create(null) as object, value)),
    base.map((value) => Object.assign(new (class Row {})(), value)),
    fc.anything(),
  );
const list = <T>(item: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.array(item, { maxLength: 4 }) },
    fc.array(item).map((items) => {
      const sparse = [...items];
      sparse.length += 1;
      return sparse;
    }),
    fc.array(item).map((items) => Object.assign(new (class Rows extends Array {})(), items)),
  );
const values: Record<string, fc.Arbitrary<unknown>> = {
  author: twisted(author),
  'author list': list(twisted(author)),
  'nested flags': twisted(fc.record({ flags: twisted(flags), list: list(twisted(flags)) })),
};

describe('checkedOutput', () => {
  it.each(schemas)('parses %s values exactly as zod does: the same output, key order and Dates, or the same issues', (name, schema) => {
    const checked = checkedOutput(schema);
    expect(checked).not.toBe(schema);
    fc.assert(
      fc.property(values[name]!, (value) => {
        const mine = outcome(() => checked.parse(value));
        const zods = outcome(() => schema.parse(value));
        expect(mine).toStrictEqual(zods);
      }),
      { numRuns: 2_000 },
    );
  });

  it('passes an answer already in shape through as it is, and copies one with a key zod strips', () => {
    const checked = checkedOutput(z.array(authorSchema));
    const rows = [{ id: 1, name: 'Ann', created_at: new Date(0), updated_at: new Date(1) }];
    expect(checked.parse(rows)).toBe(rows);
    const withSecret = [{ ...rows[0]!, password: 'x' }];
    expect(checked.parse(withSecret)).toEqual(rows);
  });

  it('leaves schemas it has no check for to zod, and documents the same schema either way', () => {
    const refined = z.array(authorSchema).min(1);
    expect(checkedOutput(refined)).toBe(refined);
    expect(checkedOutput(paginatedAuthorsSchema)).toBe(paginatedAuthorsSchema);
    const coerced = z.object({ at: z.coerce.date() });
    expect(checkedOutput(coerced)).toBe(coerced);
    for (const [, schema] of schemas) {
      expect(toJsonSchema(checkedOutput(schema), 'output')).toEqual(toJsonSchema(schema, 'output'));
    }
  });
});
