// Random values for the wire-format property tests: plain data with Dates (what the fast paths
// take: awkward keys, null-prototype objects, arrays of Dates, integer-like keys) and, mixed in,
// everything they must leave to the general serializer (undefined, NaN, -0, ±Infinity, bigint,
// Map, Set, RegExp, Error, class instances, symbols, functions, boxed values, invalid Dates,
// sparse arrays, shared references, cycles).
import fc from 'fast-check';

/** 9999-12-31T23:59:59.999Z, the last time whose ISO year has four digits. */
export const LAST_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;
const MAX_TIME = 8_640_000_000_000_000;

/** Keys superjson refuses to serialize (prototype pollution). */
export const REFUSED_KEYS = ['__proto__', 'constructor', 'prototype'];

const plainKey = fc.oneof(
  fc.string({ maxLength: 6 }),
  // Path escapes (`.` and `\`), empty keys, and keys V8 orders first (array indices) or not.
  fc.constantFrom('', '.', '\\', 'a.b', 'a\\b', '\\.', '.\\', '0', '1', '7', '01', '-1', '1.5', '4294967294', '4294967295', 'createdAt', 'toJSON'),
);
const anyKey = fc.oneof({ weight: 9, arbitrary: plainKey }, { weight: 1, arbitrary: fc.constantFrom(...REFUSED_KEYS) });

/** A fresh valid Date (never the same instance twice), mostly within 1970–9999. */
export const validDate = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: LAST_FOUR_DIGIT_YEAR_MS }) },
  { weight: 1, arbitrary: fc.integer({ min: -MAX_TIME, max: MAX_TIME }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0, LAST_FOUR_DIGIT_YEAR_MS, LAST_FOUR_DIGIT_YEAR_MS + 1, -62_167_219_200_000, -MAX_TIME, MAX_TIME) },
).map((time) => new Date(time));

const plainNumber = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)));
const plainLeaf = fc.oneof(fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null), plainNumber, validDate);

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

const otherLeaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(undefined, Number.NaN, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Symbol('s'), () => 1),
  fc.bigInt(),
  fc.constant(null).map(() => new Date(Number.NaN)),
  fc.string({ maxLength: 4 }).map((message) => new Error(message)),
  fc.constant(null).map(() => /a.b/g),
  fc.integer().map((x) => new Point(x, x + 1)),
  fc.string({ maxLength: 4 }).map((s) => new String(s)),
  fc.constant(null).map(() => ({ toJSON: () => 'custom' })),
  fc.constant(null).map(() => new Uint8Array([1, 2])),
);

const { plain } = fc.letrec<{ plain: unknown; plainObject: Record<string, unknown>; plainArray: unknown[] }>((tie) => ({
  plain: fc.oneof({ depthSize: 'small', withCrossShrink: true }, plainLeaf, tie('plainObject'), tie('plainArray')),
  plainObject: fc.dictionary(plainKey, tie('plain'), { maxKeys: 5 }),
  plainArray: fc.array(tie('plain'), { maxLength: 5 }),
}));

/** Plain data with Dates, each object met once: what the fast paths take. */
export const plainValue = plain;

const { any } = fc.letrec<{ any: unknown; container: object }>((tie) => ({
  any: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: plainLeaf },
    { weight: 1, arbitrary: otherLeaf },
    { weight: 4, arbitrary: tie('container') },
  ),
  container: fc.oneof(
    { weight: 4, arbitrary: fc.dictionary(anyKey, tie('any'), { maxKeys: 5 }) },
    { weight: 3, arbitrary: fc.array(tie('any'), { maxLength: 5 }) },
    { weight: 1, arbitrary: fc.sparseArray(tie('any'), { maxLength: 5 }) },
    { weight: 1, arbitrary: fc.array(fc.tuple(tie('any'), tie('any')), { maxLength: 3 }).map((entries) => new Map(entries)) },
    { weight: 1, arbitrary: fc.array(tie('any'), { maxLength: 3 }).map((items) => new Set(items)) },
    // The same object or Date met twice, and a cycle.
    { weight: 1, arbitrary: fc.oneof(tie('container'), validDate).map((shared) => ({ first: shared, again: [shared] })) },
    { weight: 1, arbitrary: fc.dictionary(plainKey, tie('any'), { maxKeys: 3 }).map((object) => Object.assign(object, { self: object })) },
  ),
}));

/** Anything: plain data most of the time, with values of every other kind mixed in. */
export const anyValue = any;
