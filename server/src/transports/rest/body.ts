// Reads a JSON request body within the size limit. Content-Length beyond the limit is refused up
// front by the hygiene layer; this counts the bytes that actually arrive (chunked bodies).
import type { IncomingMessage } from 'node:http';
import { RestError } from './errors';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function readRaw(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop reading; the 413 answer closes the connection (see sendPayloadTooLarge).
        cleanup();
        req.pause();
        reject(new RestError(413, 'Request body too large'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** The parsed body, or undefined when it is empty. Throws RestError 400 (not JSON) or 413. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const raw = await readRaw(req, limit);
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(utf8.decode(raw));
  } catch {
    throw new RestError(400, 'Malformed JSON body');
  }
}
