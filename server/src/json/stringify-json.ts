// JSON.stringify for response bodies (REST, legacy WebSocket frames): the same text, byte for
// byte, but much cheaper for bodies holding Dates (rows with `created_at`/`updated_at`). Native
// JSON.stringify converts each Date through Date.prototype.toJSON, a slow call per Date; the Dates
// are replaced by their ISO strings first (with-iso-dates.ts) and the copy is stringified natively.
// A body the replacement does not take (undefined, functions, toJSON methods, class instances,
// non-finite numbers, cycles…) is stringified as it is, with the same result or error as before.
import { NOT_PLAIN, withIsoDates } from './with-iso-dates';

export function stringifyJson(value: unknown): string {
  const withStrings = withIsoDates(value);
  return JSON.stringify(withStrings === NOT_PLAIN ? value : withStrings);
}
