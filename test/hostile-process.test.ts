// Hostile input against a server in its own process (heap capped at 256 MiB), for what an
// in-process server would hide or take the test runner down with:
// - the attack of the issue — `auth.me` with superjson references chained 30 deep, which made the
//   audit copy 2^30 nodes and the process die of "heap out of memory" — over tRPC-HTTP, tRPC-WS
//   and SSE, plus the cycle form, answered BAD_REQUEST;
// - a fuzz test: random superjson payloads with reference DAGs and cycles over tRPC-HTTP and
//   tRPC-WS, each answered with a result or an API error (never a 500, never silence) within a
//   deadline, the server's heap (from its /metrics) staying bounded;
// - frames over WS_MAX_PAYLOAD on /web and /trpc, closed with 1009: in one process client and
//   server share an event loop, and the close frame could be read before the socket was destroyed.
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTokenFor, spawnServer, type ServerProcess } from './helpers/process';
import { scrape, valueOf } from './helpers/prometheus';
import { openRawTrpcSocket, type RawTrpcSocket } from './helpers/raw-trpc-socket';
import { createTestDatabase, hasPostgres } from './helpers/services';
import { REFERENCE_CYCLE, referenceBomb, superjsonPayload, type SuperjsonPayload } from './helpers/superjson-payloads';

const MIB = 1024 * 1024;
/** A deadline for each answer, not a speed assertion: a blown-up call never answers at all. */
const ANSWER_DEADLINE_MS = 5_000;
const HEAP_BOUND = 192 * MIB;
const TOO_LARGE = 'Input too large: more than 10000 values';

const input = (payload: SuperjsonPayload) => encodeURIComponent(JSON.stringify(payload));

async function heapUsed(server: ServerProcess): Promise<number> {
  return valueOf(await scrape(server.url), 'nodejs_heap_size_used_bytes') ?? Number.NaN;
}

/** The next message with `id`, or (messages being sent one at a time) the PARSE_ERROR answered with id null. */
function answerOn(socket: RawTrpcSocket, id: number, from: number): Promise<RawTrpcSocket['messages'][number]> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      const found = socket.messages.slice(from).find((message) => message.id === id || message.id === null);
      if (found) return resolve(found);
      if (Date.now() - started > ANSWER_DEADLINE_MS) return reject(new Error(`no answer to ${id} within ${ANSWER_DEADLINE_MS} ms`));
      setTimeout(poll, 2);
    };
    poll();
  });
}

/** Opens `url`, sends `first` (if any) then one text frame of `bytes`, and resolves with the close code. */
function closeCodeAfter(url: string, first: string | undefined, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.on('open', () => {
      if (first) socket.send(first);
      socket.send(Buffer.alloc(bytes, 0x20), { binary: false });
    });
    socket.on('error', () => {}); // a reset while sending shows as close 1006 below
    socket.on('close', (code) => resolve(code));
    setTimeout(() => reject(new Error('no close within 10 s')), 10_000).unref();
  });
}

