// The Prometheus metrics, exact names and labels, in one registry per app instance
// (not prom-client's global one, so several in-process servers never collide). Hot-path recording
// goes through the small recorders beside this file, which take their series and tallies once.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { SeriesHistogram } from './series-histogram';
import { createTallies, type Tallies } from './tally';

/** The transports a procedure can be called over (the `transport` label's values). */
export const TRANSPORTS = ['http', 'rest', 'ws', 'sse', 'legacy'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** Outcome of a procedure call, shared by metrics, logs and the audit log. */
export type CallOutcome = 'success' | 'error' | 'permission_denied';

/** `rate_limit_hits_total{limit_type}` values. */
export type LimitType = 'per_user' | 'per_ip' | 'websocket' | 'login' | 'login_account';

/** `ws_connections_total{status}` values: the connection was opened, or refused (auth, limit). */
export type ConnectionStatus = 'accepted' | 'rejected';

const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const QUERY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'endpoint' | 'status_code'>;
  readonly httpRequestDuration: SeriesHistogram<'method' | 'endpoint'>;
  readonly trpcCalls: Counter<'path' | 'type' | 'transport' | 'outcome'>;
  readonly trpcCallDuration: SeriesHistogram<'path' | 'type' | 'transport'>;
  readonly wsConnectionsActive: Gauge<'transport'>;
  readonly wsConnectionsTotal: Counter<'transport' | 'status'>;
  readonly wsMessagesReceived: Counter<'transport'>;
  readonly wsMessagesSent: Counter<'transport'>;
  /** How the hot paths count into the counters above that move once per request or message (tally.ts). */
  readonly tallies: {
    readonly httpRequests: Tallies<'method' | 'endpoint' | 'status_code'>;
    readonly trpcCalls: Tallies<'path' | 'type' | 'transport' | 'outcome'>;
    readonly wsMessagesReceived: Tallies<'transport'>;
    readonly wsMessagesSent: Tallies<'transport'>;
  };
  readonly rateLimitHits: Counter<'limit_type'>;
  readonly rateLimitStoreFailures: Counter<'limit_type' | 'outcome'>;
  readonly auditLogs: Counter<'outcome'>;
  readonly auditLogsDropped: Counter<'kind' | 'reason'>;
  readonly auditQueueSize: Gauge;
  readonly auditQueueBytes: Gauge;
  readonly dbQueryDuration: SeriesHistogram<'operation'>;
  readonly eventStreamLag: SeriesHistogram;
  readonly appErrors: Counter<'error_type' | 'transport'>;
  readonly appInfo: Gauge<'version'>;
}

export function createMetrics(version: string): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const tallies: Metrics['tallies'] = {
    httpRequests: createTallies(),
    trpcCalls: createTallies(),
    wsMessagesReceived: createTallies(),
    wsMessagesSent: createTallies(),
  };

  const metrics: Metrics = {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by method, route template and status code',
      labelNames: ['method', 'endpoint', 'status_code'],
      registers,
      collect() {
        tallies.httpRequests.flushInto(this);
      },
    }),
    httpRequestDuration: new SeriesHistogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method and route template',
      labelNames: ['method', 'endpoint'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    trpcCalls: new Counter({
      name: 'trpc_calls_total',
      help: 'Procedure calls by procedure path, type, transport and outcome',
      labelNames: ['path', 'type', 'transport', 'outcome'],
      registers,
      collect() {
        tallies.trpcCalls.flushInto(this);
      },
    }),
    trpcCallDuration: new SeriesHistogram({
      name: 'trpc_call_duration_seconds',
      help: 'Procedure call duration by procedure path, type and transport',
      labelNames: ['path', 'type', 'transport'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    wsConnectionsActive: new Gauge({
      name: 'ws_connections_active',
      help: 'Open WebSocket (and SSE) connections on this instance',
      labelNames: ['transport'],
      registers,
    }),
    wsConnectionsTotal: new Counter({
      name: 'ws_connections_total',
      help: 'WebSocket (and SSE) connection attempts by transport and status (accepted, rejected)',
      labelNames: ['transport', 'status'],
      registers,
    }),
    wsMessagesReceived: new Counter({
      name: 'ws_messages_received_total',
      help: 'Messages received from WebSocket clients',
      labelNames: ['transport'],
      registers,
      collect() {
        tallies.wsMessagesReceived.flushInto(this);
      },
    }),
    wsMessagesSent: new Counter({
      name: 'ws_messages_sent_total',
      help: 'Messages sent to WebSocket and SSE clients',
      labelNames: ['transport'],
      registers,
      collect() {
        tallies.wsMessagesSent.flushInto(this);
      },
    }),
    tallies,
    rateLimitHits: new Counter({
      name: 'rate_limit_hits_total',
      help: 'Requests refused by a rate limit, by limit type',
      labelNames: ['limit_type'],
      registers,
    }),
    rateLimitStoreFailures: new Counter({
      name: 'rate_limit_store_failures_total',
      help: 'Rate-limit checks the store did not answer, by limit type and what RATE_LIMIT_FAIL_MODE made of them (fail_open, fail_closed)',
      labelNames: ['limit_type', 'outcome'],
      registers,
    }),
    auditLogs: new Counter({
      name: 'audit_logs_total',
      help: 'Audit log rows written, by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    auditLogsDropped: new Counter({
      name: 'audit_logs_dropped_total',
      help: 'Calls whose audit record was lost, by kind (call, refusal) and reason (queue_full, database, shutdown)',
      labelNames: ['kind', 'reason'],
      registers,
    }),
    auditQueueSize: new Gauge({
      name: 'audit_queue_size',
      help: 'Audit entries waiting to be written',
      registers,
    }),
    auditQueueBytes: new Gauge({
      name: 'audit_queue_bytes',
      help: 'Estimated size of the audit entries waiting to be written (bounded by AUDIT_QUEUE_MAX_BYTES)',
      registers,
    }),
    dbQueryDuration: new SeriesHistogram({
      name: 'db_query_duration_seconds',
      help: 'Database operation duration by repository operation',
      labelNames: ['operation'],
      buckets: QUERY_BUCKETS,
      registers,
    }),
    eventStreamLag: new SeriesHistogram({
      name: 'event_stream_lag_seconds',
      help: "Age of each event when this instance's live reader read it (Redis event stream)",
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    appErrors: new Counter({
      name: 'app_errors_total',
      help: 'Unexpected errors by error type and transport',
      labelNames: ['error_type', 'transport'],
      registers,
    }),
    appInfo: new Gauge({
      name: 'app_info',
      help: 'Application information; the value is always 1',
      labelNames: ['version'],
      registers,
    }),
  };
  metrics.appInfo.set({ version }, 1);
  return metrics;
}
