// Records procedure calls in trpc_calls_total / trpc_call_duration_seconds. The counter's tallies
// (tally.ts) and the histogram's series (series-histogram.ts) are taken once per (procedure,
// transport) and reused, so the hot path neither allocates nor hashes labels.
import type { CallOutcome, Metrics, Transport } from './metrics';
import type { HistogramSeries } from './series-histogram';
import type { Tally } from './tally';

interface CallSeries {
  duration: HistogramSeries;
  outcomes: Record<CallOutcome, Tally>;
}

export type CallRecorder = (
  path: string,
  type: string,
  transport: Transport,
  outcome: CallOutcome,
  seconds: number,
) => void;

function seriesOf(metrics: Metrics, path: string, type: string, transport: Transport): CallSeries {
  const labels = { path, type, transport };
  const calls = metrics.tallies.trpcCalls;
  return {
    duration: metrics.trpcCallDuration.bind(labels),
    outcomes: {
      success: calls.tally({ ...labels, outcome: 'success' }),
      error: calls.tally({ ...labels, outcome: 'error' }),
      permission_denied: calls.tally({ ...labels, outcome: 'permission_denied' }),
    },
  };
}

/**
 * Only paths of existing procedures reach the middleware that calls this (tRPC rejects unknown
 * paths before any middleware runs), so the cache and the label values stay bounded.
 */
export function createCallRecorder(metrics: Metrics): CallRecorder {
  const byPath = new Map<string, Map<Transport, CallSeries>>();
  return (path, type, transport, outcome, seconds) => {
    let byTransport = byPath.get(path);
    if (!byTransport) byPath.set(path, (byTransport = new Map()));
    let series = byTransport.get(transport);
    if (!series) byTransport.set(transport, (series = seriesOf(metrics, path, type, transport)));
    series.outcomes[outcome].add();
    series.duration.observe(seconds);
  };
}
