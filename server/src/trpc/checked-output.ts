// Output validation without the copy, for answers already in their schema's shape.
//
// tRPC validates every answer with the procedure's output schema, and zod builds a new object for
// each object it checks: for a 100-row author list, ~21 KB of short-lived objects per call, the
// largest single allocation of the hot read (and so a large share of its young-generation
// collections). For a schema made only of plain objects (no unknown keys allowed through, no
// checks), arrays (no length checks), strings, booleans, finite numbers or safe integers and valid
// Dates, zod's output for a value whose objects have exactly the schema's keys, in the schema's
// order, with valid values, is a copy equal to that value, Dates included (zod passes them through).
// Such a value is checked in place and passed on as it is; anything else — an extra or missing key,
// another key order, an invalid value, a schema this does not know — goes to zod's own parse, so
// stripping and errors are zod's. Hand-written because it is small and on every answer of the API's
// hot procedures; test/checked-output.test.ts holds it to zod on random values.
import type { z } from 'zod';

type Check = (value: unknown) => boolean;

/** What this reads of a zod v4 definition. */
interface Definition {
  type: string;
  coerce?: boolean;
  format?: string;
  checks?: { _zod: { def: { check?: string; format?: string } } }[];
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
}

const isString: Check = (value) => typeof value === 'string';
const isBoolean: Check = (value) => typeof value === 'boolean';
const isFiniteNumber: Check = (value) => typeof value === 'number' && Number.isFinite(value);
const isSafeInteger: Check = (value) => Number.isSafeInteger(value);
const isValidDate: Check = (value) => value instanceof Date && !Number.isNaN(value.getTime());
const isSafeIntegerCheck = (check: NonNullable<Definition['checks']>[number]) =>
  check._zod.def.check === 'number_format' && check._zod.def.format === 'safeint';

/** A check equivalent to "zod's parse succeeds and returns an equal value", or undefined where none is known. */
function checkOf(schema: z.ZodType): Check | undefined {
  const def = schema._zod.def as Definition;
  const checks = def.checks ?? [];
  if (def.coerce) return undefined;
  switch (def.type) {
    case 'string':
      return checks.length === 0 ? isString : undefined;
    case 'boolean':
      return checks.length === 0 ? isBoolean : undefined;
    case 'date':
      return checks.length === 0 ? isValidDate : undefined;
    case 'number':
      if (!checks.every(isSafeIntegerCheck) || (def.format !== undefined && def.format !== 'safeint')) return undefined;
      return checks.length > 0 || def.format ? isSafeInteger : isFiniteNumber;
    case 'array':
      return checks.length === 0 && def.element ? arrayCheck(def.element) : undefined;
    case 'object':
      return checks.length === 0 && !def.catchall && def.shape ? objectCheck(def.shape) : undefined;
    default:
      return undefined;
  }
}

function arrayCheck(elementSchema: z.ZodType): Check | undefined {
  const element = checkOf(elementSchema);
  if (!element) return undefined;
  return (value) => {
    if (!Array.isArray(value) || Object.getPrototypeOf(value) !== Array.prototype) return false;
    for (let i = 0; i < value.length; i++) if (!element(value[i])) return false;
    return true;
  };
}

function objectCheck(shape: Record<string, z.ZodType>): Check | undefined {
  const keys = Object.keys(shape);
  const fields = keys.map((key) => checkOf(shape[key]!));
  if (!fields.every((field) => field !== undefined)) return undefined;
  const checks = fields as Check[];
  return (value) => {
    if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
    const object = value as Record<string, unknown>;
    // The schema's keys, in its order (zod's output order), and no other; an inherited enumerable
    // key (a polluted Object.prototype) fails here too, which only costs the copy. `object[key]`
    // inside for-in is V8's fast path (a field read by the enumeration's own index).
    let i = 0;
    for (const key in object) {
      if (key !== keys[i] || !checks[i]!(object[key])) return false;
      i++;
    }
    return i === keys.length;
  };
}

/**
 * `schema` for `.output()`: a clone whose `parse` (what tRPC calls) passes a value that already has
 * the schema's shape through unchanged, and calls zod for anything else. The schema itself where
 * no such check is known; either way the documents describe the same schema.
 */
export function checkedOutput<S extends z.ZodType>(schema: S): S {
  const check = checkOf(schema);
  if (!check) return schema;
  const checked = schema.clone() as S;
  const parse = checked.parse.bind(checked);
  // A value that passes the check is what zod's parse would return a copy of: its output type.
  checked.parse = (value, params) => (check(value) ? (value as z.output<S>) : parse(value, params));
  return checked;
}
