/** What one closed-loop run measured: successful calls, failures, calls/s and latency quantiles (ms). */
export interface LoadResult {
  ok: number;
  errors: number;
  perSecond: number;
  p50: number;
  p99: number;
}
