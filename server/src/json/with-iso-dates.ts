// Plain data with its Dates replaced by their ISO strings: the form in which both wire formats
// carry Dates (superjson's `json` part, and what JSON.stringify writes for a Date). Native
// JSON.stringify turns a Date into text through Date.prototype.toJSON, a slow call per Date: a
// hundred author rows take ~180 µs with their Dates and ~20 µs with the same rows holding strings.
// Replacing the Dates first (iso-date-string.ts) and then stringifying natively is 2–3 × faster.
//
// Only what can be handled exactly is accepted: plain objects and arrays (no holes, no extra
// properties), strings, booleans, null, finite numbers other than -0, and valid Dates, nested at
// most MAX_DEPTH deep (a cycle goes deeper: JSON.stringify refuses it); for superjson, each object
// met once (it marks shared references). Anything else gives NOT_PLAIN, and the caller uses the
// general serializer. The copy is made on write: objects and arrays holding no Date are reused as
// they are, not copied.
import { isoDateString } from './iso-date-string';

export const NOT_PLAIN: unique symbol = Symbol('not plain data');

type Container = Record<string, unknown> | unknown[];

/** Far deeper than any response; past it the value is a cycle or left to the general serializer. */
const MAX_DEPTH = 100;

/** Keys superjson refuses (prototype pollution); left to it so that it refuses them as before. */
const isRefusedKey = (key: string) => key === '__proto__' || key === 'constructor' || key === 'prototype';

/** A key V8 orders before all others in an object (an array index: 0 … 2³² − 2, canonical form). */
export function isArrayIndex(key: string): boolean {
  // Digits only (most keys fail at their first or second character), then the canonical range.
  if (key.length === 0) return false;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (!(code >= 48 && code <= 57)) return false;
  }
  const index = Number(key);
  return Number.isInteger(index) && index < 4_294_967_295 && String(index) === key;
}

/** A key in superjson's path notation, where `.` separates keys. */
const escapePathKey = (key: string) => (/[.\\]/.test(key) ? key.replace(/\\/g, '\\\\').replace(/\./g, '\\.') : key);

/**
 * `value` with every Date replaced by its ISO string (the value itself when it holds no Date), or
 * NOT_PLAIN. When `datePaths` is given, the path of each Date is appended to it in superjson's
 * notation (`0.createdAt`; `.` and `\` in keys escaped) and in the order superjson lists them
 * (see `Walk.container`); a Date at the root has the path ''.
 */
export function withIsoDates(value: unknown, datePaths?: string[]): unknown {
  return new Walk(datePaths, true).replace(value, undefined, 0);
}

/**
 * The Dates' paths that `withIsoDates(value, datePaths)` would record, in the same order, without
 * copying anything; NOT_PLAIN where it would give NOT_PLAIN. For a writer that turns the Dates into
 * ISO text itself (encode-json.ts).
 */
export function datePathsOf(value: unknown): string[] | typeof NOT_PLAIN {
  const datePaths: string[] = [];
  return new Walk(datePaths, false).replace(value, undefined, 0) === NOT_PLAIN ? NOT_PLAIN : datePaths;
}

/** What a Date becomes when the walk records paths without copying. */
const DATE_FOUND: unique symbol = Symbol('a Date');

/** `path` undefined is the root: its children's paths are their bare keys. */
const childPath = (path: string | undefined, key: string) => (path === undefined ? escapePathKey(key) : `${path}.${escapePathKey(key)}`);

class Walk {
  /** Objects met so far, when recording for superjson; JSON text does not mind shared references. */
  private readonly seen = new Set<object>();

  /** `copying`: Dates are replaced by their ISO text in copies; otherwise only their paths are recorded. */
  constructor(
    private readonly datePaths: string[] | undefined,
    private readonly copying: boolean,
  ) {}

  /** `path`: superjson's path of `value` when paths are recorded and `value` is an object. */
  replace(value: unknown, path: string | undefined, depth: number): unknown {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return value;
      case 'number':
        return Number.isFinite(value) && !Object.is(value, -0) ? value : NOT_PLAIN;
      case 'object':
        if (value === null) return value;
        break;
      default:
        return NOT_PLAIN;
    }
    if (depth > MAX_DEPTH) return NOT_PLAIN;
    if (this.datePaths) {
      const seenBefore = this.seen.size;
      if (this.seen.add(value).size === seenBefore) return NOT_PLAIN;
    }
    if (Array.isArray(value)) return this.container(value, path, depth, true);
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype === Object.prototype || prototype === null) return this.container(value as Record<string, unknown>, path, depth, false);
    if (prototype === Date.prototype) return this.date(value as Date, path);
    return NOT_PLAIN;
  }

  private date(date: Date, path: string | undefined): unknown {
    if (Number.isNaN(date.getTime())) return NOT_PLAIN;
    this.datePaths?.push(path ?? '');
    return this.copying ? isoDateString(date) : DATE_FOUND;
  }

  /**
   * superjson builds the annotations of each object or array as an object keyed by the relative
   * paths of its Dates, in key order, and the parent takes them over in that object's own order,
   * where V8 puts array-index keys first. So the Dates directly under an index key (array items,
   * `{"1": date}`) are listed before the others of the same container, which keep their order.
   */
  private container(source: Container, path: string | undefined, depth: number, isArray: boolean): unknown {
    const keys = Object.keys(source);
    if (isArray && keys.length !== (source as unknown[]).length) return NOT_PLAIN;
    const paths = this.datePaths;
    const firstPath = paths?.length ?? 0;
    let indexedDates = 0;
    let copy: Container | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (isRefusedKey(key)) return NOT_PLAIN;
      const child = (source as Record<string, unknown>)[key];
      const replaced = this.replace(child, paths && typeof child === 'object' && child !== null ? childPath(path, key) : undefined, depth + 1);
      if (replaced === NOT_PLAIN) return NOT_PLAIN;
      if (replaced !== child) {
        if (this.copying) copy ??= isArray ? (source as unknown[]).slice(0, i) : copyOfKeys(source as Record<string, unknown>, keys, i);
        // Only a Date is replaced by something other than an object (its ISO string, or DATE_FOUND).
        if (paths && typeof replaced !== 'object' && (isArray || isArrayIndex(key))) {
          const at = firstPath + indexedDates++;
          if (at < paths.length - 1) paths.splice(at, 0, paths.pop()!);
        }
      }
      if (copy !== undefined) (copy as Record<string, unknown>)[key] = replaced;
    }
    return copy ?? source;
  }
}

function copyOfKeys(source: Record<string, unknown>, keys: string[], count: number): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) copy[keys[i]!] = source[keys[i]!];
  return copy;
}
