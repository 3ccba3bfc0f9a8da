// `superjson.serialize`, without its general walk for the common case. superjson visits every
// value through a chain of type checks, registry look-ups and path arrays; for a page of author rows
// that walk was a third of the project's busy time on tRPC-HTTP reads. Plain data whose only
// special values are Dates needs none of it: its `json` part is the data with Dates as ISO strings,
// and `meta.values` marks each Date's path. The result equals what superjson builds (hence the same
// JSON text, and the same value after deserialize); any other value (undefined, NaN, -0,
// ±Infinity, bigint, Map, Set, RegExp, Error, class instances, invalid Dates, shared references)
// goes to superjson itself. This holds for superjson's default instance as this project uses it:
// no registered classes, symbols or custom transformers (those could claim a plain object, a
// string or a Date).
//
// The `json` part shares the Date-free parts of the value instead of copying them: tRPC
// stringifies it right away, and nothing writes to it.
import superjson from 'superjson';
import { WRITE_JSON, type JsonWriter, type WritesJson } from '../json/encode-json';
import { datePathsOf, isArrayIndex, NOT_PLAIN, withIsoDates } from '../json/with-iso-dates';

export type Serialized = ReturnType<typeof superjson.serialize>;

export function serializeSuperjson(value: unknown): Serialized {
  const datePaths: string[] = [];
  const json = withIsoDates(value, datePaths);
  if (json === NOT_PLAIN) return superjson.serialize(value);
  // `withIsoDates` returns JSON data here; its result is typed `unknown` only because it also says NOT_PLAIN.
  return annotated(json as Serialized['json'], value, datePaths);
}

/**
 * What `serializeSuperjson(value)` gives, except that the `json` part is `value` itself, Dates
 * included, not a copy with ISO strings: for writers that write a Date as its ISO string
 * (json/encode-json.ts), which then write the same bytes without the copy. Undefined where the
 * fast path does not apply (the caller serializes as usual). Never hand it to anything else.
 */
export function superjsonKeepingDates(value: unknown): Serialized | undefined {
  const datePaths = datePathsOf(value);
  if (datePaths === NOT_PLAIN) return undefined;
  const json = value as Serialized['json'];
  // superjson's `values` is an object, whose keys V8 orders array indices first: only paths with
  // none of those are written in the order they were found.
  if (datePaths.length < 2 || datePaths.some(isArrayIndex)) return annotated(json, value, datePaths);
  // Typed as superjson's annotations: they are what its toJSON gives.
  const values = new DatePaths(datePaths) as unknown as Record<string, ['Date']>;
  return { json, meta: { values, v: 1 } };
}

/**
 * superjson's `meta.values` for Dates at `paths`, `{"<path>":["Date"],…}`, written straight by the
 * byte writer: building the object costs more than the rest of a 100-row answer (each of its 200
 * keys a dictionary insertion, then enumerated again to write it).
 */
class DatePaths implements WritesJson {
  constructor(private readonly paths: string[]) {}

  [WRITE_JSON](writer: JsonWriter): void {
    writer.ascii('{');
    for (let i = 0; i < this.paths.length; i++) {
      if (i > 0) writer.ascii(',');
      writer.string(this.paths[i]!);
      writer.ascii(':["Date"]');
    }
    writer.ascii('}');
  }

  toJSON(): Record<string, ['Date']> {
    return dateValues(this.paths);
  }
}

function annotated(json: Serialized['json'], value: unknown, datePaths: string[]): Serialized {
  if (datePaths.length === 0) return { json };
  // A Date at the root is annotated by its type alone, not by a path.
  if (datePaths.length === 1 && datePaths[0] === '' && value instanceof Date) return { json, meta: { values: ['Date'], v: 1 } };
  return { json, meta: { values: dateValues(datePaths), v: 1 } };
}

/** superjson's `meta.values` for Dates at `paths`. */
function dateValues(paths: readonly string[]): Record<string, ['Date']> {
  const values: Record<string, ['Date']> = {};
  for (const path of paths) values[path] = DATE_ANNOTATION;
  return values;
}

/** One shared annotation: the result is only ever stringified, never written to. */
const DATE_ANNOTATION: ['Date'] = ['Date'];
