// What a delivered subscription event costs the server, in CPU µs, with the project's tRPC-WS
// connection handler (transports/trpc-ws/connection.ts) and with tRPC's own
// (`getWSConnectionHandler` from @trpc/server/adapters/ws), on the same app, router and context.
// Sockets are stand-ins that count frames, so only the handlers' own work is measured (writing to a
// real socket costs both the same). This is the measurement behind keeping the custom transport
// (docs/trpc-compat.md); re-run it on a tRPC upgrade:
//   npx tsx bench/ws-handler-cost.ts [subscribers=2000] [events=20]
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { getWSConnectionHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { createApp, loadConfig } from '../server/src';
import { appRouter } from '../server/src/routers';
import { createContextFactory } from '../server/src/transports/context-factory';
import { serveConnection } from '../server/src/transports/trpc-ws/connection';
import { createFrameEncoder } from '../server/src/transports/trpc-ws/frames';
import { pino } from 'pino';

const SUBSCRIBERS = Number(process.argv[2] ?? 2_000);
const EVENTS = Number(process.argv[3] ?? 20);

/** Data frames sent to every socket so far, and who waits for a number of them. */
let delivered = 0;
let waiting: { count: number; resolve(): void } | undefined;
const deliveries = (count: number) => new Promise<void>((resolve) => (waiting = delivered >= count ? (resolve(), undefined) : { count, resolve }));

/** Just enough of a `ws` socket for both handlers: frames sent are counted, not written. */
class CountingSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  started = false;
  send(frame: string | Buffer): void {
    if (frame.includes('"type":"data"')) {
      if (++delivered === waiting?.count) waiting.resolve();
    } else if (frame.includes('"type":"started"')) this.started = true;
  }
  close(): void {
    this.readyState = 3;
    this.emit('close');
  }
  terminate(): void {
    this.close();
  }
}

// Redis as deployed (REDIS_URL, default the local one) under a key prefix of its own; the database is embedded.
const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  RATE_LIMIT_ENABLED: 'false',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  REDIS_KEY_PREFIX: `bench-ws-handler:${randomBytes(4).toString('hex')}:`,
});
const app = await createApp(config, pino({ level: 'silent' }));
const user = await app.services.auth.authenticate((await app.services.auth.login('writer', 'writer')).access_token);
const contexts = createContextFactory(app.services, []);
const req = { headers: {}, url: '/trpc', socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage;
const subscribe = Buffer.from(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'system.onBroadcast' } }));
const noMetrics = { accepted() {}, rejected() {}, closed() {}, received() {}, sent() {} };

/** One encoder for every socket, as the transport has: it is what shares an event's frame. */
const frames = createFrameEncoder(appRouter._def._config);

const stockHandler = getWSConnectionHandler({
  // Its options type asks for the server `applyWSSHandler` would listen on; the handler does not use it.
  wss: new WebSocketServer({ noServer: true }),
  router: appRouter,
  createContext: () => contexts.forConnection(contexts.describeConnection(req, 'ws'), user)(),
});

const handlers: Record<string, (socket: CountingSocket) => void> = {
  project: (socket) =>
    void serveConnection(socket as unknown as WebSocket, {
      router: appRouter,
      frames,
      metrics: noMetrics,
      openSession: async () => contexts.forConnection(contexts.describeConnection(req, 'ws'), user),
      refuse: () => socket.close(),
      limits: { maxBatchSize: 50, maxSubscriptions: 100, authTimeoutMs: 5_000 },
      expectsConnectionParams: false,
    }),
  'tRPC getWSConnectionHandler': (socket) => stockHandler(socket as unknown as WebSocket, req),
};

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

for (const [name, serve] of Object.entries(handlers).filter(([name]) => !process.env.ONLY || name === process.env.ONLY)) {
  const sockets = Array.from({ length: SUBSCRIBERS }, () => new CountingSocket());
  for (const socket of sockets) {
    serve(socket);
    socket.emit('message', subscribe, false);
  }
  await until(() => sockets.every((socket) => socket.started));
  delivered = 0;
  await app.services.events.publish({ type: 'broadcast', message: 'warm-up', from: 'bench' });
  await deliveries(SUBSCRIBERS);
  const before = process.cpuUsage();
  const done = deliveries(SUBSCRIBERS * (EVENTS + 1));
  for (let event = 0; event < EVENTS; event++) await app.services.events.publish({ type: 'broadcast', message: `event ${event}`, from: 'bench' });
  await done;
  const used = process.cpuUsage(before);
  const microseconds = (used.user + used.system) / (SUBSCRIBERS * EVENTS);
  console.log(`${name}: ${microseconds.toFixed(2)} µs CPU per delivered event (${SUBSCRIBERS} subscribers × ${EVENTS} events)`);
  for (const socket of sockets) socket.close();
}
await app.close();
