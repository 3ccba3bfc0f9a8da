// Redis cut through a TCP proxy the test controls (the shared Redis keeps running): calls are served
// or refused per RATE_LIMIT_FAIL_MODE, /health says redis is unhealthy, and when the link returns
// everything recovers without a restart — limits, sessions (login), and the event stream that feeds
// subscriptions on another instance.
import type { AuthorEvent } from '@authors/shared';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, hasPostgres, hasRedis, REDIS_URL, uniqueRedisPrefix } from './helpers/services';
import { startTestServer, type TestServer } from './helpers/server';
import { scrape, valueOf } from './helpers/prometheus';
import { collect } from './helpers/subscriptions';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy';

const LIST = `/trpc/authors.list?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`;
const recovered = { timeout: 15_000, interval: 100 };

const health = async (server: TestServer) => {
  const response = await fetch(`${server.url}/health`);
  return { status: response.status, body: await response.json() };
};
/** Each in-process instance is its own issuer (its port is in `iss`): a token per instance. */
const tokens = new Map<TestServer, string>();
const list = (server: TestServer) =>
  fetch(`${server.url}${LIST}`, { headers: { Authorization: `Bearer ${tokens.get(server)}` } });

describe.skipIf(!hasPostgres || !hasRedis)('Redis cut and recovery', () => {
  let proxy: TcpProxy;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let open: TestServer; // RATE_LIMIT_FAIL_MODE=open
  let closed: TestServer; // RATE_LIMIT_FAIL_MODE=closed

  beforeAll(async () => {
    proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port) });
    database = await createTestDatabase();
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: proxy.url(REDIS_URL),
      REDIS_KEY_PREFIX: uniqueRedisPrefix(),
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_PER_MINUTE: '1000',
    };
    open = await startTestServer({ env: { ...env, RATE_LIMIT_FAIL_MODE: 'open' } });
    closed = await startTestServer({ env: { ...env, RATE_LIMIT_FAIL_MODE: 'closed' } });
  });
  afterAll(async () => {
    await open?.[Symbol.asyncDispose]();
    await closed?.[Symbol.asyncDispose]();
    await database?.[Symbol.asyncDispose]();
    await proxy?.close();
  });

  it('serves per fail mode while cut, reports it, and recovers limits, sessions and broadcasts', async () => {
    for (const server of [open, closed]) tokens.set(server, await server.tokenFor('writer'));
    const subscriber = await open.clientAs('reader');
    const feed = collect<AuthorEvent>((handlers) => subscriber.authors.onChange.subscribe({}, handlers));
    await feed.started;
    const writer = await closed.clientAs('writer');
    await writer.authors.create.mutate({ name: 'Before the cut' });
    await vi.waitFor(() => expect(feed.items).toHaveLength(1), recovered);

    proxy.cut();
    // Fail open: served, without rate-limit headers (no decision was made).
    const served = await list(open);
    expect(served.status).toBe(200);
    expect(served.headers.get('X-RateLimit-Limit')).toBeNull();
    // Fail closed: refused as the server's fault, not the client's.
    const refused = await list(closed);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({
      error: { json: { message: 'Rate limiting is unavailable, please try again later', data: { code: 'SERVICE_UNAVAILABLE' } } },
    });
    for (const server of [open, closed]) {
      expect(await health(server)).toEqual({
        status: 503,
        body: { status: 'unhealthy', database: 'healthy', redis: 'unhealthy', websocket: expect.any(Object) },
      });
    }
    // Sessions live in Redis: a login cannot be recorded, so it fails (and says nothing internal).
    await expect(open.client().auth.login.mutate({ username: 'reader', password: 'reader' })).rejects.toMatchObject({
      data: { code: 'INTERNAL_SERVER_ERROR' },
    });
    // The write itself does not need Redis: it commits; only its event cannot be published.
    const duringCut = await open.client(tokens.get(open)).authors.create.mutate({ name: 'During the cut' });
    expect(duringCut.name).toBe('During the cut');

    // Each decision the store could not make is counted, for the RateLimiterFailingOpen alert.
    const storeFailures = async (server: TestServer, outcome: string) =>
      valueOf(await scrape(server.url), 'rate_limit_store_failures_total', { limit_type: 'per_user', outcome });
    expect(await storeFailures(open, 'fail_open')).toBe(2); // the list and the create
    expect(await storeFailures(closed, 'fail_closed')).toBe(1);

    proxy.restore();
    for (const server of [open, closed]) {
      await vi.waitFor(async () => expect((await health(server)).status).toBe(200), recovered);
    }
    // Limits are decided again on both instances (one shared window: the counts continue).
    await vi.waitFor(async () => expect((await list(closed)).status).toBe(200), recovered);
    const limited = await list(open);
    expect(limited.status).toBe(200);
    expect(limited.headers.get('X-RateLimit-Limit')).toBe('1000');
    // Sessions: logging in works again, and the new refresh token rotates.
    const session = await open.client().auth.login.mutate({ username: 'reader', password: 'reader' });
    await expect(open.client().auth.refresh.mutate({ refresh_token: session.refresh_token })).resolves.toMatchObject({
      token_type: 'Bearer',
    });
    // Broadcasts: the stream reader reconnected, so the subscriber (connected since before the cut,
    // on the other instance) receives the next event; the one that could not be published is lost.
    await writer.authors.create.mutate({ name: 'After the cut' });
    await vi.waitFor(() => expect(feed.items).toHaveLength(2), recovered);
    feed.stop();
    expect(feed.items.map(({ data }) => `${data.type}:${data.author.name}`)).toEqual([
      'created:Before the cut',
      'created:After the cut',
    ]);
    expect(feed.errors).toEqual([]);
    // Each instance's stream reader delivered (and timed, for the EventStreamLagging alert) both events.
    for (const server of [open, closed]) {
      expect(valueOf(await scrape(server.url), 'event_stream_lag_seconds_count')).toBe(2);
    }
  });
});
