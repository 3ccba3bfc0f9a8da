// Makes a copy of request data safe to store in the audit log: values under secret-looking keys
// (password, token, authorization, client_secret, api keys, cookies…) become "[REDACTED]" at any
// depth, and everything becomes plain JSON PostgreSQL accepts (no bigint, no NUL characters, no lone
// surrogates).
//
// The copy is bounded, whatever the input: it stops at a size budget (about `maxBytes` of JSON) and
// at MAX_DEPTH, and puts "[TRUNCATED]" where it stopped. Every value met costs budget, so the work
// is linear in the budget even for input that is a DAG of shared references or a cycle: a shared
// value is copied each time it is met, until the budget runs out. The size it reports weighs the
// row in the audit queue (observability/audit-queue.ts).
import { storableText } from '../db/storable-text';

export const REDACTED = '[REDACTED]';
/** Stored in place of what lies beyond the size budget or MAX_DEPTH (never the value itself). */
export const TRUNCATED = '[TRUNCATED]';
const MAX_DEPTH = 32;
/** Enough for any input this API takes; a larger one is evidence enough in its first 16 KiB. */
export const MAX_REDACTED_BYTES = 16 * 1024;
/** What a number, boolean or null, or a container's brackets, are taken to cost. */
const SCALAR_BYTES = 8;

const SECRET_KEY =
  /^(pass|pwd)$|pass(word|wd|phrase)|secret|token|authorization|api[-_]?key|cookie|credential|private[-_]?key/i;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface RedactedData {
  data: JsonValue;
  /** About the size of `data` as JSON. */
  bytes: number;
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function redactSecrets(value: unknown, maxBytes = MAX_REDACTED_BYTES): RedactedData {
  let remaining = maxBytes;
  const spend = (bytes: number) => {
    remaining -= bytes;
  };

  const text = (value: string): string => {
    const kept = value.length <= remaining ? value : `${value.slice(0, Math.max(remaining, 0))}${TRUNCATED}`;
    spend(kept.length + 2);
    return storableText(kept);
  };

  const copy = (value: unknown, depth: number): JsonValue => {
    if (typeof value === 'string') return text(value);
    spend(SCALAR_BYTES);
    if (value === null || value === undefined) return null;
    switch (typeof value) {
      case 'number':
        return Number.isFinite(value) ? value : String(value);
      case 'boolean':
        return value;
      case 'bigint':
        return text(value.toString());
      case 'object':
        break;
      default:
        return text(String(value));
    }
    if (depth >= MAX_DEPTH) return TRUNCATED;
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    if (Array.isArray(value) || value instanceof Set) {
      const items: JsonValue[] = [];
      for (const item of value instanceof Set ? value : (value as unknown[])) {
        if (remaining <= 0) {
          items.push(TRUNCATED);
          break;
        }
        items.push(copy(item, depth + 1));
      }
      return items;
    }
    const entries = value instanceof Map ? value.entries() : Object.entries(value).values();
    const object: { [key: string]: JsonValue } = {};
    for (const [key, item] of entries) {
      if (remaining <= 0) {
        object[TRUNCATED] = TRUNCATED;
        break;
      }
      const name = text(String(key));
      object[name] = isSecretKey(name) ? REDACTED : copy(item, depth + 1);
    }
    return object;
  };

  const data = copy(value, 0);
  return { data, bytes: maxBytes - remaining };
}
