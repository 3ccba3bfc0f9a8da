// Integer inputs (ids, page numbers): a JSON number, or — because path segments and query strings
// are text — a string of decimal digits. Nothing else: `z.coerce.number()` would also take `true`,
// `[1]`, `"0x1"`, `" 1"` and `"1e3"`, so that `/authors/0x1` meant author 1. The typed client's
// input type stays `number`, and JSON Schema describes the number schema (zod documents a
// preprocessed value by the schema it is handed to).
import { z } from 'zod';

/** Up to 15 digits, so that Number() is exact; the number schema checks the range. */
const DIGITS = /^\d{1,15}$/;

const digitsToNumber = (value: unknown): unknown => (typeof value === 'string' && DIGITS.test(value) ? Number(value) : value);

/**
 * `schema` (a number schema, possibly with `.default()`: put defaults inside, zod's JSON Schema
 * drops a default put around the preprocessing) accepting its digits as well.
 */
export function decimalInteger<T extends z.ZodType<number, number | undefined>>(schema: T) {
  return z.preprocess<unknown, T, z.input<T>>(digitsToNumber, schema);
}

/** A positive integer id up to `max`. */
export const positiveId = (max: number) => decimalInteger(z.number().int().min(1).max(max));
