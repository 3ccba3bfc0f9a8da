// tRPC's WebSocket keep-alive, server side: a socket quiet for `pingMs` gets a `PING` text frame
// (the standard client answers `PONG`), and one that sends nothing for `pongWaitMs` after that is
// terminated. One timer sweeps every socket, instead of two timers per socket re-armed on every
// message as @trpc/server's adapter does; a connection only records when it last heard anything.
import type { WebSocket } from 'ws';
import type { ConnectionActivity } from './connection';

export interface KeepAliveOptions {
  pingMs: number;
  pongWaitMs: number;
}

/** Starts the sweep over `connections` (kept up to date by the transport); returns a stop function. */
export function keepConnectionsAlive(
  connections: ReadonlyMap<WebSocket, Pick<ConnectionActivity, 'lastMessageAt'>>,
  { pingMs, pongWaitMs }: KeepAliveOptions,
): () => void {
  const pingSentAt = new WeakMap<WebSocket, number>();
  const timer = setInterval(() => {
    const now = Date.now();
    for (const [ws, activity] of connections) {
      const pinged = pingSentAt.get(ws);
      if (pinged !== undefined && activity.lastMessageAt < pinged) {
        if (now - pinged >= pongWaitMs) ws.terminate();
      } else if (now - activity.lastMessageAt >= pingMs) {
        ws.send('PING');
        pingSentAt.set(ws, now);
      }
    }
  }, pongWaitMs / 2);
  timer.unref();
  return () => clearInterval(timer);
}
