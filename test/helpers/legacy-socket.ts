// A bare `/web` socket for legacy-protocol tests: every frame it receives, in order, and how it closed.
import WebSocket from 'ws';

export type Frame = Record<string, unknown>;

export interface LegacySocket {
  socket: WebSocket;
  frames: Frame[];
  closed: Promise<{ code: number; reason: string }>;
  send(frame: unknown): void;
  /** Resolves with the first received frame (from `from` on) matching `match`, within `timeoutMs`. */
  next(match?: (frame: Frame) => boolean, from?: number, timeoutMs?: number): Promise<Frame>;
}

export async function openLegacySocket(baseUrl: string, token?: string): Promise<LegacySocket> {
  const url = `${baseUrl.replace(/^http/, 'ws')}/web${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  const socket = new WebSocket(url);
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (raw) => {
    frames.push(JSON.parse(raw.toString()) as Frame);
    for (const wake of waiters) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    frames,
    closed,
    send: (frame) => socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    next: (match = () => true, from = 0, timeoutMs = 10_000) =>
      new Promise<Frame>((resolve, reject) => {
        const check = () => {
          const found = frames.slice(from).find(match);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const got = JSON.stringify(frames.slice(-5));
          reject(new Error(`no matching frame within ${timeoutMs} ms; ${frames.length} frames, last: ${got}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

/** The response to `reqId`. */
export const answerTo = (reqId: unknown) => (frame: Frame) => frame.req_id === reqId && 'status_code' in frame;
