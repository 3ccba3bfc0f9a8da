// The HTTP hook: one call per request records http_requests_total{method,endpoint,status_code} and
// http_request_duration_seconds{method,endpoint} when the response is done, with `endpoint` the
// route template (see endpoint-templates.ts). Label objects are cached per (endpoint, method, status).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EndpointTemplates } from './endpoint-templates';
import type { Metrics } from './metrics';

/** Status recorded when the client went away before the response was complete (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

type DurationLabels = { method: string; endpoint: string };
type RequestLabels = DurationLabels & { status_code: number };

interface MethodSeries {
  duration: DurationLabels;
  byStatus: Map<number, RequestLabels>;
}

export type HttpObserver = (req: IncomingMessage, res: ServerResponse, path: string) => void;

export function createHttpObserver(metrics: Metrics, endpoints: EndpointTemplates): HttpObserver {
  // Node's HTTP parser accepts only known methods, and endpoints come from registered templates,
  // so this cache is bounded.
  const byEndpoint = new Map<string, Map<string, MethodSeries>>();

  const seriesOf = (endpoint: string, method: string): MethodSeries => {
    let byMethod = byEndpoint.get(endpoint);
    if (!byMethod) byEndpoint.set(endpoint, (byMethod = new Map()));
    let series = byMethod.get(method);
    if (!series) byMethod.set(method, (series = { duration: { method, endpoint }, byStatus: new Map() }));
    return series;
  };

  return (req, res, path) => {
    const start = performance.now();
    const series = seriesOf(endpoints.match(path), req.method ?? 'GET');
    res.once('close', () => {
      const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST;
      let labels = series.byStatus.get(status);
      if (!labels) series.byStatus.set(status, (labels = { ...series.duration, status_code: status }));
      metrics.httpRequests.inc(labels);
      metrics.httpRequestDuration.observe(series.duration, (performance.now() - start) / 1000);
    });
  };
}
