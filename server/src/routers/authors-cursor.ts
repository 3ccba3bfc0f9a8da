// Keyset cursors: opaque to clients (base64url), strictly validated when they come back.
import { MAX_AUTHOR_ID } from '@authors/shared';

const PREFIX = 'id:';

export function encodeCursor(lastId: number): string {
  return Buffer.from(`${PREFIX}${lastId}`).toString('base64url');
}

/** The id after which the next page starts (0 for the empty cursor), or undefined when malformed. */
export function decodeCursor(cursor: string): number | undefined {
  if (cursor === '') return 0;
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const match = /^id:(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const id = match ? Number(match[1]) : Number.NaN;
  return id >= 1 && id <= MAX_AUTHOR_ID ? id : undefined;
}
