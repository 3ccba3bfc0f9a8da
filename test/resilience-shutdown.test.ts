// Graceful shutdown under load, on a real process: SIGTERM while HTTP calls are in flight and
// WebSocket subscribers are connected. Every started request completes (no reset), every tRPC-WS
// client is told to reconnect, every audited call is in user_actions, every log line is written, and
// the process exits 0 before SHUTDOWN_TIMEOUT_MS would have cut anything.
import { once } from 'node:events';
import postgres from 'postgres';
import { describe, expect, it, vi } from 'vitest';
import { sendChunked } from './helpers/http';
import { spawnServer } from './helpers/process';
import { openRawTrpcSocket } from './helpers/raw-trpc-socket';
import { createTestDatabase, hasPostgres } from './helpers/services';

const IN_FLIGHT = 12;
const COMPLETED_BEFORE = 10;
const SUBSCRIBERS = 4;
const SHUTDOWN_TIMEOUT_MS = 15_000;

describe.skipIf(!hasPostgres)('graceful shutdown under load', () => {
  it('finishes in-flight calls, tells WebSocket clients to reconnect, flushes the audit queue, exits 0', async () => {
    await using database = await createTestDatabase();
    await using server = await spawnServer({ DATABASE_URL: database.url, SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) });
    const login = await fetch(`${server.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ json: { username: 'writer', password: 'writer' } }),
    });
    const token: string = (await login.json()).result.data.json.access_token;
    const auth = { Authorization: `Bearer ${token}` };

    // Calls that completed just before the signal: their audit rows are still queued.
    const listUrl = `${server.url}/trpc/authors.list?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`;
    const before = await Promise.all(Array.from({ length: COMPLETED_BEFORE }, () => fetch(listUrl, { headers: auth })));
    expect(before.map((response) => response.status)).toEqual(Array(COMPLETED_BEFORE).fill(200));

    const subscribers = await Promise.all(Array.from({ length: SUBSCRIBERS }, () => openRawTrpcSocket(server.url, token)));
    subscribers.forEach((subscriber, index) => subscriber.subscribe(index + 1, 'authors.onChange'));
    for (const subscriber of subscribers) {
      await vi.waitFor(() => expect(subscriber.messages).toContainEqual(expect.objectContaining({ result: { type: 'started' } })));
    }

    // Creates whose bodies are still arriving when the signal comes: the server has read their headers.
    const bodies = Array.from({ length: IN_FLIGHT }, (_, index) => ({
      head: Buffer.from('{"json":{"name":'),
      tail: Buffer.from(`"Shutdown ${index}"}}`),
    }));
    let finishBodies: () => void = () => {};
    const bodiesFinished = new Promise<void>((resolve) => (finishBodies = resolve));
    const inFlight = bodies.map(({ head, tail }) =>
      sendChunked(`${server.url}/trpc/authors.create`, {
        method: 'POST',
        headers: auth,
        chunks: [head],
        later: bodiesFinished.then(() => [tail]),
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    const exited = once(server.child, 'exit') as Promise<[number | null]>;
    server.child.kill('SIGTERM');
    for (const subscriber of subscribers) {
      await vi.waitFor(() => expect(subscriber.messages).toContainEqual({ id: null, method: 'reconnect' }));
    }
    finishBodies();

    const answers = await Promise.all(inFlight);
    expect(answers.map(({ status }) => status)).toEqual(Array(IN_FLIGHT).fill(200));
    expect(answers.map(({ body }) => JSON.parse(body).result.data.json.name).sort()).toEqual(
      bodies.map((_, index) => `Shutdown ${index}`).sort(),
    );
    expect((await Promise.all(subscribers.map(({ closed }) => closed))).map(({ code }) => code)).toEqual(
      Array(SUBSCRIBERS).fill(1012),
    );
    const [code] = await exited;
    expect(code).toBe(0);
    expect(server.output()).not.toContain('audit rows dropped');
    // pino writes stdout asynchronously: every line, up to the last one before process.exit, is there.
    const lines = server
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; procedure?: string; correlation_id?: string });
    const callLines = (procedure: string) => lines.filter((line) => line.msg === 'procedure call' && line.procedure === procedure);
    expect([callLines('authors.list').length, callLines('authors.create').length]).toEqual([COMPLETED_BEFORE, IN_FLIGHT]);
    expect(lines.filter((line) => line.msg === 'request completed' && line.correlation_id)).toHaveLength(1 + COMPLETED_BEFORE + IN_FLIGHT);
    expect(lines.at(-1)?.msg).toBe('shutdown complete');

    // The audit queue was written before exit: one row per completed authenticated call.
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<{ action: string; outcome: string; count: number }[]>`
        SELECT action, outcome, count(*)::int AS count FROM user_actions
        WHERE username = 'writer' AND action IN ('authors.list', 'authors.create') GROUP BY action, outcome ORDER BY action`;
      expect(rows).toEqual([
        { action: 'authors.create', outcome: 'success', count: IN_FLIGHT },
        { action: 'authors.list', outcome: 'success', count: COMPLETED_BEFORE },
      ]);
      expect((await sql`SELECT count(*)::int AS count FROM author`)[0]).toEqual({ count: IN_FLIGHT });
    } finally {
      await sql.end();
    }
  }, 60_000);
});
