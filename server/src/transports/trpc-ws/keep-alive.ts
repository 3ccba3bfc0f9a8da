// tRPC's WebSocket keep-alive, server side: a socket quiet for `pingMs` gets a `PING` text frame
// (the standard client answers `PONG`), and one that sends nothing for `pongWaitMs` after that is
// terminated. One timer sweeps every socket, instead of two timers per socket re-armed on every
// message as @trpc/server's adapter does; a connection only records when it last heard anything.
// The sweep runs ten times per the shorter period, so each deadline is kept within a tenth of it
// (with 30 s / 10 s: PING after 30–31 s of quiet, the end 10–11 s later).
import type { WebSocket } from 'ws';
import type { ConnectionActivity } from './connection';

const SWEEPS_PER_PERIOD = 10;

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
  }, Math.min(pingMs, pongWaitMs) / SWEEPS_PER_PERIOD);
  timer.unref();
  return () => clearInterval(timer);
}
