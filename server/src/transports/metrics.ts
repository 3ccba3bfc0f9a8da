// GET /metrics: the app's Prometheus registry in the text exposition format.
import type { ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export async function respondMetrics(res: ServerResponse, registry: Registry): Promise<void> {
  const body = await registry.metrics();
  res.writeHead(200, { 'Content-Type': registry.contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
