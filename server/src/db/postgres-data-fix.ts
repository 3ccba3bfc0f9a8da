// A build-time change to how postgres.js (3.4.x, src/connection.js) cuts the bytes it reads into
// protocol messages, applied by the production bundle (tsup.config.ts bundles `postgres` for it).
//
// For every message the original makes two Buffer views: one of the message, for its handler, and
// one of everything after it, which becomes the new input. A 100-row answer is over a hundred
// messages (a DataRow per row), so that is over two hundred Buffer objects, about a tenth of the
// bytes the legacy request path allocated. The fixed loop walks an offset through the input
// instead and takes one view per message (the handlers read each message from offset 0), keeping
// the rest once at the end. Messages, their order and the state left for the next read are the
// original's: test/postgres-data-fix.test.ts feeds both the same byte streams in random pieces.
import { sourceFixPlugin } from '../source-fix-plugin';

const CONNECTION_FILE = /[\\/]node_modules[\\/]postgres[\\/]src[\\/]connection\.js$/;

/** The loop as postgres 3.4.x ships it: anything else is a new version to review, not to patch blindly. */
export const ORIGINAL_LOOP = `    while (incoming.length > 4) {
      length = incoming.readUInt32BE(1)
      if (length >= incoming.length) {
        remaining = length - incoming.length
        incomings = [incoming]
        break
      }

      try {
        handle(incoming.subarray(0, length + 1))
      } catch (e) {
        query && (query.cursorFn || query.describeFirst) && write(Sync)
        errored(e)
      }
      incoming = incoming.subarray(length + 1)
      remaining = 0
      incomings = null
    }
`;

export const FIXED_LOOP = `    let offset = 0
    while (incoming.length - offset > 4) {
      length = incoming.readUInt32BE(offset + 1)
      if (length >= incoming.length - offset) {
        incoming = incoming.subarray(offset)
        offset = 0
        remaining = length - incoming.length
        incomings = [incoming]
        break
      }

      try {
        handle(incoming.subarray(offset, offset + length + 1))
      } catch (e) {
        query && (query.cursorFn || query.describeFirst) && write(Sync)
        errored(e)
      }
      offset += length + 1
      remaining = 0
      incomings = null
    }
    if (offset > 0)
      incoming = incoming.subarray(offset)
`;

/** connection.js with the fixed loop; throws unless the original loop occurs exactly once. */
export function fixPostgresData(source: string, path: string): string {
  const normalized = source.replace(/\r\n/g, '\n');
  if (normalized.split(ORIGINAL_LOOP).length !== 2) {
    throw new Error(`${path} does not hold the message loop postgres-data-fix.ts knows: review the fix against the new version`);
  }
  return normalized.replace(ORIGINAL_LOOP, FIXED_LOOP);
}

export const postgresDataFix = sourceFixPlugin('postgres-data-fix', CONNECTION_FILE, fixPostgresData);
