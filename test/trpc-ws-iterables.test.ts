// Subscriptions that return a plain async iterable (not an event feed) still work over the tRPC-WS
// transport: started, each value, stopped when the iterable ends; a stop ends it and runs its cleanup.
// And a socket's close ends what runs on it: its subscriptions, and the signal of its calls.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { connectionMetrics } from '../server/src/observability/transport-metrics';
import { createMetrics } from '../server/src/observability/metrics';
import { serveConnection } from '../server/src/transports/trpc-ws/connection';
import { createFrameEncoder } from '../server/src/transports/trpc-ws/frames';
import type { Context } from '../server/src/trpc/context';
import { baseProcedure, router } from '../server/src/trpc/init';

let cleanedUp = 0;
const callSignals: AbortSignal[] = [];
const testRouter = router({
  /** Answers once its signal aborts. */
  waitForAbort: baseProcedure.query(async ({ signal }) => {
    callSignals.push(signal!);
    await new Promise((resolve) => signal!.addEventListener('abort', resolve));
    return 'aborted';
  }),
  count: baseProcedure.subscription(async function* () {
    for (let n = 1; n <= 3; n++) yield n;
  }),
  forever: baseProcedure.subscription(async function* () {
    try {
      for (let n = 1; ; n++) {
        yield n;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      cleanedUp++;
    }
  }),
});

describe('tRPC-WS with plain async iterables', () => {
  let wss: WebSocketServer;
  let url: string;
  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    const metrics = connectionMetrics(createMetrics('test'), 'ws');
    wss.on('connection', (ws) =>
      serveConnection(ws, {
        router: testRouter,
        frames: createFrameEncoder(testRouter._def._config),
        metrics,
        openSession: async () => () => ({ user: null }) as unknown as Context,
        refuse: () => ws.close(),
        limits: { maxBatchSize: 50, maxSubscriptions: 100, authTimeoutMs: 5_000 },
        expectsConnectionParams: false,
      }),
    );
  });
  afterAll(() => new Promise<void>((resolve) => wss.close(() => resolve())));

  async function open() {
    const ws = new WebSocket(url);
    const frames: { id: number; result?: { type: string; data?: { json: unknown } } }[] = [];
    ws.on('message', (raw) => frames.push(JSON.parse(raw.toString())));
    await once(ws, 'open');
    return { ws, frames };
  }

  it('streams every value, then stopped when the iterable ends', async () => {
    const { ws, frames } = await open();
    ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'count', input: { json: undefined } } }));
    await vi.waitFor(() => expect(frames).toHaveLength(5));
    expect(frames.map((frame) => frame.result?.data?.json ?? frame.result?.type)).toEqual(['started', 1, 2, 3, 'stopped']);
    ws.close();
  });

  it('ends the iterable on subscription.stop, running its cleanup', async () => {
    const { ws, frames } = await open();
    ws.send(JSON.stringify({ id: 7, method: 'subscription', params: { path: 'forever', input: { json: undefined } } }));
    await vi.waitFor(() => expect(frames.length).toBeGreaterThanOrEqual(3));
    ws.send(JSON.stringify({ id: 7, method: 'subscription.stop' }));
    await vi.waitFor(() => expect(frames.at(-1)?.result?.type).toBe('stopped'));
    await vi.waitFor(() => expect(cleanedUp).toBe(1));
    ws.close();
  });

  it('aborts the signal of the calls still running and ends the subscriptions when the socket closes', async () => {
    const { ws, frames } = await open();
    ws.send(JSON.stringify({ id: 8, method: 'subscription', params: { path: 'forever', input: { json: undefined } } }));
    ws.send(JSON.stringify({ id: 9, method: 'query', params: { path: 'waitForAbort', input: { json: undefined } } }));
    await vi.waitFor(() => expect(callSignals).toHaveLength(1));
    await vi.waitFor(() => expect(frames.length).toBeGreaterThanOrEqual(2));
    expect(callSignals[0]!.aborted).toBe(false);
    ws.close();
    await vi.waitFor(() => expect(callSignals[0]!.aborted).toBe(true));
    await vi.waitFor(() => expect(cleanedUp).toBe(2));
  });
});
