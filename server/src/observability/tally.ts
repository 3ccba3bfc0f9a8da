// Counts for a prom-client counter kept in plain numbers and added to it only when it is read
// (its `collect`, which runs on every scrape). prom-client hashes the labels on every inc(), even a
// bound child's (`counter.labels(…)`). The counters that move once per request or message use this:
// http_requests_total, trpc_calls_total, and ws_messages_{received,sent}_total, which a fan-out
// counts once per socket per event, where that hashing was ~1 µs of a ~19 µs delivery (bench W3). A
// scrape reads exactly what was counted: nothing is sampled or dropped, only added later.
import type { Counter, LabelValues } from 'prom-client';

export interface Tally {
  add(count?: number): void;
}

export interface Tallies<T extends string> {
  /** A count for one label set; take it once (per transport, say) and keep it. */
  tally(labels: LabelValues<T>): Tally;
  /** For the counter's `collect`: moves what was counted since the last read into it. */
  flushInto(counter: Counter<T>): void;
}

export function createTallies<T extends string>(): Tallies<T> {
  const counts: { labels: LabelValues<T>; pending: number }[] = [];
  return {
    tally(labels) {
      const count = { labels, pending: 0 };
      counts.push(count);
      return {
        add(n = 1) {
          count.pending += n;
        },
      };
    },
    flushInto(counter) {
      for (const count of counts) {
        if (count.pending === 0) continue;
        counter.inc(count.labels, count.pending);
        count.pending = 0;
      }
    },
  };
}
