import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointTemplates, UNMATCHED_ENDPOINT } from '../server/src/observability/endpoint-templates';
import { createMetrics } from '../server/src/observability/metrics';
import { connectionMetrics, rateLimitHitRecorder } from '../server/src/observability/transport-metrics';
import { SERVER_VERSION } from '../server/src/observability/version';
import { parsePrometheus, samplesOf, scrape, valueOf, type Scrape } from './helpers/prometheus';
import { startTestServer, type TestServer } from './helpers/server';
import { hasPostgres } from './helpers/services';

const DESIGN_METRICS: Record<string, { type: string; labels: string[] }> = {
  http_requests_total: { type: 'counter', labels: ['method', 'endpoint', 'status_code'] },
  http_request_duration_seconds: { type: 'histogram', labels: ['method', 'endpoint'] },
  trpc_calls_total: { type: 'counter', labels: ['path', 'type', 'transport', 'outcome'] },
  trpc_call_duration_seconds: { type: 'histogram', labels: ['path', 'type', 'transport'] },
  ws_connections_active: { type: 'gauge', labels: ['transport'] },
  ws_connections_total: { type: 'counter', labels: ['transport', 'status'] },
  ws_messages_received_total: { type: 'counter', labels: ['transport'] },
  ws_messages_sent_total: { type: 'counter', labels: ['transport'] },
  rate_limit_hits_total: { type: 'counter', labels: ['limit_type'] },
  // Beyond DESIGN §9, for deploy/prometheus-rules.yml: limiter store failures and event delivery lag.
  rate_limit_store_failures_total: { type: 'counter', labels: ['limit_type', 'outcome'] },
  event_stream_lag_seconds: { type: 'histogram', labels: [] },
  audit_logs_total: { type: 'counter', labels: ['outcome'] },
  // Labelled since the audit guarantees (kind: call | refusal, reason: queue_full | database | shutdown).
  audit_logs_dropped_total: { type: 'counter', labels: ['kind', 'reason'] },
  audit_queue_size: { type: 'gauge', labels: [] },
  db_query_duration_seconds: { type: 'histogram', labels: ['operation'] },
  app_errors_total: { type: 'counter', labels: ['error_type', 'transport'] },
  app_info: { type: 'gauge', labels: ['version'] },
};

/** A tRPC-over-HTTP request without the client, so status codes and paths are exactly ours. */
let authorization = '';
function trpcQuery(url: string, path: string, input: unknown): Promise<Response> {
  return fetch(`${url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, {
    headers: { authorization },
  });
}
function trpcMutation(url: string, path: string, input: unknown): Promise<Response> {
  return fetch(`${url}/trpc/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', authorization },
    body: JSON.stringify({ json: input }),
  });
}

