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
import { NOT_PLAIN, withIsoDates } from '../json/with-iso-dates';

export type Serialized = ReturnType<typeof superjson.serialize>;

export function serializeSuperjson(value: unknown): Serialized {
  const datePaths: string[] = [];
  const json = withIsoDates(value, datePaths);
  if (json === NOT_PLAIN) return superjson.serialize(value);
  // `withIsoDates` returns JSON data here; its result is typed `unknown` only because it also says NOT_PLAIN.
  const plain = json as Serialized['json'];
  if (datePaths.length === 0) return { json: plain };
  // A Date at the root is annotated by its type alone, not by a path.
  if (typeof value === 'object' && typeof json === 'string') return { json: plain, meta: { values: ['Date'], v: 1 } };
  const values: Record<string, ['Date']> = {};
  for (const path of datePaths) values[path] = ['Date'];
  return { json: plain, meta: { values, v: 1 } };
}
