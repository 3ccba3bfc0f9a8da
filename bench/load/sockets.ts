// Opening many authenticated WebSockets (legacy `/web?token=` and raw tRPC `/trpc` with
// connectionParams) with bounded concurrency, so the accept backlog never overflows.
import WebSocket from 'ws';

export const wsUrl = (baseUrl: string, path: string) => `${baseUrl.replace(/^http/, 'ws')}${path}`;

/** A legacy socket, resolved once the server said `auth_ok`. */
export function openLegacySocket(baseUrl: string, token: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(baseUrl, `/web?token=${token}`), { perMessageDeflate: false });
    ws.once('message', (raw) => (raw.toString().includes('auth_ok') ? resolve(ws) : reject(new Error(`no auth_ok: ${raw.toString()}`))));
    ws.once('error', reject);
    ws.once('close', (code) => reject(new Error(`legacy socket closed: ${code}`)));
  });
}

/** A tRPC socket that has sent its connectionParams (as wsLink does); the server authenticates it then. */
export function openTrpcSocket(baseUrl: string, token: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(baseUrl, '/trpc?connectionParams=1'), { perMessageDeflate: false });
    ws.once('open', () => {
      ws.send(JSON.stringify({ method: 'connectionParams', data: { token } }));
      resolve(ws);
    });
    ws.once('error', reject);
  });
}

/** Runs `open` `count` times, at most `concurrency` at once. */
export async function openMany<T>(count: number, concurrency: number, open: (i: number) => Promise<T>): Promise<T[]> {
  const opened: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      opened[i] = await open(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return opened;
}

export async function closeAll(sockets: Iterable<WebSocket>): Promise<void> {
  const closed: Promise<unknown>[] = [];
  for (const ws of sockets) {
    if (ws.readyState === ws.CLOSED) continue;
    closed.push(new Promise((resolve) => ws.once('close', resolve)));
    ws.terminate();
  }
  await Promise.all(closed);
}
