// A bare WebSocket speaking tRPC's WS protocol by hand, for tests about what the server does to
// sockets (close codes, slow readers) that the tRPC client would hide behind its reconnects.
import WebSocket from 'ws';

export interface RawTrpcSocket {
  socket: WebSocket;
  messages: { id?: number | string | null; result?: { type: string }; error?: { json?: { data?: { code?: string } } } }[];
  closed: Promise<{ code: number; reason: string }>;
  subscribe(id: number, path: string, input?: unknown): void;
}

/** Opens `/trpc` and sends `connectionParams` (`{ token }` when given) first, as wsLink does. */
export async function openRawTrpcSocket(baseUrl: string, token?: string): Promise<RawTrpcSocket> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/trpc?connectionParams=1`);
  const messages: RawTrpcSocket['messages'] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  socket.on('message', (raw) => {
    const text = raw.toString();
    // tRPC's keep-alive: the server drops a socket that does not answer its PING.
    if (text === 'PING') socket.send('PONG');
    else if (text !== 'PONG') messages.push(JSON.parse(text));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ method: 'connectionParams', data: token ? { token } : {} }));
  return {
    socket,
    messages,
    closed,
    subscribe: (id, path, input = {}) =>
      socket.send(JSON.stringify({ id, method: 'subscription', params: { path, input: { json: input } } })),
  };
}
