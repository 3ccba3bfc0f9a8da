// JSON.stringify for answers (REST bodies, legacy WebSocket frames, tRPC answers), written straight
// to UTF-8 bytes: the same bytes as `Buffer.from(JSON.stringify(value))`, for much less CPU and
// garbage on the bodies this server sends most (a hundred author rows, each with two Dates).
//
// Native JSON.stringify converts every Date through Date.prototype.toJSON (a slow call each), and
// any string-building writer leaves hundreds of short strings for the collector and a rope that
// must be flattened and encoded again before the socket write. This one writes ASCII strings a byte
// per character, Dates as ISO digits (iso-date-string.ts) and small integers digit by digit; a
// string holding a character JSON escapes, or any non-ASCII one, goes through JSON.stringify's
// quoting and Buffer#write, so escapes and surrogates are the builtin's own. Bodies are written
// into a shared slab and handed out as views of it, as Node's own Buffer pool does for small
// buffers: no copy, and one allocation per slab rather than per body (a slab lives as long as any
// body cut from it).
//
// What the pass does not take exactly (class instances, toJSON methods, functions, symbols,
// bigints, nesting past MAX_DEPTH — a cycle) sends the whole body to JSON.stringify, with its
// result or error. One kind of class instance is taken: a value that writes its own JSON
// (`WritesJson`), which must give JSON.stringify the same through its toJSON. Hand-written because
// it is small and on every answer (test/encode-json.test.ts compares it with JSON.stringify).
import { ISO_DATE_LENGTH, writeIsoDate } from './iso-date-string';

/** Far deeper than any response; past it the value is a cycle or left to the general path. */
const MAX_DEPTH = 100;
/** Bodies are cut from slabs of this size; a larger body gets a slab of its own, grown by doubling. */
const SLAB_BYTES = 512 * 1024;

/** Thrown (and caught below) where the one pass meets a value it leaves to the general path. */
const GENERAL: unique symbol = Symbol('general path');
const DATE_TO_JSON = Date.prototype.toJSON;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ZERO = 0x30;

/** The writer a `WritesJson` value writes itself with. */
export interface JsonWriter {
  /** A JSON string: `text` quoted and escaped. */
  string(text: string): void;
  /** JSON text made only of ASCII characters, as it stands (punctuation, literals, numbers). */
  ascii(text: string): void;
}

export const WRITE_JSON: unique symbol = Symbol('write JSON');

/**
 * A value that writes its JSON itself, where building the value JSON.stringify would take costs
 * more than writing its text; `toJSON` gives that value, for JSON.stringify and the general path.
 */
export interface WritesJson {
  [WRITE_JSON](writer: JsonWriter): void;
  toJSON(): unknown;
}

let out = Buffer.allocUnsafeSlow(SLAB_BYTES);
/** Where the body being written starts in `out`, and where its next byte goes. */
let bodyStart = 0;
let at = 0;
/** A getter reached from inside a pass may encode too: that inner call takes the general path. */
let busy = false;
/**
 * The time of the last Date this body holds as ISO digits, and where they start (from bodyStart).
 * A Date equal to it copies those 24 bytes instead of computing them again: an author never renamed
 * has updated_at = created_at, and rows written by one statement share their timestamps. A 100-row
 * frame took 29–32 → 26–28 µs with updated_at = created_at, 24–27 µs with every Date equal
 * (bundled, min of 25, 2026-12-05).
 */
let lastTime = Number.NaN;
let lastDigits = 0;

/** The UTF-8 bytes of `JSON.stringify(value)`; undefined where that is undefined. Throws what it throws. */
export function encodeJson(value: unknown): Buffer | undefined {
  if (!busy && !objectPrototypeEnumerates()) {
    busy = true;
    at = bodyStart;
    lastTime = Number.NaN;
    try {
      if (write(value, 0)) return cutBody();
      return undefined;
    } catch (error) {
      if (error !== GENERAL) throw error;
    } finally {
      busy = false;
    }
  }
  const text = JSON.stringify(value) as string | undefined;
  return text === undefined ? undefined : Buffer.from(text);
}

/** True when for-in over a plain object would visit inherited keys too (a polluted Object.prototype). */
function objectPrototypeEnumerates(): boolean {
  for (const _ in EMPTY) return true;
  return false;
}
const EMPTY = {};

/** The body just written, as a view of the slab; the next one starts after it (8-byte aligned). */
function cutBody(): Buffer {
  const body = Buffer.from(out.buffer, out.byteOffset + bodyStart, at - bodyStart);
  bodyStart = Math.min((at + 7) & ~7, out.length);
  return body;
}

/** Room for `bytes` more: past the slab's end, the body so far moves to the start of a new slab. */
function reserve(bytes: number): void {
  if (at + bytes <= out.length) return;
  const written = at - bodyStart;
  let size = SLAB_BYTES;
  while (size < written + bytes) size *= 2;
  const slab = Buffer.allocUnsafeSlow(size);
  out.copy(slab, 0, bodyStart, at);
  out = slab;
  bodyStart = 0;
  at = written;
}

