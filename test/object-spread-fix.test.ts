// The production bundle's object-spread helper for @trpc/server (server/src/trpc/object-spread-fix.ts)
// against Babel's, on arguments of the shapes Babel emits; and the build's checks on the installed
// @trpc/server, which the fix's equivalence relies on.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTrpcSource, FAST_HELPER, ORIGINAL_HELPER } from '../server/src/trpc/object-spread-fix';

type Spread = (target: object, ...sources: unknown[]) => object;

/** Babel's helper needs its own helpers beside it, as they sit in tRPC's chunk. */
const BABEL_SUPPORT = `
function ownKeys(e, r) { var t = Object.keys(e); if (Object.getOwnPropertySymbols) { var o = Object.getOwnPropertySymbols(e); r && (o = o.filter(function(r) { return Object.getOwnPropertyDescriptor(e, r).enumerable; })), t.push.apply(t, o); } return t; }
function _toPrimitive(t, r) { if ("object" != typeof t || !t) return t; var e = t[Symbol.toPrimitive]; if (void 0 !== e) { var i = e.call(t, r || "default"); if ("object" != typeof i) return i; throw new TypeError("@@toPrimitive must return a primitive value."); } return ("string" === r ? String : Number)(t); }
function _toPropertyKey(t) { var i = _toPrimitive(t, "string"); return "symbol" == typeof i ? i : i + ""; }
function _defineProperty(e, r, t) { return (r = _toPropertyKey(r)) in e ? Object.defineProperty(e, r, { value: t, enumerable: !0, configurable: !0, writable: !0 }) : e[r] = t, e; }
`;
const load = (helper: string) => new Function(`${BABEL_SUPPORT}${helper}\nreturn _objectSpread2;`)() as Spread;
const babel = load(ORIGINAL_HELPER);
const fast = load(FAST_HELPER);

/** Everything observable about an object's own properties, in order, and its prototype. */
function describeObject(value: object) {
  return {
    prototype: Object.getPrototypeOf(value),
    properties: Reflect.ownKeys(value).map((key) => [key, Object.getOwnPropertyDescriptor(value, key)]),
  };
}

const symbol = Symbol('s');
const hidden = Symbol('hidden');
const source = () => {
  const value: Record<string | symbol, unknown> = { b: 1, a: { nested: true }, 2: 'two', 1: 'one', [symbol]: 'sym' };
  Object.defineProperty(value, 'computed', { get: () => 'read once', enumerable: true });
  Object.defineProperty(value, 'skipped', { value: 'not enumerable', enumerable: false });
  Object.defineProperty(value, hidden, { value: 'not enumerable', enumerable: false });
  Object.defineProperty(value, '__proto__', { value: 'own', enumerable: true, writable: true, configurable: true });
  return value;
};

describe('object-spread fix for @trpc/server', () => {
  it('gives the same object as Babel\'s helper for every argument shape Babel emits', () => {
    const next = () => undefined;
    const cases: (() => unknown[])[] = [
      () => [{}, source()],
      () => [{}, source(), {}, { meta: 1, a: 'literal wins', next }],
      () => [babel({}, { x: 1, b: 0 }), source()],
      () => [{}, null, {}, { only: 'literal' }],
      () => [{}, undefined],
      () => [{}, false, {}, { type: 'data' }],
      () => [{}, 'ab'],
      () => [{}, [10, 20]],
      () => [{}, { ctx: { user: 1 } }, { ctx: { user: 2 } }],
      () => [{}, { a: 1 }, {}, { ['__proto__']: 'computed own key' }],
    ];
    for (const make of cases) {
      expect(describeObject(fast(...(make() as [object, ...unknown[]])))).toEqual(describeObject(babel(...(make() as [object, ...unknown[]]))));
    }
  });

  it('gives the same object as Babel\'s helper on random sources, `__proto__` and Object.prototype keys included', () => {
    const key = fc.constantFrom('a', 'b', 'ctx', 'next', '0', '7', '__proto__', 'constructor', 'toString', 'hasOwnProperty');
    const record = fc.dictionary(key, fc.oneof(fc.integer(), fc.string(), fc.constant(undefined)), { maxKeys: 6 });
    // Literal arguments are built as object literals are (own data properties, `__proto__` only as a computed key).
    const literal = record.map((entries) => Object.fromEntries(Object.entries(entries)));
    const source = fc.oneof(
      record.map((entries) => JSON.parse(JSON.stringify(entries)) as unknown),
      fc.constantFrom(null, undefined, false, 'ab', [1, 2]),
    );
    // Babel puts every spread or literal at an odd position, padding with `{}` between them.
    const call = fc.array(fc.oneof(source, literal), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(call, (steps) => {
        const args = (): unknown[] => steps.flatMap((argument, i) => (i === 0 ? [argument] : [{}, argument]));
        expect(describeObject(fast({}, ...args()))).toEqual(describeObject(babel({}, ...args())));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads each spread value once, through its getter, as Babel\'s does', () => {
    for (const spread of [babel, fast]) {
      let reads = 0;
      const counted = Object.defineProperty({}, 'value', { get: () => ++reads, enumerable: true });
      expect(spread({}, counted)).toEqual({ value: 1 });
      expect(reads).toBe(1);
    }
  });

  it('accepts the installed @trpc/server and replaces its helper, and refuses what it would not be equivalent for', () => {
    const dist = fileURLToPath(new URL('../node_modules/@trpc/server/dist', import.meta.url));
    const files = (readdirSync(dist, { recursive: true }) as string[]).filter((file) => /\.m?js$/.test(file));
    const fixed = files.filter((file) => checkTrpcSource(readFileSync(join(dist, file), 'utf8'), file).includes('Object.assign(e, t)'));
    expect(fixed.length).toBe(1);
    const chunk = readFileSync(join(dist, fixed[0]!), 'utf8');
    expect(() => checkTrpcSource(chunk.replace('var t = null != arguments[r]', 'var t = arguments[r]'), 'x.mjs')).toThrow(/review/);
    expect(() => checkTrpcSource('const o = _objectSpread2(shared, a);', 'x.mjs')).toThrow(/not fresh/);
    expect(() => checkTrpcSource('const o = _objectSpread2({}, a, {}, {\n\tget name() { return 1; }\n});', 'x.mjs')).toThrow(/getter/);
    expect(checkTrpcSource('const o = _objectSpread2(_objectSpread2({}, a), {}, { b });', 'x.mjs')).toContain('_objectSpread2(');
  });
});
