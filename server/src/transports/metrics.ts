// GET /metrics: the app's Prometheus registry in the text exposition format.
import type { ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { z } from 'zod';
import type { PlainRoute } from './openapi/document';

/** What /openapi.json says about this route: a text body, whose lines the exposition format defines. */
export const metricsRoute: PlainRoute = {
  method: 'GET',
  path: '/metrics',
  summary: 'Prometheus metrics in the text exposition format (not rate-limited, no token needed)',
  tag: 'operations',
  responses: {
    200: {
      description: 'Every metric of this process',
      schema: z.string(),
      contentType: Registry.PROMETHEUS_CONTENT_TYPE,
    },
  },
};

export async function respondMetrics(res: ServerResponse, registry: Registry): Promise<void> {
  const body = await registry.metrics();
  res.writeHead(200, { 'Content-Type': registry.contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