/** Writes `value`; false (nothing written) where JSON.stringify leaves a property out (undefined). */
function write(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
      writeString(value);
      return true;
    case 'number':
      writeNumber(value);
      return true;
    case 'boolean':
      writeAscii(value ? 'true' : 'false');
      return true;
    case 'undefined':
      return false;
    case 'object':
      if (value === null) {
        writeAscii('null');
        return true;
      }
      break;
    default:
      throw GENERAL;
  }
  if (depth > MAX_DEPTH) throw GENERAL;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Array.prototype && !('toJSON' in value)) writeArray(value as unknown[], depth);
  else if ((prototype === Object.prototype || prototype === null) && !('toJSON' in value)) writeObject(value as Record<string, unknown>, depth);
  else if (prototype === Date.prototype && !Object.hasOwn(value, 'toJSON') && Date.prototype.toJSON === DATE_TO_JSON) writeDate(value as Date);
  else if (WRITE_JSON in value) (value as WritesJson)[WRITE_JSON](writer);
  else throw GENERAL;
  return true;
}

function writeArray(array: unknown[], depth: number): void {
  reserve(1);
  out[at++] = 0x5b;
  for (let i = 0; i < array.length; i++) {
    if (i > 0) {
      reserve(1);
      out[at++] = 0x2c;
    }
    if (!write(array[i], depth + 1)) writeAscii('null');
  }
  reserve(1);
  out[at++] = 0x5d;
}

// Keys by for-in rather than Object.keys: V8 walks the object's cached key list in place, where
// Object.keys copies it into a new array per object (a tenth of the bytes a 100-row answer allocated).
// For an object whose prototype is Object.prototype or null, for-in visits what Object.keys lists,
// in the same order, unless Object.prototype has gained an enumerable property: encodeJson checks
// that once per body and leaves such a process to JSON.stringify.
function writeObject(object: Record<string, unknown>, depth: number): void {
  reserve(1);
  out[at++] = 0x7b;
  let first = true;
  for (const key in object) {
    // As an offset into the body: writing the value may move the body to a new slab.
    const keyOffset = at - bodyStart;
    if (!first) {
      reserve(1);
      out[at++] = 0x2c;
    }
    writeString(key);
    reserve(1);
    out[at++] = 0x3a;
    // A property JSON.stringify leaves out takes its key (and comma) back with it.
    if (write(object[key], depth + 1)) first = false;
    else at = bodyStart + keyOffset;
  }
  reserve(1);
  out[at++] = 0x7d;
}

function writeDate(date: Date): void {
  const time = date.getTime();
  if (Number.isNaN(time)) return writeAscii('null');
  reserve(ISO_DATE_LENGTH + 2);
  const digits = at + 1;
  if (time === lastTime) {
    // Offsets from bodyStart stay valid when reserve() moves the body to a new slab.
    const from = bodyStart + lastDigits;
    out.copyWithin(digits, from, from + ISO_DATE_LENGTH);
  } else {
    // Outside 1970–9999 the builtin's text is longer than the room reserved: written whole, quotes included.
    if (!writeIsoDate(out, digits, time)) return writeAscii(`"${date.toISOString()}"`);
    lastTime = time;
    lastDigits = digits - bodyStart;
  }
  out[at] = QUOTE;
  out[at + ISO_DATE_LENGTH + 1] = QUOTE;
  at += ISO_DATE_LENGTH + 2;
}

/** A quoted string: ASCII without escapes byte by byte, anything else through JSON.stringify's quoting. */
function writeString(text: string): void {
  const length = text.length;
  reserve(length + 2);
  const quoteAt = at;
  out[at++] = QUOTE;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code >= 0x80 || code === QUOTE || code === BACKSLASH) {
      at = quoteAt;
      const quoted = JSON.stringify(text);
      // Each UTF-16 unit takes at most 3 UTF-8 bytes, and an escape (`\u001f`) at most 6 characters.
      reserve(quoted.length * 3);
      at += out.write(quoted, at, 'utf8');
      return;
    }
    out[at++] = code;
  }
  out[at++] = QUOTE;
}

function writeNumber(value: number): void {
  // Small non-negative integers (ids, counts, pages) digit by digit; everything else as JS writes it.
  if (Number.isInteger(value) && value >= 0 && value < 1e9) {
    reserve(9);
    if (value < 10) {
      out[at++] = ZERO + value;
      return;
    }
    let digits = 1;
    for (let rest = value; rest >= 10; rest = (rest / 10) | 0) digits++;
    let rest = value;
    for (let i = at + digits - 1; i >= at; i--) {
      out[i] = ZERO + (rest % 10);
      rest = (rest / 10) | 0;
    }
    at += digits;
    return;
  }
  writeAscii(Number.isFinite(value) ? String(value) : 'null');
}

/** Text known to be ASCII without escapes (literals, number and ISO text). */
function writeAscii(text: string): void {
  reserve(text.length);
  for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
}

const writer: JsonWriter = { string: writeString, ascii: writeAscii };
