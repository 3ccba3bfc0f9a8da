// Reads a JSON request body within the size limit. Content-Length beyond the limit is refused up
// front by the hygiene layer; this counts the bytes that actually arrive (chunked bodies).
import type { IncomingMessage } from 'node:http';
import { BodyTooLargeError, readBody } from '../request-body';
import { RestError } from './errors';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The parsed body, or undefined when it is empty. Throws RestError 400 (not JSON) or 413. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  let raw: Buffer;
  try {
    raw = await readBody(req, limit);
  } catch (error) {
    // Stop reading; the 413 answer closes the connection (see sendPayloadTooLarge).
    throw error instanceof BodyTooLargeError ? new RestError(413, 'Request body too large') : error;
  }
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(utf8.decode(raw));
  } catch {
    throw new RestError(400, 'Malformed JSON body');
  }
}
