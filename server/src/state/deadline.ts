// One timer for many promises that share a time limit. The rate limiter asks its store on every
// procedure call and gives up after STORE_TIMEOUT_MS; a setTimeout, clearTimeout and Promise.race per
// call cost about 5 µs of CPU and left a timer and three promises alive across every Redis round
// trip, for the young-generation collector to copy. Here a call adds an entry to a set that one
// interval sweeps, so an answer that never comes is given up on after `ms` to 1.25 × `ms`.

export const TIMED_OUT: unique symbol = Symbol('timed out');

export interface Deadline {
  /** What `promise` settles with, or TIMED_OUT once the time limit has passed without it. */
  within<T>(promise: Promise<T>): Promise<T | typeof TIMED_OUT>;
}

interface Waiter {
  since: number;
  resolve(value: typeof TIMED_OUT): void;
}

export function createDeadline(ms: number): Deadline {
  /** In the order the calls started, so the sweep stops at the first one still in time. */
  const waiting = new Set<Waiter>();
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = () => {
    const now = performance.now();
    for (const waiter of waiting) {
      if (now - waiter.since < ms) break;
      waiting.delete(waiter);
      waiter.resolve(TIMED_OUT);
    }
    if (waiting.size === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };
  return {
    within: <T>(promise: Promise<T>) =>
      new Promise<T | typeof TIMED_OUT>((resolve, reject) => {
        const waiter: Waiter = { since: performance.now(), resolve };
        waiting.add(waiter);
        // Unref'd: a call still waiting never keeps the process alive on its own.
        sweeper ??= setInterval(sweep, ms / 4).unref();
        promise.then(
          (value) => waiting.delete(waiter) && resolve(value),
          (error: unknown) => waiting.delete(waiter) && reject(error),
        );
      }),
  };
}
