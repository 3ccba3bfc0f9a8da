// The first-frame authentication of `/web` for clients that cannot put a token in the URL:
// `{"type":"auth","token":"Bearer <jwt>"}` (a bare token is accepted too).
import { isPlainObject } from './frames';

/** The token of an auth frame, or undefined when the text is not one. */
export function readAuthFrame(text: string): string | undefined {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(frame) || frame.type !== 'auth' || typeof frame.token !== 'string') return undefined;
  const token = frame.token.replace(/^Bearer\s+/i, '').trim();
  return token || undefined;
}
