/** What one closed-loop run measured: successful calls, failures, calls/s and latency quantiles (ms). */
export interface LoadResult {
  ok: number;
  errors: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU time the load generator itself used (all its threads), to show it costs less than the server. */
  clientCpuSeconds: number;
}
