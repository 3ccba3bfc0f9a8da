// The production bundle's fixed postgres.js pool queue (server/src/db/postgres-queue-fix.ts) against
// the package's own: the same results for the same operations, and a remove() that no longer scans
// what shift() left behind.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FIXED_QUEUE, fixPostgresQueue, ORIGINAL_QUEUE } from '../server/src/db/postgres-queue-fix';

interface Queue<T> {
  readonly length: number;
  remove(x: T): T | null;
  push(x: T): T;
  shift(): T | undefined;
}
type QueueOf = <T>(initial?: T[]) => Queue<T>;

const load = async (source: string): Promise<QueueOf> =>
  ((await import(`data:text/javascript,${encodeURIComponent(source)}`)) as { default: QueueOf }).default;

/** The file the bundle reads (the server's `postgres` resolves to the workspace root's node_modules). */
const packageQueueFile = fileURLToPath(new URL('../node_modules/postgres/src/queue.js', import.meta.url));

describe('postgres.js pool queue fix', () => {
  it('replaces exactly the queue the installed postgres ships, and refuses any other', () => {
    const shipped = readFileSync(packageQueueFile, 'utf8');
    expect(shipped).toBe(ORIGINAL_QUEUE);
    expect(fixPostgresQueue(shipped, packageQueueFile)).toBe(FIXED_QUEUE);
    expect(() => fixPostgresQueue(shipped.replace('xs.indexOf(x)', 'xs.lastIndexOf(x)'), 'queue.js')).toThrow(/review/);
  });

  it('gives the same results as the original for the same operations', async () => {
    const [Original, Fixed] = await Promise.all([load(ORIGINAL_QUEUE), load(FIXED_QUEUE)]);
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    // Connections are objects, each in one queue at a time; long runs pass the compaction threshold.
    const items = Array.from({ length: 12 }, (_, id) => ({ id }));
    for (const initial of [[], items.slice(0, 3)]) {
      const original = Original(initial);
      const fixed = Fixed(initial);
      const inQueue = new Set(initial);
      for (let step = 0; step < 50_000; step++) {
        const roll = random();
        const item = items[Math.floor(random() * items.length)]!;
        if (roll < 0.4 && !inQueue.has(item)) {
          inQueue.add(item);
          expect(fixed.push(item)).toBe(original.push(item));
        } else if (roll < 0.7) {
          const got = original.shift();
          if (got) inQueue.delete(got);
          expect(fixed.shift()).toBe(got);
        } else {
          inQueue.delete(item);
          expect(fixed.remove(item)).toBe(original.remove(item));
        }
        expect(fixed.length).toBe(original.length);
      }
    }
  });

  it('removes in time independent of how many items went through the queue', async () => {
    const Fixed = await load(FIXED_QUEUE);
    const queue = Fixed<{ id: number }>();
    const idle = Array.from({ length: 10 }, (_, id) => ({ id }));
    for (const connection of idle) queue.push(connection);
    // What the pool does per query while some connection stays idle: take one, move it back.
    for (let query = 0; query < 200_000; query++) {
      const connection = queue.shift()!;
      expect(queue.remove(connection)).toBeNull();
      queue.push(connection);
    }
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) queue.remove({ id: -1 });
    // The original scans every slot shift() ever left: 10,000 × 200,000 of them would take seconds.
    expect(performance.now() - started).toBeLessThan(500);
    expect(queue.length).toBe(10);
  });
});
