// A bare `/web` socket for legacy-protocol tests: every frame it receives, in order, and how it closed.
import WebSocket from 'ws';

export type Frame = Record<string, unknown>;

export interface LegacySocket {
  socket: WebSocket;
  frames: Frame[];
  closed: Promise<{ code: number; reason: string }>;
  send(frame: unknown): void;
  /** Resolves with the first received frame (from `from` on) matching `match`. */
  next(match?: (frame: Frame) => boolean, from?: number): Promise<Frame>;
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
    next: (match = () => true, from = 0) =>
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
          reject(new Error(`no matching frame within 10 s; got ${JSON.stringify(frames)}`));
        }, 10_000);
        waiters.add(check);
        check();
      }),
  };
}

/** The response to `reqId`. */
export const answerTo = (reqId: unknown) => (frame: Frame) => frame.req_id === reqId && 'status_code' in frame;
