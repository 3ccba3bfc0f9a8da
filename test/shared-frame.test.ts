// Differential test of shared-frame.ts against ws: the same messages, sent once with `ws.send` and
// once as SharedFrames written straight to the socket, reach a raw TCP client as identical bytes, at
// every header length RFC 6455 has (7-bit, 16-bit and 64-bit lengths, and their edges); a stock ws
// client reads them, in order, as text messages; and where a socket compresses (permessage-deflate)
// or was not accepted through acceptUpgrade, a shared frame goes through ws.send instead.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type ServerOptions } from 'ws';
import { acceptUpgrade, SharedFrame, sendText } from '../server/src/transports/shared-frame';

const SIZES = [0, 1, 125, 126, 127, 65_535, 65_536, 70_000];
const payloadOf = (size: number) => Buffer.from(Array.from({ length: size }, (_, i) => String.fromCharCode(97 + (i % 26))).join(''));

let server: Server | undefined;
/** Upgraded sockets leave the HTTP server's books: a test that fails before closing its client would otherwise hold close() until the hook times out. */
const upgraded = new Set<Duplex>();
afterEach(async () => {
  for (const socket of upgraded) socket.destroy();
  upgraded.clear();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A noServer WebSocketServer behind an HTTP server on port 0; resolves each accepted socket in turn. */
async function listen(options: ServerOptions = {}, accept = acceptUpgrade) {
  const wss = new WebSocketServer({ noServer: true, ...options });
  server = createServer();
  server.on('upgrade', (req, socket, head) => {
    upgraded.add(socket);
    accept(wss, req, socket, head);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const nextSocket = () => once(wss, 'connection').then(([ws]) => ws as WebSocket);
  return { port, nextSocket };
}

/** The bytes a raw TCP client reads after the handshake, until `length` of them have come. */
async function rawClient(port: number) {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    'GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  let received = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  const frames = async (length: number) => {
    await expect.poll(() => received.length - received.indexOf('\r\n\r\n') - 4, { timeout: 5_000 }).toBeGreaterThanOrEqual(length);
    return received.subarray(received.indexOf('\r\n\r\n') + 4);
  };
  return { frames, close: () => socket.destroy() };
}

describe('shared frames', () => {
  it('are the bytes ws.send writes, at every header length', async () => {
    const { port, nextSocket } = await listen();
    const accepted = nextSocket();
    const client = await rawClient(port);
    const ws = await accepted;
    const payloads = SIZES.map(payloadOf);
    for (const payload of payloads) ws.send(payload, { binary: false });
    for (const payload of payloads) sendText(ws, new SharedFrame(payload));
    const half = payloads.reduce((sum, payload) => sum + payload.length + (payload.length < 126 ? 2 : payload.length < 65_536 ? 4 : 10), 0);
    const bytes = await client.frames(2 * half);
    expect(bytes.length).toBe(2 * half);
    expect(bytes.subarray(half).equals(bytes.subarray(0, half))).toBe(true);
    client.close();
  });

  it('reach a stock ws client as text messages, in order with the frames ws writes', async () => {
    const { port, nextSocket } = await listen();
    const accepted = nextSocket();
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    const messages: [string, boolean][] = [];
    client.on('message', (data, isBinary) => messages.push([data.toString(), isBinary]));
    await once(client, 'open');
    const ws = await accepted;
    const shared = new SharedFrame(payloadOf(200));
    sendText(ws, 'before');
    sendText(ws, shared);
    sendText(ws, Buffer.from('after'));
    sendText(ws, shared);
    await expect.poll(() => messages.length).toBe(4);
    expect(messages).toEqual([
      ['before', false],
      [payloadOf(200).toString(), false],
      ['after', false],
      [payloadOf(200).toString(), false],
    ]);
    client.close();
  });

  /** ws's own way of completing an upgrade, which leaves the socket unknown to shared-frame.ts. */
  const plainUpgrade: typeof acceptUpgrade = (wss, req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));

  it.each([
    ['compresses', { perMessageDeflate: true }, acceptUpgrade],
    ['was not accepted through acceptUpgrade', {}, plainUpgrade],
  ] as const)('go through ws.send on a socket that %s', async (_, options, accept) => {
    const { port, nextSocket } = await listen(options, accept);
    const accepted = nextSocket();
    const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: 'perMessageDeflate' in options });
    const messages: string[] = [];
    client.on('message', (data) => messages.push(data.toString()));
    await once(client, 'open');
    const ws = await accepted;
    expect(ws.extensions !== '').toBe('perMessageDeflate' in options);
    // Long enough to be compressed, which ws does asynchronously: a frame written past it would overtake it.
    const long = 'one'.repeat(1_000);
    for (const text of [long, 'two', 'three']) sendText(ws, text === 'two' ? new SharedFrame(Buffer.from(text)) : text);
    await expect.poll(() => messages).toEqual([long, 'two', 'three']);
    client.close();
  });
});
