// Hooks the connection-oriented transports (tRPC-WS, SSE, legacy WS) and the rate limiter call.
// app.ts hands each transport its own ConnectionMetrics, so transports never import middleware.
import type { ConnectionStatus, LimitType, Metrics, Transport } from './metrics';

export interface ConnectionMetrics {
  /** A connection was established: ws_connections_total{status="accepted"} and ws_connections_active + 1. */
  accepted(): void;
  /** A connection was refused (bad token, connection limit): ws_connections_total{status="rejected"}. */
  rejected(): void;
  /** An accepted connection ended: ws_connections_active - 1. Call exactly once per accepted(). */
  closed(): void;
  /** One message received from the client. */
  received(): void;
  /** Messages sent to the client (one unless a broadcast counts a batch at once). */
  sent(count?: number): void;
}

export function connectionMetrics(metrics: Metrics, transport: Transport): ConnectionMetrics {
  const labels = { transport };
  // Tallied, not inc()'d: a fan-out counts thousands of messages per event (tally.ts).
  const received = metrics.tallies.wsMessagesReceived.tally(labels);
  const sent = metrics.tallies.wsMessagesSent.tally(labels);
  const accepted: { transport: Transport; status: ConnectionStatus } = { transport, status: 'accepted' };
  const rejected: { transport: Transport; status: ConnectionStatus } = { transport, status: 'rejected' };
  return {
    accepted() {
      metrics.wsConnectionsTotal.inc(accepted);
      metrics.wsConnectionsActive.inc(labels);
    },
    rejected: () => metrics.wsConnectionsTotal.inc(rejected),
    closed: () => metrics.wsConnectionsActive.dec(labels),
    received: () => received.add(),
    sent: (count = 1) => sent.add(count),
  };
}

/** The rate limiter's observer callback: counts each refused request by limit type. */
export function rateLimitHitRecorder(metrics: Metrics): (limitType: LimitType) => void {
  const labels: Record<LimitType, { limit_type: LimitType }> = {
    per_user: { limit_type: 'per_user' },
    per_ip: { limit_type: 'per_ip' },
    websocket: { limit_type: 'websocket' },
    login: { limit_type: 'login' },
    login_account: { limit_type: 'login_account' },
  };
  return (limitType) => metrics.rateLimitHits.inc(labels[limitType]);
}
