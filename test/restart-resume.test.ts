// Subscriptions survive a graceful restart (DESIGN §13, lifecycle). On SIGTERM the server tells tRPC
// WebSocket clients to reconnect before anything else and never answers a subscription `stopped`
// because it is stopping; SSE responses end without tRPC's `return` event. So the stock @trpc/client
// links, @authors/client's watchLiveEvents and the CLI's `watch` reconnect and resume from their last
// event id: writes made on the other instance while this one restarts arrive exactly once, in order.
// Two real server processes on one database and Redis prefix.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, createTokenSession, watchLiveEvents, type LiveEvent } from '@authors/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { assertExactlyOnceInOrder } from './helpers/delivery-report';
import { startInstances, type Instances } from './helpers/instances';
import { startLiveLoad, waitUntil } from './helpers/live-load';
import { accessTokenFor } from './helpers/process';
import { openRawTrpcSocket } from './helpers/raw-trpc-socket';
import { hasPostgres, hasRedis } from './helpers/services';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Quick retries: the restarted instance is back within seconds, and the test should not wait 8 s. */
const fastRetry = (attempt: number) => Math.min(100 * 2 ** attempt, 1_000);

describe.skipIf(!hasPostgres || !hasRedis)('a graceful restart', () => {
  let cluster: Instances;
  let readerToken: string;
  let writerToken: string;
  beforeAll(async () => {
    cluster = await startInstances({ env: { WS_MAX_CONNECTIONS_PER_USER: '100' } });
    [readerToken, writerToken] = await Promise.all([accessTokenFor(cluster.urls[0]!, 'reader'), accessTokenFor(cluster.urls[0]!, 'writer')]);
  });
  afterAll(async () => {
    await cluster?.[Symbol.asyncDispose]();
  });
  // Each test restarts the first instance; one that failed half-way leaves it up for the next.
  afterEach(async () => {
    for (const instance of cluster.instances) if (!instance.up) await instance.start();
  });
  const [first, second] = [() => cluster.instances[0]!, () => cluster.instances[1]!];

  it('sends the reconnect notification and never `stopped` on WebSocket, and ends SSE without `return`', async () => {
    const socket = await openRawTrpcSocket(first().url, readerToken);
    socket.subscribe(1, 'authors.onChange');
    await waitUntil(() => socket.messages.length > 0, 10_000, () => JSON.stringify(socket.messages));
    const sse = await fetch(`${first().url}/trpc/authors.onChange?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`, {
      headers: { Authorization: `Bearer ${readerToken}`, Accept: 'text/event-stream' },
    });
    const sseBody = sse.text();

    expect(await first().stop('SIGTERM')).toBe(0);
    expect(socket.messages).toEqual([{ id: 1, result: { type: 'started' } }, { id: null, method: 'reconnect' }]);
    expect((await socket.closed).code).toBe(1012);
    expect(sse.status).toBe(200);
    expect(await sseBody).toBe('event: connected\ndata: {}\n\n\n');
  });

  it('the stock links and @authors/client resume: writes on the other instance meanwhile arrive exactly once, in order', async () => {
    await using load = await startLiveLoad({
      urls: [first().url],
      readerToken,
      writerToken,
      subscribers: { 'stock-ws': 3, 'stock-sse': 3, 'client-ws': 3, 'client-sse': 3 },
      retryDelayMs: fastRetry,
      writeUrl: () => second().url,
    });
    await load.waitUntilLive();
    load.startWriting();
    await load.waitForWrites(5);
    expect(await first().stop('SIGTERM')).toBe(0);
    await load.waitForWrites(10);
    await first().start();
    await load.waitUntilLive();
    await load.waitForWrites(5);
    await load.stopWriting();
    await load.waitUntilDelivered();

    const report = load.report();
    assertExactlyOnceInOrder(report);
    expect(report.writes.failed).toBe(0);
    expect(report.eventsReceived).toBe(12 * report.writes.acknowledged);
    // Every subscriber lost its connection once and came back.
    expect(load.subscribers.map(({ name, reconnects }) => [name, reconnects.length])).toEqual(
      load.subscribers.map(({ name }) => [name, 1]),
    );
  });

  it("the CLI's `watch` prints every author event once, in order, across a restart", async () => {
    const home = mkdtempSync(join(tmpdir(), 'authors-cli-restart-'));
    try {
      const cli = (args: string[]) =>
        spawn(process.execPath, ['--conditions=@authors/source', '--import', 'tsx', 'client/src/cli/main.ts', ...args], {
          cwd: ROOT,
          env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: home, AUTHORS_URL: first().url },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
      const login = cli(['login', 'reader']);
      login.stdin.end('reader\n');
      expect((await once(login, 'exit'))[0]).toBe(0);

      const watch = cli(['watch', '--json']);
      watch.stdin.end();
      let stdout = '';
      let stderr = '';
      watch.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      watch.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = once(watch, 'exit');
      try {
        await waitUntil(() => stderr.includes('Watching'), 20_000, () => stderr);
        const names: string[] = [];
        const create = async (name: string) => {
          const response = await fetch(`${second().url}/trpc/authors.create`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${writerToken}` },
            body: JSON.stringify({ json: { name } }),
          });
          expect(response.status).toBe(200);
          names.push(name);
        };
        await create('Before the restart');
        expect(await first().stop('SIGTERM')).toBe(0);
        for (const n of [1, 2, 3]) await create(`During the restart ${n}`);
        await first().start();
        await create('After the restart');
        const printed = () => stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as LiveEvent);
        await waitUntil(() => printed().length >= names.length, 20_000, () => stdout);
        expect(printed().map((event) => (event.type === 'broadcast' ? event.message : event.author.name))).toEqual(names);
        expect(stderr).toMatch(/Connection lost \(.+\); reconnecting…\n/);
      } finally {
        watch.kill('SIGINT');
        await exited;
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it.each(['ws', 'sse'] as const)('@authors/client refreshes an expired access token before it reconnects (%s)', async (subscriptions) => {
    let clockOffsetMs = 0;
    const session = createTokenSession({ url: first().url, now: () => Date.now() + clockOffsetMs });
    await session.login('reader', 'reader');
    const sent: string[] = [];
    const client = createClient({
      url: first().url,
      getToken: async () => {
        const token = await session.getToken();
        if (token) sent.push(token);
        return token;
      },
      subscriptions,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      EventSource: EventSource as unknown as typeof globalThis.EventSource,
    });
    const events: LiveEvent[] = [];
    let live = false;
    const feed = watchLiveEvents(client, { onEvent: (event) => events.push(event), onState: (state) => (live = state === 'live') });
    try {
      await waitUntil(() => live, 10_000, () => 'never live');
      const before = session.current!.tokens.access_token;
      expect(new Set(sent)).toEqual(new Set([before]));

      // From the session's point of view the access token has now expired.
      clockOffsetMs = session.current!.tokens.expires_in * 1000;
      expect(await first().stop('SIGTERM')).toBe(0);
      await first().start();
      await waitUntil(() => live, 20_000, () => 'never live again');
      const after = session.current!.tokens.access_token;
      expect(after).not.toBe(before);
      expect(sent.at(-1)).toBe(after);
    } finally {
      feed.stop();
    }
  });
});
