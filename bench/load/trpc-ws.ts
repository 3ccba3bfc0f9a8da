// W3: tRPC over WebSocket through the standard client (`wsLink`): `connections` clients, each
// calling authors.list again as soon as the previous answer arrives.
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import { performance } from 'node:perf_hooks';
import superjson from 'superjson';
import WebSocket from 'ws';
import type { AppRouter } from '../../server/src/routers';
import { Latencies } from '../stats';
import type { LoadResult } from './result';
import { wsUrl } from './sockets';

export async function runTrpcWsLoad(options: {
  baseUrl: string;
  token: string;
  connections: number;
  durationMs: number;
  name: string;
}): Promise<LoadResult> {
  const clients = Array.from({ length: options.connections }, () => {
    const ws = createWSClient({
      url: wsUrl(options.baseUrl, '/trpc'),
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      connectionParams: { token: options.token },
      retryDelayMs: () => 1_000,
    });
    return { ws, trpc: createTRPCClient<AppRouter>({ links: [wsLink({ client: ws, transformer: superjson })] }) };
  });
  const latencies = new Latencies();
  let errors = 0;
  const input = { name: options.name };
  // First call per client opens and authenticates its socket; not measured.
  await Promise.all(clients.map(({ trpc }) => trpc.authors.list.query(input)));
  const start = performance.now();
  const deadline = start + options.durationMs;
  await Promise.all(
    clients.map(async ({ trpc }) => {
      while (performance.now() < deadline) {
        const sent = performance.now();
        try {
          await trpc.authors.list.query(input);
          latencies.add(performance.now() - sent);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = performance.now() - start;
  await Promise.all(clients.map(({ ws }) => ws.close()));
  return { ok: latencies.length, errors, perSecond: (latencies.length * 1000) / elapsed, p50: latencies.quantile(0.5), p99: latencies.quantile(0.99) };
}
