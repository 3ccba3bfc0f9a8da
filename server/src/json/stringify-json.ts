// JSON.stringify for response bodies (REST, legacy WebSocket frames): the same text, byte for
// byte, but much cheaper for bodies holding Dates (rows with `created_at`/`updated_at`). Native
// JSON.stringify converts each Date through Date.prototype.toJSON, a slow call per Date.
//
// Plain data (the answers of every procedure) is written in one pass: each Date by the ISO
// formatter (iso-date-string.ts), each key quoted once and remembered, each string quoted
// natively only when it holds a character JSON escapes. No copy of the rows is made (replacing the
// Dates by strings in a copy and stringifying that natively cost ~20 % more per 100 rows). What
// the pass does not take exactly (class instances, toJSON methods, functions, symbols, bigints,
// nesting past MAX_DEPTH — a cycle) sends the whole body to JSON.stringify, with its result or
// error. Hand-written because it is small and on every REST and legacy answer
// (test/stringify-json.test.ts compares it with JSON.stringify).
import { isoDateString } from './iso-date-string';

/** Far deeper than any response; past it the value is a cycle or left to the general path. */
const MAX_DEPTH = 100;

/** Thrown (and caught below) where the one pass meets a value it leaves to the general path. */
const GENERAL: unique symbol = Symbol('general path');

export function stringifyJson(value: unknown): string {
  try {
    const text = write(value, 0);
    // Only undefined (and so nothing) at the root: JSON.stringify returns undefined there.
    if (text !== undefined) return text;
  } catch (error) {
    if (error !== GENERAL) throw error;
  }
  return JSON.stringify(value);
}

/** The JSON text of `value`, or undefined where JSON.stringify leaves a property out (undefined). */
function write(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return undefined;
    case 'object':
      if (value === null) return 'null';
      break;
    default:
      throw GENERAL;
  }
  if (depth > MAX_DEPTH) throw GENERAL;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Array.prototype && !('toJSON' in value)) return writeArray(value as unknown[], depth);
  if ((prototype === Object.prototype || prototype === null) && !('toJSON' in value)) return writeObject(value as Record<string, unknown>, depth);
  if (prototype === Date.prototype && !Object.hasOwn(value, 'toJSON') && Date.prototype.toJSON === DATE_TO_JSON) {
    const date = value as Date;
    return Number.isNaN(date.getTime()) ? 'null' : `"${isoDateString(date)}"`;
  }
  throw GENERAL;
}

const DATE_TO_JSON = Date.prototype.toJSON;

/** A character JSON escapes: controls, `"`, `\\`, and surrogates (lone ones are escaped). */
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** Keys recur in every row: each is quoted once (up to a bound, as keys may come from data). */
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 1_000;

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = `${quote(key)}:`;
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(key, quoted);
  }
  return quoted;
}

function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

function writeArray(array: unknown[], depth: number): string {
  let text = '[';
  for (let i = 0; i < array.length; i++) {
    if (i > 0) text += ',';
    text += write(array[i], depth + 1) ?? 'null';
  }
  return `${text}]`;
}

function writeObject(object: Record<string, unknown>, depth: number): string {
  let text = '{';
  const keys = Object.keys(object);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = write(object[key], depth + 1);
    if (item === undefined) continue;
    if (text.length > 1) text += ',';
    text += quotedKey(key) + item;
  }
  return `${text}}`;
}
