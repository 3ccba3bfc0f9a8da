// W5 then W4 on the same sockets: open `connections` authenticated WebSockets (half legacy, half tRPC),
// read the server's RSS growth per idle connection (each reading after a full GC), then subscribe the tRPC half to
// system.onBroadcast, publish `events` broadcasts at a fixed pace and time every delivery
// (trigger sent → frame read), counting what never arrived.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type WebSocket from 'ws';
import { Latencies } from '../stats';
import { closeAll, openLegacySocket, openMany, openTrpcSocket } from './sockets';

export interface FanOutResult {
  /** RSS growth per idle authenticated connection, bytes. */
  bytesPerConnection: number;
  deliveriesPerSecond: number;
  p50: number;
  p99: number;
  lost: number;
}

/** Resident set size of a process, bytes (Linux). */
export function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

function post(agent: Agent, baseUrl: string, path: string, token: string, body: string): Promise<number> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
    const req = request({ agent, host: url.hostname, port: url.port, method: 'POST', path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function runFanOut(options: {
  baseUrl: string;
  pid: number;
  collectGarbage(): Promise<void>;
  token: string;
  connections: number;
  events: number;
  intervalMs: number;
}): Promise<FanOutResult> {
  const { baseUrl, token, connections, events } = options;
  const settledRss = async () => {
    await options.collectGarbage();
    await sleep(500);
    return rssOf(options.pid);
  };
  const before = await settledRss();
  const legacyCount = Math.floor(connections / 2);
  const sockets = await openMany(connections, 100, (i) =>
    i < legacyCount ? openLegacySocket(baseUrl, token) : openTrpcSocket(baseUrl, token),
  );
  const trpcSockets = sockets.slice(legacyCount);
  await sleep(1_000);
  const bytesPerConnection = ((await settledRss()) - before) / connections;

  const sentAt = new Float64Array(events);
  const received = new Uint32Array(events);
  const latencies = new Latencies();
  let delivered = 0;
  let lastDelivery = 0;
  let allDelivered: () => void = () => {};
  const done = new Promise<void>((resolve) => (allDelivered = resolve));
  const onFrame = (raw: WebSocket.RawData) => {
    const text = raw.toString();
    const at = text.indexOf('fanout:');
    if (at === -1) return;
    const i = Number.parseInt(text.slice(at + 7, at + 14), 10);
    lastDelivery = performance.now();
    latencies.add(lastDelivery - sentAt[i]!);
    received[i]!++;
    if (++delivered === events * connections) allDelivered();
  };
  for (const ws of sockets) ws.on('message', onFrame);

  let started = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${started}/${trpcSockets.length} subscriptions started`)), 60_000);
    for (const ws of trpcSockets) {
      const onStarted = (raw: WebSocket.RawData) => {
        if (!raw.toString().includes('"started"')) return;
        ws.off('message', onStarted);
        if (++started === trpcSockets.length) {
          clearTimeout(timer);
          resolve();
        }
      };
      ws.on('message', onStarted);
      ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'system.onBroadcast', input: { json: null } } }));
    }
    if (trpcSockets.length === 0) resolve();
  });

  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const first = performance.now();
  for (let i = 0; i < events; i++) {
    const slot = first + i * options.intervalMs;
    const wait = slot - performance.now();
    if (wait > 0) await sleep(wait);
    sentAt[i] = performance.now();
    const body = JSON.stringify({ json: { message: `fanout:${i}` } });
    const status = await post(agent, baseUrl, '/trpc/system.broadcast', token, body);
    if (status !== 200) throw new Error(`broadcast answered ${status}`);
  }
  await Promise.race([done, sleep(15_000)]);
  agent.destroy();
  await closeAll(sockets);
  await sleep(1_000);
  return {
    bytesPerConnection,
    deliveriesPerSecond: (delivered * 1000) / (lastDelivery - first),
    p50: latencies.quantile(0.5),
    p99: latencies.quantile(0.99),
    lost: events * connections - delivered,
  };
}
