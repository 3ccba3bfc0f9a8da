// The WebSocket load generator: a child process of the harness (on the load core, like the harness)
// driving raw frames over `ws` — no tRPC client, no JSON parsing of answers — so it costs less per
// message than the server it measures. Commands arrive over IPC (ws-workers.ts is the other end):
//   closedLoop  `connections` sockets (legacy GET_AUTHORS or tRPC-WS authors.list), each sending its
//               next request when the previous answer arrives; 'started' and 'finished' mark the
//               measured window for the harness's CPU readings.
//   open / subscribe / expect / collect / close   the fan-out receivers: idle authenticated sockets
//               (legacy and tRPC), the tRPC ones then subscribed to system.onBroadcast; every frame
//               carrying `fanout:<event>:<sent at, µs>` is one delivery, timed against the monotonic
//               clock the sender read (the same clock in every process).
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { Latencies } from '../stats';
import type { LoadResult } from './result';
import type { WorkerCommand, WorkerReply } from './ws-workers';

const reply = (message: WorkerReply): void => void process.send!(message);
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
const wsUrl = (baseUrl: string, path: string) => `${baseUrl.replace(/^http/, 'ws')}${path}`;
/** Answers are recognised from their first bytes; the rest is never decoded. */
const headOf = (data: WebSocket.RawData) => (data as Buffer).subarray(0, 96).toString('latin1');

function connect(url: string, localAddress?: string): WebSocket {
  return new WebSocket(url, { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
}

/** A legacy socket, resolved once the server said `auth_ok`. */
function openLegacy(baseUrl: string, token: string, localAddress?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = connect(wsUrl(baseUrl, `/web?token=${token}`), localAddress);
    ws.once('message', (data) => (headOf(data).includes('auth_ok') ? resolve(ws) : reject(new Error(`no auth_ok: ${headOf(data)}`))));
    ws.once('error', reject);
    ws.once('close', (code) => reject(new Error(`legacy socket closed: ${code}`)));
  });
}

/**
 * A tRPC socket that has sent its connectionParams (as wsLink does); the server authenticates it
 * then. It answers the server's keep-alive `PING` with `PONG`, as wsLink does, or a socket quiet
 * for a while (an idle fan-out receiver) would be dropped.
 */
function openTrpc(baseUrl: string, token: string, localAddress?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = connect(wsUrl(baseUrl, '/trpc?connectionParams=1'), localAddress);
    ws.on('message', (data) => {
      if ((data as Buffer).length === 4 && data.toString() === 'PING') ws.send('PONG');
    });
    ws.once('open', () => {
      ws.send(JSON.stringify({ method: 'connectionParams', data: { token } }));
      resolve(ws);
    });
    ws.once('error', reject);
  });
}

/** Runs `open` `count` times, at most `concurrency` at once. */
async function openMany<T>(count: number, concurrency: number, open: (i: number) => Promise<T>): Promise<T[]> {
  const opened: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      opened[i] = await open(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return opened;
}

async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(
    sockets.map((ws) => {
      if (ws.readyState === ws.CLOSED) return undefined;
      const closed = new Promise((resolve) => ws.once('close', resolve));
      ws.terminate();
      return closed;
    }),
  );
}

/** One protocol's request frame and how its answer reads. */
interface Protocol {
  open(baseUrl: string, token: string): Promise<WebSocket>;
  request(socket: number, sequence: number): string;
  /** null: not an answer to us (a push); true/false: success or error. */
  outcome(head: string): boolean | null;
}

function protocolOf(name: 'legacy' | 'trpc', search: string): Protocol {
  if (name === 'legacy') {
    const data = JSON.stringify({ filters: { name: search } });
    return {
      open: openLegacy,
      request: (socket, sequence) => `{"pkg_id":1,"req_id":"${socket}-${sequence}","data":${data}}`,
      outcome: (head) => (head.startsWith('{"pkg_id":1,"req_id":"00000000-') ? null : head.includes('"status_code":0')),
    };
  }
  const params = JSON.stringify({ path: 'authors.list', input: { json: { name: search } } });
  return {
    open: openTrpc,
    request: (_socket, sequence) => `{"id":${sequence},"method":"query","params":${params}}`,
    outcome: (head) => head.includes('"result":{"type":"data"'),
  };
}