describe.skipIf(!hasPostgres)('GET /metrics after calls over tRPC-HTTP', () => {
  let server: TestServer;
  let metrics: Scrape;
  const statuses: number[] = [];

  beforeAll(async () => {
    server = await startTestServer({ driver: 'postgres' });
    const { url } = server;
    authorization = `Bearer ${await server.tokenFor('admin')}`;
    const responses = [
      await trpcMutation(url, 'authors.create', { name: 'Ada' }),
      await trpcMutation(url, 'authors.create', { name: 'Ada' }), // conflict
      await trpcQuery(url, 'authors.byId', { id: 1 }),
      await trpcQuery(url, 'authors.byId', { id: 999 }), // not found
      await trpcQuery(url, 'authors.byId', { id: 'x' }), // invalid input
      await fetch(`${url}/trpc/authors.list,authors.byId?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: { json: {} }, 1: { json: { id: 1 } } }))}`, { headers: { authorization } }),
      await trpcQuery(url, 'no.such.procedure', {}),
      await fetch(`${url}/health`),
      await fetch(`${url}/nothing/12345?x=1`),
    ];
    for (const response of responses) {
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    await (await fetch(`${url}/metrics`)).text(); // counted in the next scrape
    metrics = await scrape(url);
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  it('answered the calls as expected', () => {
    expect(statuses).toEqual([200, 409, 200, 404, 400, 200, 404, 200, 404]);
  });

  it('serves the Prometheus text format', async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await response.text()).toContain('# TYPE http_requests_total counter');
  });

  it('declares every metric of DESIGN §12 with its type, and default process metrics', () => {
    for (const [name, { type }] of Object.entries(DESIGN_METRICS)) expect(metrics.types.get(name), name).toBe(type);
    expect(valueOf(metrics, 'app_info', { version: SERVER_VERSION })).toBe(1);
    expect(metrics.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(valueOf(metrics, 'nodejs_heap_size_total_bytes')).toBeGreaterThan(0);
  });

  it('labels every sample with exactly the DESIGN §12 label names', () => {
    for (const [name, { type, labels }] of Object.entries(DESIGN_METRICS)) {
      const series = type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
      for (const sample of series.flatMap((seriesName) => samplesOf(metrics, seriesName))) {
        const expected = sample.name.endsWith('_bucket') ? [...labels, 'le'] : labels;
        expect(Object.keys(sample.labels).sort(), sample.name).toEqual([...expected].sort());
      }
    }
  });

  it('counts procedure calls by path, type, transport and outcome', () => {
    const call = (path: string, type: string, outcome: string) =>
      valueOf(metrics, 'trpc_calls_total', { path, type, transport: 'http', outcome });
    expect(call('authors.create', 'mutation', 'success')).toBe(1);
    expect(call('authors.create', 'mutation', 'error')).toBe(1);
    expect(call('authors.byId', 'query', 'success')).toBe(2); // alone and in the batch
    expect(call('authors.byId', 'query', 'error')).toBe(2); // not found, invalid input
    expect(call('authors.list', 'query', 'success')).toBe(1);
    // Unknown procedures never reach the middleware: no series is created for them.
    expect(samplesOf(metrics, 'trpc_calls_total').map((sample) => sample.labels.path).sort()).toEqual([
      'authors.byId',
      'authors.byId',
      'authors.create',
      'authors.create',
      'authors.list',
    ]);
    const duration = { path: 'authors.byId', type: 'query', transport: 'http' };
    expect(valueOf(metrics, 'trpc_call_duration_seconds_count', duration)).toBe(4);
    expect(valueOf(metrics, 'trpc_call_duration_seconds_bucket', { ...duration, le: '+Inf' })).toBe(4);
    expect(valueOf(metrics, 'trpc_call_duration_seconds_sum', duration)).toBeGreaterThan(0);
  });

  it('counts HTTP requests by method, bounded route template and status code', () => {
    const requests = (method: string, endpoint: string, status_code: number) =>
      valueOf(metrics, 'http_requests_total', { method, endpoint, status_code });
    expect(requests('POST', '/trpc/authors.create', 200)).toBe(1);
    expect(requests('POST', '/trpc/authors.create', 409)).toBe(1);
    expect(requests('GET', '/trpc/authors.byId', 200)).toBe(1);
    expect(requests('GET', '/trpc/authors.byId', 404)).toBe(1);
    expect(requests('GET', '/trpc/authors.byId', 400)).toBe(1);
    // Batches and unknown procedures share one label value.
    expect(requests('GET', '/trpc/{procedure}', 200)).toBe(1);
    expect(requests('GET', '/trpc/{procedure}', 404)).toBe(1);
    expect(requests('GET', '/health', 200)).toBe(1);
    expect(requests('GET', UNMATCHED_ENDPOINT, 404)).toBe(1);
    expect(requests('GET', '/metrics', 200)).toBe(1);
    expect(samplesOf(metrics, 'http_requests_total').reduce((sum, sample) => sum + sample.value, 0)).toBe(10);
    expect(valueOf(metrics, 'http_request_duration_seconds_count', { method: 'GET', endpoint: '/trpc/authors.byId' })).toBe(3);
    // No raw path or id ever becomes a label value.
    const endpoints = new Set(samplesOf(metrics, 'http_requests_total').map((sample) => sample.labels.endpoint));
    expect([...endpoints].filter((endpoint) => /12345|no\.such/.test(endpoint!))).toEqual([]);
  });

  it('times database operations per repository method', () => {
    expect(valueOf(metrics, 'db_query_duration_seconds_count', { operation: 'authors.create' })).toBe(2);
    expect(valueOf(metrics, 'db_query_duration_seconds_count', { operation: 'authors.byId' })).toBe(3);
    expect(valueOf(metrics, 'db_query_duration_seconds_count', { operation: 'authors.list' })).toBe(1);
  });
});

describe('connection-level hooks for the WebSocket and SSE transports', () => {
  it('counts connections and messages per transport, and rate-limit hits per limit type', async () => {
    const metrics = createMetrics('test');
    const legacy = connectionMetrics(metrics, 'legacy');
    const ws = connectionMetrics(metrics, 'ws');
    legacy.accepted();
    legacy.accepted();
    legacy.rejected();
    legacy.closed();
    legacy.received();
    legacy.received();
    legacy.sent();
    ws.accepted();
    ws.sent();
    const hit = rateLimitHitRecorder(metrics);
    hit('per_user');
    hit('per_user');
    hit('websocket');

    const scraped = parsePrometheus(await metrics.registry.metrics());
    expect(valueOf(scraped, 'ws_connections_total', { transport: 'legacy', status: 'accepted' })).toBe(2);
    expect(valueOf(scraped, 'ws_connections_total', { transport: 'legacy', status: 'rejected' })).toBe(1);
    expect(valueOf(scraped, 'ws_connections_active', { transport: 'legacy' })).toBe(1);
    expect(valueOf(scraped, 'ws_connections_active', { transport: 'ws' })).toBe(1);
    expect(valueOf(scraped, 'ws_messages_received_total', { transport: 'legacy' })).toBe(2);
    expect(valueOf(scraped, 'ws_messages_sent_total', { transport: 'legacy' })).toBe(1);
    expect(valueOf(scraped, 'ws_messages_sent_total', { transport: 'ws' })).toBe(1);
    expect(valueOf(scraped, 'rate_limit_hits_total', { limit_type: 'per_user' })).toBe(2);
    expect(valueOf(scraped, 'rate_limit_hits_total', { limit_type: 'websocket' })).toBe(1);
    expect(valueOf(scraped, 'rate_limit_hits_total', { limit_type: 'login' })).toBeUndefined();
  });

  it('keeps one registry per app, so in-process servers do not share counters', async () => {
    const first = createMetrics('1');
    const second = createMetrics('2');
    connectionMetrics(first, 'sse').accepted();
    const scraped = parsePrometheus(await second.registry.metrics());
    expect(valueOf(scraped, 'ws_connections_total', { transport: 'sse', status: 'accepted' })).toBeUndefined();
    expect(valueOf(scraped, 'app_info', { version: '2' })).toBe(1);
    expect(valueOf(scraped, 'app_info', { version: '1' })).toBeUndefined();
  });
});

describe('route templates', () => {
  const endpoints = new EndpointTemplates()
    .register('/authors/{id}')
    .register('/{a}/{b}')
    .register('/authors/paginated')
    .register('/authors')
    .register('/realms/{realm}/protocol/openid-connect/token');

  it('prefers literal templates, then the pattern with fewer parameters', () => {
    expect(endpoints.match('/authors')).toBe('/authors');
    expect(endpoints.match('/authors/paginated')).toBe('/authors/paginated');
    expect(endpoints.match('/authors/42')).toBe('/authors/{id}');
    expect(endpoints.match('/books/42')).toBe('/{a}/{b}');
    expect(endpoints.match('/realms/authors/protocol/openid-connect/token')).toBe(
      '/realms/{realm}/protocol/openid-connect/token',
    );
  });

  it('matches a parameter to exactly one non-empty segment, and collapses everything else', () => {
    expect(endpoints.match('/authors/42/extra')).toBe(UNMATCHED_ENDPOINT);
    expect(endpoints.match('/authors/')).toBe(UNMATCHED_ENDPOINT);
    expect(endpoints.match('/realms/a.b/protocol/openid-connect/tokenX')).toBe(UNMATCHED_ENDPOINT);
    expect(endpoints.match('/')).toBe(UNMATCHED_ENDPOINT);
  });

  it('rejects templates that are not absolute paths', () => {
    expect(() => new EndpointTemplates().register('authors')).toThrow('Route template must start with "/": authors');
  });
});
