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
