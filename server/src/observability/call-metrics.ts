// Records procedure calls in trpc_calls_total / trpc_call_duration_seconds. Label objects and the
// counter's tallies (tally.ts) are made once per (procedure, transport) and reused, so the hot path
// allocates none and hashes labels only for the histogram.
import type { CallOutcome, Metrics, Transport } from './metrics';
import type { Tally } from './tally';

type CallLabels = { path: string; type: string; transport: Transport };
interface CallSeries {
  duration: CallLabels;
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
  const duration = { path, type, transport };
  const calls = metrics.tallies.trpcCalls;
  return {
    duration,
    outcomes: {
      success: calls.tally({ ...duration, outcome: 'success' }),
      error: calls.tally({ ...duration, outcome: 'error' }),
      permission_denied: calls.tally({ ...duration, outcome: 'permission_denied' }),
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
    metrics.trpcCallDuration.observe(series.duration, seconds);
  };
}
