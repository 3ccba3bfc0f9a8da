// Records procedure calls in trpc_calls_total / trpc_call_duration_seconds. Label objects are built
// once per (procedure, transport) and reused, so the hot path allocates no label objects.
import type { CallOutcome, Metrics, Transport } from './metrics';

type CallLabels = { path: string; type: string; transport: Transport };
type OutcomeLabels = CallLabels & { outcome: CallOutcome };

interface CallSeries {
  duration: CallLabels;
  outcomes: Record<CallOutcome, OutcomeLabels>;
}

export type CallRecorder = (
  path: string,
  type: string,
  transport: Transport,
  outcome: CallOutcome,
  seconds: number,
) => void;

function seriesOf(path: string, type: string, transport: Transport): CallSeries {
  const duration = { path, type, transport };
  return {
    duration,
    outcomes: {
      success: { ...duration, outcome: 'success' },
      error: { ...duration, outcome: 'error' },
      permission_denied: { ...duration, outcome: 'permission_denied' },
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
    if (!series) byTransport.set(transport, (series = seriesOf(path, type, transport)));
    metrics.trpcCalls.inc(series.outcomes[outcome]);
    metrics.trpcCallDuration.observe(series.duration, seconds);
  };
}