async function closedLoop(command: Extract<WorkerCommand, { cmd: 'closedLoop' }>): Promise<void> {
  const protocol = protocolOf(command.protocol, command.search);
  const sockets = await openMany(command.connections, 50, () => protocol.open(command.baseUrl, command.token));
  const latencies = new Latencies();
  let errors = 0;
  let deadline = Number.POSITIVE_INFINITY;
  let lastAnswer = 0;
  // One unmeasured request per socket first: a tRPC socket is authenticated by it, and both
  // protocols' sockets have their first-use costs behind them.
  const drive = (ws: WebSocket, socket: number, measured: boolean) =>
    new Promise<void>((resolve) => {
      let sequence = 0;
      let sent = 0;
      const sendNext = () => {
        if (!measured || performance.now() >= deadline) {
          ws.off('message', onMessage);
          return resolve();
        }
        sent = performance.now();
        ws.send(protocol.request(socket, ++sequence));
      };
      const onMessage = (data: WebSocket.RawData) => {
        const ok = protocol.outcome(headOf(data));
        if (ok === null) return;
        lastAnswer = performance.now();
        if (!measured) return sendNext();
        if (ok) latencies.add(lastAnswer - sent);
        else errors++;
        sendNext();
      };
      ws.on('message', onMessage);
      ws.once('close', () => resolve());
      if (measured) sendNext();
      else ws.send(protocol.request(socket, 0));
    });
  await Promise.all(sockets.map((ws, i) => drive(ws, i, false)));
  reply({ type: 'started' });
  const cpuAtStart = process.cpuUsage();
  const start = performance.now();
  deadline = start + command.durationMs;
  await Promise.all(sockets.map((ws, i) => drive(ws, i, true)));
  const elapsed = lastAnswer - start;
  const result: LoadResult = {
    ok: latencies.length,
    errors,
    perSecond: (latencies.length * 1000) / elapsed,
    p50: latencies.quantile(0.5),
    p99: latencies.quantile(0.99),
    clientCpuSeconds: (({ user, system }) => (user + system) / 1e6)(process.cpuUsage(cpuAtStart)),
  };
  reply({ type: 'finished', result });
  await closeAll(sockets);
  reply({ type: 'closed' });
}

// --- fan-out receivers -------------------------------------------------------------------------
let receivers: WebSocket[] = [];
let expected = 0;
let delivered = 0;
let lastDeliveryUs = 0;
let latencies = new Latencies();
let cpuAtExpect = process.cpuUsage();
let allDelivered: () => void = () => {};

const MARK = Buffer.from('fanout:');
function onDelivery(data: WebSocket.RawData): void {
  const frame = data as Buffer;
  let at = frame.indexOf(MARK);
  if (at === -1) return;
  at = frame.indexOf(58 /* ':' */, at + MARK.length) + 1; // skip the event number
  let sentUs = 0;
  for (let c = frame[at]!; c >= 48 && c <= 57; c = frame[++at]!) sentUs = sentUs * 10 + (c - 48);
  lastDeliveryUs = monotonicUs();
  latencies.add((lastDeliveryUs - sentUs) / 1000);
  if (++delivered === expected) allDelivered();
}

async function subscribeAll(): Promise<void> {
  const trpc = receivers.filter((ws) => ws.url.includes('/trpc'));
  let started = 0;
  await new Promise<void>((resolve, reject) => {
    if (trpc.length === 0) return resolve();
    const timer = setTimeout(() => reject(new Error(`only ${started}/${trpc.length} subscriptions started`)), 60_000);
    for (const ws of trpc) {
      const onStarted = (data: WebSocket.RawData) => {
        if (!headOf(data).includes('"started"')) return;
        ws.off('message', onStarted);
        if (++started === trpc.length) {
          clearTimeout(timer);
          resolve();
        }
      };
      ws.on('message', onStarted);
      ws.send('{"id":1,"method":"subscription","params":{"path":"system.onBroadcast","input":{"json":null}}}');
    }
  });
}

process.on('message', (command: WorkerCommand) => {
  const run = async (): Promise<void> => {
    switch (command.cmd) {
      case 'closedLoop':
        return closedLoop(command);
      case 'open':
        receivers = await openMany(command.count, 100, (i) =>
          i < command.legacy ? openLegacy(command.baseUrl, command.token, command.localAddress) : openTrpc(command.baseUrl, command.token, command.localAddress),
        );
        for (const ws of receivers) ws.on('message', onDelivery);
        return reply({ type: 'opened' });
      case 'subscribe':
        await subscribeAll();
        return reply({ type: 'subscribed' });
      case 'expect':
        expected = command.deliveries;
        delivered = 0;
        latencies = new Latencies();
        cpuAtExpect = process.cpuUsage();
        return reply({ type: 'expecting' });
      case 'collect': {
        const done = new Promise<void>((resolve) => (allDelivered = resolve));
        if (delivered < expected) await Promise.race([done, new Promise((resolve) => setTimeout(resolve, command.timeoutMs))]);
        const { user, system } = process.cpuUsage(cpuAtExpect);
        return reply({ type: 'collected', delivered, lastDeliveryUs, latencies: latencies.values(), cpuSeconds: (user + system) / 1e6 });
      }
      case 'close':
        await closeAll(receivers);
        receivers = [];
        return reply({ type: 'closed' });
    }
  };
  run().catch((error: unknown) => reply({ type: 'failed', message: error instanceof Error ? error.stack ?? error.message : String(error) }));
});
