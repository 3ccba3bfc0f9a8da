// Decoding superjson input, with one refusal of our own. superjson resolves each path of
// `meta.referentialEqualities` from the root, and every step into a Set or Map scans it from its
// first element (`getNthKey`): shared references into one large Set cost references × Set size —
// about 0.4 s for 10,000 of each, minutes for a 1 MiB request. No input of this API needs both, and
// the typed client sends references only for values that share objects, so a payload with
// references AND Set/Map annotations is refused (BAD_REQUEST) before superjson reads it. Everything
// else superjson does while decoding is linear in the payload — but for big integers: `BigInt` reads
// decimal text in more than linear time (0.12–0.36 s of CPU for a 1 MiB digit string), so a payload that
// annotates a bigint may not carry a decimal string longer than MAX_BIGINT_DIGITS (no input of this
// API takes a bigint at all; the bound only keeps the decoding cheap). The size of what comes out is
// held to MAX_INPUT_NODES by the call middleware (middleware/input-budget.ts).
import { TRPCError } from '@trpc/server';
import superjson, { type SuperJSONResult } from 'superjson';

export const REFERENCES_INTO_COLLECTIONS_MESSAGE = 'Shared references into Sets or Maps are not accepted';
export const NOT_SUPERJSON_MESSAGE = 'Input must be superjson: an object with `json` (and `meta`)';
export const MAX_BIGINT_DIGITS = 1000;
export const BIGINT_TOO_LONG_MESSAGE = `Big integers may have at most ${MAX_BIGINT_DIGITS} digits`;
export const INVALID_SUPERJSON_MESSAGE = 'Input is not valid superjson: its `meta` does not fit its `json`';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** Whether parsed JSON (a tree, no cycles) holds a string `found` accepts: annotation names, long numbers. */
function holdsString(tree: unknown, found: (text: string) => boolean): boolean {
  const pending: unknown[] = [tree];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node === 'string' && found(node)) return true;
    if (isObject(node)) for (const child of Object.values(node)) pending.push(child);
  }
  return false;
}

const isCollection = (name: string) => name === 'set' || name === 'map';
const isBigint = (name: string) => name === 'bigint';
/**
 * Decimal text `BigInt` would read as more than MAX_BIGINT_DIGITS digits (the length test first: it
 * is cheap). Counted, not `\d{1001,}`: a regular expression with that quantifier takes 0.1 s to compile.
 */
function isLongDecimal(text: string): boolean {
  if (text.length <= MAX_BIGINT_DIGITS || !/^\s*[+-]?\d+\s*$/.test(text)) return false;
  const number = text.trim();
  return number.length - (/^[+-]/.test(number) ? 1 : 0) > MAX_BIGINT_DIGITS;
}

/** No payload is no input; a payload that is not an object is not superjson. */
export function deserializeInput(payload: unknown): unknown {
  if (payload === undefined) return undefined;
  if (!isObject(payload)) throw new TRPCError({ code: 'BAD_REQUEST', message: NOT_SUPERJSON_MESSAGE });
  const { meta } = payload;
  if (isObject(meta) && meta.referentialEqualities !== undefined && holdsString(meta.values, isCollection)) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: REFERENCES_INTO_COLLECTIONS_MESSAGE });
  }
  if (isObject(meta) && holdsString(meta.values, isBigint) && holdsString(payload.json, isLongDecimal)) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: BIGINT_TOO_LONG_MESSAGE });
  }
  try {
    // Any object will do: superjson reads its `json` and `meta`, and throws on what it cannot decode.
    return superjson.deserialize(payload as unknown as SuperJSONResult);
  } catch (cause) {
    // Annotations it cannot follow (a string where a tree belongs recurses until the stack runs out):
    // the client's mistake, worded by us, not superjson's internals ("Maximum call stack size exceeded").
    throw new TRPCError({ code: 'BAD_REQUEST', message: INVALID_SUPERJSON_MESSAGE, cause });
  }
}
