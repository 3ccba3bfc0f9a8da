// A build-time fix of postgres.js's connection pool queue (postgres 3.4.x, src/queue.js), applied
// by the production bundle (tsup.config.ts bundles `postgres` for it).
//
// The pool moves each connection between queues (open, busy, full…). `shift()` takes the head by
// moving an index forward and leaving `undefined` behind; the array is only reset when the queue
// empties. With every connection of the pool opened once (any burst of load), the `open` queue
// rarely empties again, so the array grows by one slot per query, for good, and `remove()` —
// called on every query as its connection changes queue — scans it from slot 0 with `indexOf`:
// client CPU per query grew by ~20 µs per 100,000 queries (measured 2026-12-05 with a pool of 10,
// all opened once; 10 µs of each W6 create in the pinned profile, after the earlier workloads' queries).
// The fixed queue searches from the head (the slots before it only hold `undefined`, never a
// connection or query) and drops the dead slots once they are half the array. Order, length and
// results are the original's: test/postgres-queue.test.ts runs both on the same operations.
import { sourceFixPlugin } from '../source-fix-plugin';

const QUEUE_FILE = /[\\/]node_modules[\\/]postgres[\\/]src[\\/]queue\.js$/;

/** The file as postgres 3.4.x ships it: anything else is a new version to review, not to patch blindly. */
export const ORIGINAL_QUEUE = `export default Queue

function Queue(initial = []) {
  let xs = initial.slice()
  let index = 0

  return {
    get length() {
      return xs.length - index
    },
    remove: (x) => {
      const index = xs.indexOf(x)
      return index === -1
        ? null
        : (xs.splice(index, 1), x)
    },
    push: (x) => (xs.push(x), x),
    shift: () => {
      const out = xs[index++]

      if (index === xs.length) {
        index = 0
        xs = []
      } else {
        xs[index - 1] = undefined
      }

      return out
    }
  }
}
`;

/** Dead slots kept before the array is compacted: compacting costs a copy of the live part. */
const COMPACT_AFTER = 1024;

/** Replaces `from` (which must occur once) by `to`. */
function replaceOnce(text: string, from: string, to: string): string {
  if (text.split(from).length !== 2) throw new Error(`postgres-queue-fix: expected one ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/** The original with remove() searching from the head and shift() compacting the dead slots. */
export const FIXED_QUEUE = replaceOnce(
  replaceOnce(
    ORIGINAL_QUEUE,
    `      const index = xs.indexOf(x)
      return index === -1
        ? null
        : (xs.splice(index, 1), x)`,
    `      const at = xs.indexOf(x, index)
      return at === -1
        ? null
        : (xs.splice(at, 1), x)`,
  ),
  `      } else {
        xs[index - 1] = undefined`,
  `      } else if (index >= ${COMPACT_AFTER} && index * 2 >= xs.length) {
        xs = xs.slice(index)
        index = 0
      } else {
        xs[index - 1] = undefined`,
);

/** The fixed queue in place of the original; throws on any other text (a postgres upgrade to review). */
export function fixPostgresQueue(source: string, path: string): string {
  if (source.replace(/\r\n/g, '\n') !== ORIGINAL_QUEUE) {
    throw new Error(`${path} is not the queue postgres-queue-fix.ts knows: review the fix against the new version`);
  }
  return FIXED_QUEUE;
}

export const postgresQueueFix = sourceFixPlugin('postgres-queue-fix', QUEUE_FILE, fixPostgresQueue);
