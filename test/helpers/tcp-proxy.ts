// A TCP proxy in front of a real service (Redis, PostgreSQL…) to make it unreachable without stopping
// the shared instance: `cut()` drops every connection and refuses new ones, `restore()` lets them in again.
import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy extends AsyncDisposable {
  /** The port the proxy listens on (127.0.0.1). */
  port: number;
  /** `target` with its port replaced by the proxy's, e.g. `redis://127.0.0.1:<port>`. */
  url(target: string): string;
  /**
   * Resets (TCP RST) every open connection and refuses (accepts and resets) new ones until `restore()`,
   * as a dropped link or a stopped service would. A reset, not a clean close: a clean close during a
   * client's handshake reads as "try again" to some drivers (postgres.js reconnects in a loop).
   */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let isCut = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const server = createServer((client) => {
    track(client);
    if (isCut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream).pipe(client);
    // Either side failing or closing takes the pair down, as a dropped link would.
    const teardown = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.once('error', teardown);
      socket.once('close', teardown);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');

  const close = async () => {
    isCut = true;
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    port: address.port,
    url(targetUrl) {
      const url = new URL(targetUrl);
      url.hostname = '127.0.0.1';
      url.port = String(address.port);
      return url.toString();
    },
    cut() {
      isCut = true;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    restore() {
      isCut = false;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
