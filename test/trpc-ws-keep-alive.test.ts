// The tRPC-WS keep-alive sweep: a quiet socket gets PING; one that answers (as the standard client
// does, with PONG) stays, one that stays silent is terminated.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { ConnectionActivity } from '../server/src/transports/trpc-ws/connection';
import { keepConnectionsAlive } from '../server/src/transports/trpc-ws/keep-alive';

describe('tRPC-WS keep-alive', () => {
  let wss: WebSocketServer;
  let url: string;
  let stop: () => void;
  const connections = new Map<WebSocket, Pick<ConnectionActivity, 'lastMessageAt'>>();
  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    wss.on('connection', (ws) => {
      const activity = { lastMessageAt: Date.now() };
      connections.set(ws, activity);
      ws.on('message', () => (activity.lastMessageAt = Date.now()));
      ws.once('close', () => connections.delete(ws));
    });
    stop = keepConnectionsAlive(connections, { pingMs: 100, pongWaitMs: 200 });
  });
  afterAll(async () => {
    stop();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  it('pings quiet sockets, keeps those that answer and terminates those that do not', async () => {
    const open = async (answer: boolean) => {
      const ws = new WebSocket(url);
      const state = { pings: 0, closed: false };
      ws.on('message', (raw) => {
        if (raw.toString() !== 'PING') return;
        state.pings++;
        if (answer) ws.send('PONG');
      });
      ws.on('close', () => (state.closed = true));
      await once(ws, 'open');
      return { ws, state };
    };
    const answering = await open(true);
    const silent = await open(false);
    await vi.waitFor(() => expect(silent.state.closed).toBe(true), { timeout: 5_000, interval: 20 });
    expect(silent.state.pings).toBe(1);
    await vi.waitFor(() => expect(answering.state.pings).toBeGreaterThanOrEqual(3), { timeout: 5_000, interval: 20 });
    expect(answering.state.closed).toBe(false);
    expect(connections.size).toBe(1);
    answering.ws.close();
  });
});
