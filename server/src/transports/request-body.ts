// Reads a request's whole body, for the handlers that take one (REST, tRPC-HTTP's single call, the
// OAuth token and revoke forms).
// With 'data'/'end' listeners rather than `for await`: the stream's async iterator costs several
// promises and closures per request. It fails as that iterator does: with the request's error (a
// client that went away: ECONNRESET 'aborted'), or with a premature close when the request closes
// before its end without one. Past `limit` bytes (a chunked body: a declared Content-Length over the
// limit is refused earlier, by the hygiene layer) it stops reading and fails with BodyTooLargeError.
import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

export function readBody(req: IncomingMessage, limit = Infinity): Promise<Buffer> {
  // Gone before anyone asked (its 'close' has been emitted already).
  if (req.destroyed) return Promise.reject(req.errored ?? prematureClose());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', fail);
      req.off('close', onClose);
    };
    const fail = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        fail(new BodyTooLargeError(`request body over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onClose = () => fail(req.errored ?? prematureClose());
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', fail);
    req.on('close', onClose);
  });
}

/** What the stream's async iterator (through `finished`) fails with. */
const prematureClose = () => Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
