// Closed-loop HTTP load over keep-alive connections: `connections` workers, each sending its next
// request as soon as the previous answer is read, until the deadline. 127.0.0.1 only.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Latencies } from '../stats';
import type { LoadResult } from './result';

export interface HttpLoad {
  baseUrl: string;
  method: 'GET' | 'POST';
  /** Path (with query) and body of the i-th request. */
  path: (i: number) => string;
  body?: (i: number) => string;
  token: string;
  connections: number;
  durationMs: number;
}

function once(agent: Agent, url: URL, method: string, path: string, token: string, body: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Authorization: `Bearer ${token}` };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const req = request({ agent, host: url.hostname, port: url.port, method, path, headers }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function runHttpLoad(load: HttpLoad): Promise<LoadResult> {
  const url = new URL(load.baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: load.connections });
  const latencies = new Latencies();
  let errors = 0;
  let next = 0;
  const start = performance.now();
  const deadline = start + load.durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const i = next++;
      const sent = performance.now();
      const status = await once(agent, url, load.method, load.path(i), load.token, load.body?.(i)).catch(() => 0);
      if (status !== 200) errors++;
      else latencies.add(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: load.connections }, worker));
  const elapsed = performance.now() - start;
  agent.destroy();
  return { ok: latencies.length, errors, perSecond: (latencies.length * 1000) / elapsed, p50: latencies.quantile(0.5), p99: latencies.quantile(0.99) };
}
