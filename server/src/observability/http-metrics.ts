// The HTTP hook: one call per request records http_requests_total{method,endpoint,status_code} and
// http_request_duration_seconds{method,endpoint} when the response is done, with `endpoint` the
// route template (see endpoint-templates.ts). The histogram's series (series-histogram.ts) and the
// counter's tallies (tally.ts) are cached per (endpoint, method) and (endpoint, method, status).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EndpointTemplates } from './endpoint-templates';
import type { Metrics } from './metrics';
import type { HistogramSeries } from './series-histogram';
import type { Tally } from './tally';

/** Status recorded when the client went away before the response was complete (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

interface MethodSeries {
  labels: { method: string; endpoint: string };
  duration: HistogramSeries;
  byStatus: Map<number, Tally>;
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
    if (!series) {
      const labels = { method, endpoint };
      byMethod.set(method, (series = { labels, duration: metrics.httpRequestDuration.bind(labels), byStatus: new Map() }));
    }
    return series;
  };

  return (req, res, path) => {
    const start = performance.now();
    const series = seriesOf(endpoints.match(path), req.method ?? 'GET');
    res.once('close', () => {
      const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST;
      let requests = series.byStatus.get(status);
      if (!requests) series.byStatus.set(status, (requests = metrics.tallies.httpRequests.tally({ ...series.labels, status_code: status })));
      requests.add();
      series.duration.observe((performance.now() - start) / 1000);
    });
  };
}
