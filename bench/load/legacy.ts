// W2: legacy WebSocket clients, each sending the next GET_AUTHORS as soon as its answer arrives.
import { performance } from 'node:perf_hooks';
import type WebSocket from 'ws';
import { Latencies } from '../stats';
import type { LoadResult } from './result';
import { closeAll, openLegacySocket, openMany } from './sockets';

export async function runLegacyLoad(options: {
  baseUrl: string;
  token: string;
  connections: number;
  durationMs: number;
  name: string;
}): Promise<LoadResult> {
  const sockets = await openMany(options.connections, 50, () => openLegacySocket(options.baseUrl, options.token));
  const latencies = new Latencies();
  let errors = 0;
  const start = performance.now();
  const deadline = start + options.durationMs;
  const drive = (ws: WebSocket, index: number) =>
    new Promise<void>((resolve) => {
      let sequence = 0;
      let sent = 0;
      const sendNext = () => {
        if (performance.now() >= deadline) return resolve();
        sent = performance.now();
        const data = { filters: { name: options.name } };
        ws.send(JSON.stringify({ pkg_id: 1, req_id: `${index}-${++sequence}`, data }));
      };
      ws.on('message', (raw) => {
        const text = raw.toString();
        if (text.startsWith('{"pkg_id":1,"req_id":"00000000-')) return; // a broadcast, not our answer
        if (text.includes('"status_code":0')) latencies.add(performance.now() - sent);
        else errors++;
        sendNext();
      });
      ws.once('close', () => resolve());
      sendNext();
    });
  await Promise.all(sockets.map(drive));
  const elapsed = performance.now() - start;
  await closeAll(sockets);
  return { ok: latencies.length, errors, perSecond: (latencies.length * 1000) / elapsed, p50: latencies.quantile(0.5), p99: latencies.quantile(0.99) };
}
