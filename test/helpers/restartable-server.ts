// An in-process server that can be stopped — gracefully, by its own shutdown, or as a crash, every
// connection reset without a word — and started again on the same port, so that clients reconnecting
// to the address they knew find it again. For the differential suite's restart cases: the project's
// app and the stock reference server each run behind one.
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RunningServer {
  server: Server;
  /** The graceful shutdown; after a crash, it releases what is left. */
  shutdown(): Promise<void>;
}

export interface RestartableServer extends AsyncDisposable {
  readonly url: string;
  /** Stops it: `graceful` runs its shutdown; `crash` stops accepting and resets every connection first. */
  stop(how: 'graceful' | 'crash'): Promise<void>;
  start(): Promise<void>;
}

export async function startRestartable(start: (port: number) => Promise<RunningServer>): Promise<RestartableServer> {
  const connections = new Set<Socket>();
  const run = async (port: number) => {
    const running = await start(port);
    running.server.on('connection', (socket: Socket) => {
      connections.add(socket);
      socket.once('close', () => connections.delete(socket));
    });
    return running;
  };
  let running: RunningServer | undefined = await run(0);
  const { port } = running.server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    async stop(how) {
      const stopping = running;
      running = undefined;
      if (!stopping) return;
      if (how === 'crash') {
        stopping.server.close();
        for (const socket of connections) socket.resetAndDestroy();
        // Released only once every socket is gone, so that nothing of the shutdown reaches a client.
        const deadline = Date.now() + 5_000;
        while (connections.size > 0) {
          if (Date.now() > deadline) throw new Error(`${connections.size} connections outlived the crash`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      await stopping.shutdown();
    },
    async start() {
      running ??= await run(port);
    },
    async [Symbol.asyncDispose]() {
      await running?.shutdown();
      running = undefined;
    },
  };
}