describe.skipIf(!hasPostgres)('hostile input against a server process', () => {
  let server: ServerProcess;
  let database: AsyncDisposable;
  let token: string;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers }, signal: AbortSignal.timeout(ANSWER_DEADLINE_MS) });

  beforeAll(async () => {
    const created = await createTestDatabase();
    database = created;
    server = await spawnServer({ DATABASE_URL: created.url, NODE_OPTIONS: '--max-old-space-size=256', WS_MAX_CONNECTIONS_PER_USER: '50' });
    token = await accessTokenFor(server.url, 'writer');
  });
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
    await database?.[Symbol.asyncDispose]();
  });

  describe('the attack of the issue: auth.me with references chained 30 deep', () => {
    it.each([
      ['30 deep', referenceBomb(30)],
      ['a cycle', REFERENCE_CYCLE],
    ])('over tRPC-HTTP (%s): 400 BAD_REQUEST', async (_, payload) => {
      const response = await get(`/trpc/auth.me?input=${input(payload)}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { json: { message: TOO_LARGE, data: { code: 'BAD_REQUEST', path: 'auth.me' } } } });
    });

    it('over tRPC-WS: BAD_REQUEST, and the socket serves on', async () => {
      const socket = await openRawTrpcSocket(server.url, token);
      socket.socket.send(JSON.stringify({ id: 1, method: 'query', params: { path: 'auth.me', input: referenceBomb(30) } }));
      expect(await answerOn(socket, 1, 0)).toMatchObject({ id: 1, error: { json: { message: TOO_LARGE, data: { code: 'BAD_REQUEST' } } } });
      socket.socket.send(JSON.stringify({ id: 2, method: 'query', params: { path: 'auth.me' } }));
      expect(await answerOn(socket, 2, 0)).toMatchObject({ id: 2, result: { data: { json: { username: 'writer' } } } });
      socket.socket.close();
    });

    it('over SSE: the subscription is refused with BAD_REQUEST', async () => {
      const response = await get(`/trpc/system.onBroadcast?input=${input(referenceBomb(30))}`, { accept: 'text/event-stream' });
      const body = await response.text();
      expect(body).toContain('event: serialized-error');
      expect(body).toContain(TOO_LARGE);
    });

    it('left the process alive, with its heap bounded', async () => {
      expect(server.child.exitCode).toBeNull();
      expect((await get('/trpc/auth.me')).status).toBe(200);
      expect(await heapUsed(server)).toBeLessThan(HEAP_BOUND);
    });
  });

  describe('fuzz: random superjson payloads with reference DAGs and cycles', () => {
    const paths = ['auth.me', 'authors.list', 'authors.byId'];

    it('over tRPC-HTTP: every answer is a result or an API error, in time, and the heap stays bounded', async () => {
      await fc.assert(
        fc.asyncProperty(superjsonPayload, fc.constantFrom(...paths), async (payload, path) => {
          const response = await get(`/trpc/${path}?input=${input(payload)}`);
          const body = (await response.json()) as { result?: unknown; error?: { json: { data: { code: string } } } };
          expect(response.status).toBeLessThan(500);
          expect(body.result !== undefined || body.error?.json.data.code !== undefined).toBe(true);
        }),
        { numRuns: 100 },
      );
      expect(await heapUsed(server)).toBeLessThan(HEAP_BOUND);
    });

    it('over tRPC-WS: every message is answered with a result or an API error, in time, and the heap stays bounded', async () => {
      const socket = await openRawTrpcSocket(server.url, token);
      let id = 0;
      await fc.assert(
        fc.asyncProperty(superjsonPayload, fc.constantFrom(...paths), async (payload, path) => {
          const from = socket.messages.length;
          socket.socket.send(JSON.stringify({ id: ++id, method: 'query', params: { path, input: payload } }));
          const answer = await answerOn(socket, id, from);
          expect(answer.result !== undefined || answer.error?.json?.data?.code !== undefined).toBe(true);
          expect(answer.error?.json?.data?.code).not.toBe('INTERNAL_SERVER_ERROR');
        }),
        { numRuns: 100 },
      );
      const from = socket.messages.length;
      socket.socket.send(JSON.stringify({ id: ++id, method: 'query', params: { path: 'auth.me' } }));
      expect(await answerOn(socket, id, from)).toMatchObject({ result: { data: { json: { username: 'writer' } } } });
      socket.socket.close();
      expect(await heapUsed(server)).toBeLessThan(HEAP_BOUND);
    });
  });

  describe('frames over WS_MAX_PAYLOAD', () => {
    it.each([
      ['/web', 1.1],
      ['/web', 5],
      ['/trpc', 1.1],
      ['/trpc', 5],
    ])('%s closes with 1009 on a %s MiB frame (the close frame is sent before the socket ends)', async (path, mib) => {
      // Signed in first (legacy: query token; tRPC: the connectionParams message), so only the size refuses.
      const [query, first] =
        path === '/web' ? [`?token=${token}`, undefined] : ['?connectionParams=1', JSON.stringify({ method: 'connectionParams', data: { token } })];
      const codes = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        codes.push(await closeCodeAfter(`${server.url.replace(/^http/, 'ws')}${path}${query}`, first, mib * MIB));
      }
      expect(codes).toEqual([1009, 1009, 1009]);
    });
  });
});
