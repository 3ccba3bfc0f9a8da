// Text PostgreSQL can store: text and jsonb hold neither U+0000 nor lone UTF-16 surrogates (JSON
// writes those as `\udXXX` escapes, which jsonb rejects). One such value would fail a whole batch of
// audit rows, so both become U+FFFD — what a UTF-8 encoder already does to a lone surrogate sent as
// a text parameter.

export function storableText(value: string): string {
  const wellFormed = value.isWellFormed() ? value : value.toWellFormed();
  return wellFormed.includes('\u0000') ? wellFormed.replaceAll('\u0000', '\uFFFD') : wellFormed;
}

/** JSON.stringify replacer: every string as PostgreSQL can store it. */
export const storableJson = (_key: string, value: unknown): unknown => (typeof value === 'string' ? storableText(value) : value);

/** JSON's escapes of what storableText replaces: NUL and lone surrogates (`\ud800`–`\udfff`, lower-case hex). */
const UNSTORABLE_ESCAPE = /\\u(?:0000|d[89a-f])/;

/**
 * `JSON.stringify(value, storableJson)`, made natively without the replacer (a JavaScript call per
 * key and value: ~30 % of an audit batch's CPU) unless the text holds an escape of something
 * storableText replaces; then again with it. JSON.stringify writes NUL and a lone surrogate only
 * as those escapes, so where none appears both texts are the same. A false alarm (a user's literal
 * backslash followed by `u0000`) only costs the second pass.
 */
export function storableJsonText(value: unknown): string {
  const text = JSON.stringify(value);
  return UNSTORABLE_ESCAPE.test(text) ? JSON.stringify(value, storableJson) : text;
}
