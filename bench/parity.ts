// Before anything is measured: the baseline must answer every measured call exactly as the project
// does, or the comparison says nothing. Each workload's request is sent once to both servers and
// the bodies compared byte for byte (a create's fresh id, name and timestamps aside).
import WebSocket from 'ws';
import type { BenchServer } from './servers';

export interface ParityRequests {
  token: string;
  /** Path (with query) of W1's REST and tRPC-HTTP reads. */
  restPath: string;
  trpcPath: string;
  /** W2's legacy frame and W4's tRPC-WS query frame (sent after connectionParams). */
  legacyFrame: string;
  trpcWsFrame: string;
}

async function httpBody(url: string, token: string, init: RequestInit = {}): Promise<string> {
  const res = await fetch(url, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });
  return `${res.status} ${await res.text()}`;
}

/** The first frame the server answers `frame` with on a fresh socket (after `hello`, if given). */
function wsAnswer(url: string, hello: string | undefined, frame: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => reject(new Error(`no answer from ${url}`)), 10_000);
    ws.once('open', () => {
      if (hello) ws.send(hello);
      ws.send(frame);
    });
    ws.on('message', (raw) => {
      const text = raw.toString();
      if (text.includes('auth_ok')) return;
      clearTimeout(timer);
      ws.close();
      resolve(text);
    });
    ws.once('error', reject);
  });
}

/** A create's answer with what differs between two creates (id, name, timestamps) blanked. */
function createShape(answer: string): string {
  const [status, ...body] = answer.split(' ');
  const blank = (_key: string, value: unknown) => (typeof value === 'number' || typeof value === 'string' ? typeof value : value);
  return `${status} ${JSON.stringify(JSON.parse(body.join(' ')), blank)}`;
}

async function answers(server: BenchServer, requests: ParityRequests): Promise<Record<string, string>> {
  const { token } = requests;
  const ws = server.url.replace(/^http/, 'ws');
  const created = await httpBody(`${server.url}/trpc/authors.create`, token, {
    method: 'POST',
    body: JSON.stringify({ json: { name: `Parity ${server.name} ${Date.now()}` } }),
  });
  return {
    'W1 REST': await httpBody(`${server.url}${requests.restPath}`, token),
    'W1 tRPC-HTTP': await httpBody(`${server.url}${requests.trpcPath}`, token),
    'W2 legacy': await wsAnswer(`${ws}/web?token=${token}`, undefined, requests.legacyFrame),
    'W4 tRPC-WS': await wsAnswer(`${ws}/trpc?connectionParams=1`, JSON.stringify({ method: 'connectionParams', data: { token } }), requests.trpcWsFrame),
    'W6 create (shape)': createShape(created),
  };
}

/** Throws, naming the workload and the first difference, unless both servers answer alike. */
export async function checkParity(project: BenchServer, baseline: BenchServer, requests: ParityRequests): Promise<void> {
  const [ours, theirs] = [await answers(project, requests), await answers(baseline, requests)];
  for (const [workload, expected] of Object.entries(ours)) {
    const actual = theirs[workload]!;
    if (actual === expected) continue;
    let at = 0;
    while (expected[at] === actual[at]) at++;
    throw new Error(
      `baseline answers ${workload} differently from the project at character ${at}:\n` +
        `  project:  …${expected.slice(Math.max(0, at - 60), at + 60)}…\n  baseline: …${actual.slice(Math.max(0, at - 60), at + 60)}…`,
    );
  }
}
