// What every WebSocket transport enforces on an authenticated socket, written once: the per-user
// connection limit across instances (close 1008), the end of the token's life (close 4001), and
// metrics for both. The transport calls `admit` after authenticating and gets a release function.
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { User } from '../auth/user';
import type { Logger } from '../observability/logger';
import type { ConnectionMetrics } from '../observability/transport-metrics';
import type { ConnectionRegistry } from '../state/connection-registry';

export const CloseCode = {
  GOING_AWAY: 1001,
  POLICY_VIOLATION: 1008,
  INTERNAL_ERROR: 1011,
  SERVER_RESTART: 1012,
  INVALID_TOKEN: 4001,
} as const;

export const TOO_MANY_CONNECTIONS = 'Maximum concurrent connections exceeded';

/** A socket with more unsent bytes than this is not reading: it is cut off rather than buffered. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Closes after the current turn, so that the error answer the transport is about to send (tRPC's
 * UNAUTHORIZED for the pending calls) goes out before the close frame.
 */
function closeSoon(ws: WebSocket, code: number, reason: string): void {
  setImmediate(() => ws.close(code, reason));
}

export interface SocketGuard {
  /**
   * Registers the socket for `user`; false (and the socket closed with 1008) when over the limit.
   * `beforeExpiryClose` runs when the token expires, just before the 4001 close (to say why first).
   */
  admit(ws: WebSocket, user: User, beforeExpiryClose?: () => void): Promise<boolean>;
  /** Closes a socket whose authentication failed with 4001, counting the refusal. */
  refuse(ws: WebSocket, reason: string): void;
}

export function createSocketGuard(options: {
  registry: ConnectionRegistry;
  metrics: ConnectionMetrics;
  logger: Logger;
}): SocketGuard {
  const { registry, metrics, logger } = options;
  return {
    async admit(ws, user, beforeExpiryClose) {
      const connectionId = randomUUID();
      const { allowed } = await registry.register(user.sub, connectionId);
      if (!allowed || ws.readyState !== ws.OPEN) {
        if (allowed) await registry.unregister(user.sub, connectionId);
        else {
          metrics.rejected();
          closeSoon(ws, CloseCode.POLICY_VIOLATION, TOO_MANY_CONNECTIONS);
        }
        return false;
      }
      metrics.accepted();
      const lifetimeMs = user.expiresAt === undefined ? Infinity : user.expiresAt * 1000 - Date.now();
      // setTimeout cannot wait longer than 2^31-1 ms; a token living that long just outlives the timer.
      const expiry =
        lifetimeMs <= MAX_TIMER_MS
          ? setTimeout(() => {
              beforeExpiryClose?.();
              ws.close(CloseCode.INVALID_TOKEN, 'Token expired');
            }, Math.max(lifetimeMs, 0))
          : undefined;
      // 'close' comes once: `on` spares the wrapper `once` would add to every socket.
      ws.on('close', () => {
        clearTimeout(expiry);
        metrics.closed();
        registry
          .unregister(user.sub, connectionId)
          .catch((error: unknown) => logger.warn({ err: error }, 'failed to unregister a WebSocket connection'));
      });
      return true;
    },
    refuse(ws, reason) {
      metrics.rejected();
      closeSoon(ws, CloseCode.INVALID_TOKEN, reason.slice(0, 120));
    },
  };
}

/**
 * The 'error' listener every server-side socket needs: without one, an 'error' event would crash
 * the process. ws emits it for a frame it refuses — over maxPayload (1009), malformed (1002), bad
 * UTF-8 (1007) — or a failed write, after it has already begun the closing handshake with that code
 * and armed its close timer (which ends a peer that never answers). Terminating here, as this
 * listener once did, destroyed the socket before the close frame was out: the client saw 1006.
 */
export function leaveFrameErrorsToWs(ws: WebSocket): void {
  ws.on('error', () => {});
}

/** Terminates sockets whose peers stopped reading, checked on an interval; returns a stop function. */
export function cutOffSlowReaders(clients: () => Iterable<WebSocket>, intervalMs = 250): () => void {
  const timer = setInterval(() => {
    for (const ws of clients()) if (ws.bufferedAmount > MAX_BUFFERED_BYTES) ws.terminate();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
