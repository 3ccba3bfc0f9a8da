// W3 and W5 on the same sockets: open `connections` authenticated WebSockets (half legacy, half
// tRPC) in load-generator processes, read the server's RSS growth per idle connection (each reading
// after a full GC), subscribe the tRPC half to system.onBroadcast, then publish broadcasts at a fixed
// pace from here — a warm-up, then `events` in the measured window — and time every delivery (sent →
// frame read), counting what never came.
// With several instances of the server, each load-generator process connects to one of them in
// turn, the broadcasts go to the first (the others hear of them through Redis, as in a deployment
// of several instances) and the RSS growth is summed over all.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCpuWindow, type CpuUsage } from '../cpu';
import { LOAD_CORE, SERVER_CORE } from '../pinning';
import type { BenchServer } from '../servers';
import { quantile } from '../stats';
import { startWsWorker, type WsWorker } from './ws-workers';

export interface FanOutResult {
  /** RSS growth per idle authenticated connection, bytes. */
  bytesPerConnection: number;
  delivered: number;
  lost: number;
  deliveriesPerSecond: number;
  p50: number;
  p99: number;
  /** The warm-up's broadcasts, sent before the window at its pace: the first the sockets receive. */
  warmUp: { events: number; lost: number; p99: number };
  /** From the first measured broadcast sent to the last delivery read (or the give-up time). */
  cpu: CpuUsage;
  /** CPU time of the receiving load-generator processes over the same window. */
  clientCpuSeconds: number;
}

/** Sockets per load-generator process: each process may hold at most 20,000 descriptors here. */
const SOCKETS_PER_WORKER = 10_000;
/** Deliveries still missing this long after the last broadcast count as lost. */
const LOST_AFTER_MS = 15_000;

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

function concat(parts: readonly Float64Array[]): Float64Array {
  const all = new Float64Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) (all.set(part, offset), (offset += part.length));
  return all;
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
/**
 * Each run's sockets come from fresh loopback source addresses, so the ports its predecessors left
 * in TIME_WAIT never run out (20,000 sockets to one server port need 20,000 source ports).
 */
let sourceBlock = 0;

export async function runFanOut(options: {
  /** The server's instances (one, but where a process cannot hold `connections` sockets). */
  servers: readonly BenchServer[];
  /** The processes whose CPU time is read over the window (the server's, its database backends). */
  watched: Record<string, number[]>;
  token: string;
  connections: number;
  events: number;
  /** Broadcasts sent before the window, at the same pace. */
  warmUpEvents: number;
  intervalMs: number;
  /** Called just before the measured window opens and just after it closes (to profile it). */
  measured?: (phase: 'start' | 'end') => Promise<void>;
}): Promise<FanOutResult> {
  const { servers, token, connections, events } = options;
  const [server] = servers;
  if (!server) throw new Error('runFanOut: no server');
  const settledRss = async () => {
    for (const instance of servers) {
      const inspector = await instance.inspect();
      await inspector.collectGarbage();
      inspector.close();
    }
    await sleep(500);
    return servers.reduce((sum, instance) => sum + rssOf(instance.pid), 0);
  };
  const before = await settledRss();
  // A whole number of processes per instance, so every instance holds the same share.
  const processes = Math.ceil(Math.ceil(connections / SOCKETS_PER_WORKER) / servers.length) * servers.length;
  const shares = Array.from({ length: processes }, (_, i) => Math.floor(connections / processes) + (i < connections % processes ? 1 : 0));
  const workers: WsWorker[] = [];
  try {
    for (const _ of shares) workers.push(await startWsWorker());
    const block = 1 + (sourceBlock++ % 250);
    await Promise.all(
      workers.map(async (worker, i) => {
        worker.send({ cmd: 'open', baseUrl: servers[i % servers.length]!.url, token, count: shares[i]!, legacy: Math.floor(shares[i]! / 2), localAddress: `127.0.${block}.${10 + i}` });
        await worker.next('opened');
      }),
    );
    await sleep(1_000);
    const bytesPerConnection = ((await settledRss()) - before) / connections;
    await Promise.all(workers.map(async (worker) => (worker.send({ cmd: 'subscribe' }), await worker.next('subscribed'))));
    const expect = (perSocket: number) =>
      Promise.all(workers.map(async (worker, i) => (worker.send({ cmd: 'expect', deliveries: perSocket * shares[i]! }), await worker.next('expecting'))));
    const collect = () =>
      Promise.all(workers.map(async (worker) => (worker.send({ cmd: 'collect', timeoutMs: LOST_AFTER_MS }), await worker.next('collected'))));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const broadcast = async (i: number) => {
      const body = JSON.stringify({ json: { message: `fanout:${i}:${monotonicUs()}` } });
      const status = await post(agent, server.url, '/trpc/system.broadcast', token, body);
      if (status !== 200) throw new Error(`broadcast answered ${status}`);
    };

    /** Sends `count` broadcasts `intervalMs` apart from `startMs` (monotonic), numbered from `first`. */
    const paced = async (startMs: number, count: number, first: number) => {
      for (let i = 0; i < count; i++) {
        const wait = startMs + i * options.intervalMs - monotonicUs() / 1000;
        if (wait > 0) await sleep(wait);
        await broadcast(first + i);
      }
    };

    // A warm-up before the window, as the closed-loop workloads have: the first broadcasts after the
    // sockets subscribed run cold code and meet the garbage the subscriptions left. The window
    // continues the warm-up's pace (its first broadcast is one interval after the warm-up's last,
    // not as soon as that was read), and the warm-up's latency is kept apart (`warmUp`).
    const warmUpMs = monotonicUs() / 1000;
    await expect(options.warmUpEvents);
    await paced(warmUpMs, options.warmUpEvents, -options.warmUpEvents);
    const warmUpLatencies = concat((await collect()).map((c) => c.latencies));

    await expect(events);
    const windowMs = warmUpMs + options.warmUpEvents * options.intervalMs;
    const early = windowMs - monotonicUs() / 1000;
    if (early > 0) await sleep(early);
    await options.measured?.('start');
    const window = startCpuWindow(options.watched, [SERVER_CORE, LOAD_CORE]);
    const firstUs = monotonicUs();
    await paced(firstUs / 1000, events, 0);
    agent.destroy();
    const collected = await collect();
    const cpu = window.end();
    await options.measured?.('end');
    const delivered = collected.reduce((sum, c) => sum + c.delivered, 0);
    const lastUs = Math.max(...collected.map((c) => c.lastDeliveryUs));
    const latencies = concat(collected.map((c) => c.latencies));
    await Promise.all(workers.map(async (worker) => (worker.send({ cmd: 'close' }), await worker.next('closed'))));
    return {
      bytesPerConnection,
      delivered,
      lost: events * connections - delivered,
      deliveriesPerSecond: (delivered * 1e6) / (lastUs - firstUs),
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      warmUp: { events: options.warmUpEvents, lost: options.warmUpEvents * connections - warmUpLatencies.length, p99: quantile(warmUpLatencies, 0.99) },
      cpu,
      clientCpuSeconds: collected.reduce((sum, c) => sum + c.cpuSeconds, 0),
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}
