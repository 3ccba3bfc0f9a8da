// A build-time replacement of the object-spread helper inside @trpc/server (11.x, its Babel
// `_objectSpread2`), applied by the production bundle (tsup.config.ts bundles @trpc/server for it).
//
// tRPC copies its option objects with that helper at every middleware hop (twice for the
// middleware's options, twice more for `next`'s) and again to wrap each answer. The helper defines
// one property at a time (`ownKeys` + `forEach` for spread arguments, `Object.defineProperties` of
// descriptor objects for literal ones): three quarters of a bare `callTRPCProcedure` with one
// middleware and input/output validation — 16 µs per call with it, 4 µs with native spread
// (measured 2026-12-05) — and 19 µs of self time per W6 create in the pinned
// profile, plus its garbage.
//
// Babel emits `{ ...a, ...b, k: v }` as `_objectSpread2(_objectSpread2(_objectSpread2({}, a), b), {}, { k: v })`:
// odd arguments are spread (own enumerable keys, symbols included, read with [[Get]], defined as
// data properties: what native spread does), even ones are object literals whose descriptors are
// copied — the same as spreading them when they hold no getter or setter. The replacement fills `e`
// in place with Object.assign, as Babel's fills it with defineProperty: assignment defines a new own
// data property just the same on a fresh plain object (a literal or another call's result, whose
// own properties are data properties), except for a source's own `__proto__` key, where assignment
// would call Object.prototype's setter: such a source is spread natively instead (`{ ...e, ...t }`,
// a new object, which is the same as long as every call passes a fresh object first and uses only
// the result). Native spread of a non-empty object followed by more properties takes V8's slow
// path on Node 20: ~0.9 µs a step against ~0.1 µs for Object.assign (measured 2026-12-05), and tRPC
// makes several such steps per call. (A read-only or accessor property added to Object.prototype
// under one of the keys tRPC copies would also tell the two apart; nothing here adds one.)
// Both conditions are checked on every @trpc/server file the build reads (`checkTrpcSource`): a
// version that breaks them fails the build instead of changing behaviour. test/object-spread-fix.test.ts
// compares the two helpers.
import { sourceFixPlugin } from '../source-fix-plugin';

/** @trpc/server's built files; the helper is defined in one of them and used in several. */
const TRPC_FILE = /[\\/]node_modules[\\/]@trpc[\\/]server[\\/]dist[\\/].*\.m?js$/;
/** A getter or setter in an object literal or class body: method syntax `get name(` / `set [key](`. */
const ACCESSOR = /(^|[{,])\s*(get|set)\s+[\w$[][^\n]*\(/m;
/** A call whose first argument is neither an object literal nor another call's (fresh) result. */
const SHARED_TARGET = /_objectSpread2\((?!\{|_objectSpread2\()/;

/** The helper as @trpc/server 11.25 ships it; anything else is a new version to review. */
export const ORIGINAL_HELPER = `function _objectSpread2(e) {
	for (var r = 1; r < arguments.length; r++) {
		var t = null != arguments[r] ? arguments[r] : {};
		r % 2 ? ownKeys(Object(t), !0).forEach(function(r) {
			_defineProperty(e, r, t[r]);
		}) : Object.getOwnPropertyDescriptors ? Object.defineProperties(e, Object.getOwnPropertyDescriptors(t)) : ownKeys(Object(t)).forEach(function(r) {
			Object.defineProperty(e, r, Object.getOwnPropertyDescriptor(t, r));
		});
	}
	return e;
}`;

export const FAST_HELPER = `function _objectSpread2(e) {
	for (var r = 1; r < arguments.length; r++) {
		var t = arguments[r];
		if (null != t) e = Object.hasOwn(t, "__proto__") ? { ...e, ...t } : Object.assign(e, t);
	}
	return e;
}
`;

/**
 * Throws unless the file keeps to what the fast helper relies on: no accessor syntax (a getter in a
 * literal), every call on a fresh first argument, and, where the helper is defined, Babel's helper
 * as this fix knows it. Returns the file with the fast helper in place of Babel's.
 */
export function checkTrpcSource(source: string, path: string): string {
  const text = source.replace(/\r\n/g, '\n');
  const review = (why: string) => new Error(`${path}: ${why}; review object-spread-fix.ts against this @trpc/server`);
  if (ACCESSOR.test(text)) throw review('a getter or setter in an object literal or class');
  const uses = text.replace('function _objectSpread2(e)', '');
  if (SHARED_TARGET.test(uses)) throw review('_objectSpread2 called on an object that is not fresh');
  if (!text.includes('function _objectSpread2(')) return text;
  if (text.split(ORIGINAL_HELPER).length !== 2) throw review('an _objectSpread2 other than Babel\'s as known');
  return text.replace(ORIGINAL_HELPER, FAST_HELPER);
}

export const objectSpreadFix = sourceFixPlugin('trpc-object-spread-fix', TRPC_FILE, checkTrpcSource);
