// Makes a copy of request data safe to store in the audit log: values under secret-looking keys
// (password, token, authorization, client_secret, api keys, cookies…) become "[REDACTED]" at any
// depth, and everything becomes plain JSON PostgreSQL accepts (no bigint, no NUL characters, no lone
// surrogates).
import { storableText } from '../db/storable-text';

export const REDACTED = '[REDACTED]';
/** Stored in place of anything nested deeper than MAX_DEPTH (never the value itself). */
export const TRUNCATED = '[TRUNCATED]';
const MAX_DEPTH = 32;

const SECRET_KEY =
  /^(pass|pwd)$|pass(word|wd|phrase)|secret|token|authorization|api[-_]?key|cookie|credential|private[-_]?key/i;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function redactSecrets(value: unknown, depth = 0): JsonValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return storableText(value);
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return String(value);
  }
  if (depth >= MAX_DEPTH) return TRUNCATED;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  if (value instanceof Set) return [...value].map((item) => redactSecrets(item, depth + 1));
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  const copy: { [key: string]: JsonValue } = {};
  for (const [key, item] of entries) {
    const name = storableText(String(key));
    copy[name] = isSecretKey(name) ? REDACTED : redactSecrets(item, depth + 1);
  }
  return copy;
}
