// The production topology run for real (deploy/local: an OIDC issuer in place of Keycloak, two
// instances in OIDC mode, nginx from deploy/nginx.conf, Prometheus from deploy/prometheus.yml), one
// stack for the file: every transport works through the load balancer, X-Forwarded-For from nginx is
// the client address the rate limiter keys on (a client's own is not believed), a user's rate limit
// and connection limit hold across both instances, Prometheus scrapes both and its counters add up
// to what was sent, and the alerting rules pass promtool.
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { BROADCAST_REQ_ID, type AuthorEvent } from '@authors/shared';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Stack } from '../deploy/local/stack';
import { ROOT } from '../deploy/local/config-files';
import { answerTo, openLegacySocket, type Frame } from './helpers/legacy-socket';
import { samplesOf, scrape } from './helpers/prometheus';
import { openRawTrpcSocket, type RawTrpcSocket } from './helpers/raw-trpc-socket';
import { canRunStack, clientThrough, loginThrough, promQuery, startTestStack } from './helpers/stack';
import { collect } from './helpers/subscriptions';

const until = (check: () => void | Promise<void>, timeout = 15_000) => vi.waitFor(check, { timeout, interval: 50 });
const PER_MINUTE = 30;
const MAX_CONNECTIONS = 4;

/** GET through nginx from a given loopback address (every 127.x address is this machine). */
function getFrom(url: string, localAddress: string, headers: Record<string, string> = {}): Promise<{ status: number; remaining: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, remaining: res.headers['x-ratelimit-remaining'] as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sum over both instances (scraped directly) of a counter's samples matching `labels`. */
async function total(stack: Stack, name: string, labels: Record<string, string>): Promise<number[]> {
  const scrapes = await Promise.all(stack.instances.map((instance) => scrape(instance.url)));
  return scrapes.map((scraped) =>
    samplesOf(scraped, name)
      .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
      .reduce((sum, sample) => sum + sample.value, 0),
  );
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe.skipIf(!canRunStack)('the local production stack behind nginx', () => {
  let stack: Stack;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startTestStack({ appEnv: { RATE_LIMIT_PER_MINUTE: String(PER_MINUTE), WS_MAX_CONNECTIONS_PER_USER: String(MAX_CONNECTIONS) } });
    for (const user of ['admin', 'writer', 'reader', 'nobody']) tokens[user] = await loginThrough(stack, user);
  }, 90_000);
  afterAll(() => stack?.stop({ removeDir: true }));

  it('logs in with a password grant at the issuer, whose token both instances accept', async () => {
    const claims = decodeJwt(tokens.writer!);
    expect(claims).toMatchObject({ iss: stack.issuer, azp: 'authors-app', preferred_username: 'writer' });
    // The same token, straight to each instance.
    for (const instance of stack.instances) {
      const response = await fetch(`${instance.url}/me`, { headers: { Authorization: `Bearer ${tokens.writer}` } });
      expect([response.status, ((await response.json()) as { username: string }).username]).toEqual([200, 'writer']);
    }
  });

  it('serves REST, tRPC-HTTP batches, tRPC-WS and SSE subscriptions and both legacy auth styles through nginx', async () => {
    const feeds = (['ws', 'sse'] as const).map((transport) =>
      collect<AuthorEvent>((handlers) => clientThrough(stack, tokens.reader!, transport).authors.onChange.subscribe({}, handlers)),
    );
    await Promise.all(feeds.map((feed) => feed.started));
    const byQuery = await openLegacySocket(stack.nginx, tokens.reader);
    const byFrame = await openLegacySocket(stack.nginx);
    byFrame.send({ type: 'auth', token: `Bearer ${tokens.reader}` });
    expect(await byFrame.next()).toEqual({ type: 'auth_ok' });
    for (const socket of [byQuery, byFrame]) {
      socket.send({ pkg_id: 1, req_id: 'ready', data: {} });
      expect(await socket.next(answerTo('ready'))).toMatchObject({ status_code: 0 });
    }

    const rest = await fetch(`${stack.nginx}/authors`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokens.writer}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'via REST' }),
    });
    expect(rest.status).toBe(201);
    const restAuthor = (await rest.json()) as { id: number; name: string };

    const writer = clientThrough(stack, tokens.writer!);
    const trpcAuthor = await writer.authors.create.mutate({ name: 'via tRPC' });
    // Two queries in one batched request.
    const [byId, listed] = await Promise.all([
      writer.authors.byId.query({ id: restAuthor.id }),
      writer.authors.list.query({ name: 'via tRPC' }),
    ]);
    expect([byId.name, listed.map((author) => author.id)]).toEqual(['via REST', [trpcAuthor.id]]);

    const legacyWriter = await openLegacySocket(stack.nginx, tokens.writer);
    legacyWriter.send({ pkg_id: 3, req_id: 'create', data: { name: 'via legacy' } });
    const created = await legacyWriter.next(answerTo('create'));
    expect(created).toMatchObject({ status_code: 0, data: { name: 'via legacy' } });
    legacyWriter.socket.close();

    const names = ['via REST', 'via tRPC', 'via legacy'];
    await until(() => {
      for (const feed of feeds) expect(feed.items.map(({ data }) => `${data.type}:${data.author.name}`)).toEqual(names.map((name) => `created:${name}`));
      for (const socket of [byQuery, byFrame]) {
        const pushes = socket.frames.filter((frame: Frame) => frame.req_id === BROADCAST_REQ_ID);
        expect(pushes.map((frame) => (frame.data as { author: { name: string } }).author.name)).toEqual(names);
      }
    });
    for (const feed of feeds) {
      expect(feed.errors).toEqual([]);
      feed.stop();
    }
    byQuery.socket.close();
    byFrame.socket.close();
  });

  it('rate-limits by the address nginx forwards, not by its own nor by one the client claims', async () => {
    // Anonymous calls count against their client IP (then answer 401). nginx reaches the instances
    // from 127.0.0.2: were that the key, both clients below would share one bucket.
    const url = `${stack.nginx}/authors`;
    const first = [];
    for (let i = 0; i < PER_MINUTE + 1; i++) first.push(await getFrom(url, '127.0.0.11'));
    expect(first.map(({ status }) => status)).toEqual([...Array(PER_MINUTE).fill(401), 429]);
    expect(first.map(({ remaining }) => Number(remaining)).slice(0, 3)).toEqual([PER_MINUTE - 1, PER_MINUTE - 2, PER_MINUTE - 3]);
    // Claiming to be the exhausted client does not put another one in its bucket…
    expect(await getFrom(url, '127.0.0.12', { 'X-Forwarded-For': '127.0.0.11' })).toEqual({ status: 401, remaining: String(PER_MINUTE - 1) });
    // …and claiming to be someone else does not get the exhausted client out of its own.
    expect((await getFrom(url, '127.0.0.11', { 'X-Forwarded-For': '127.0.0.13' })).status).toBe(429);
    // Without nginx, X-Forwarded-For is not believed at all.
    expect((await getFrom(`${stack.instances[0]!.url}/authors`, '127.0.0.13', { 'X-Forwarded-For': '127.0.0.11' })).status).toBe(401);
  });

  it("holds a user's rate limit across both instances", async () => {
    const calls = () => total(stack, 'trpc_calls_total', { path: 'authors.list', transport: 'rest' });
    const hits = () => total(stack, 'rate_limit_hits_total', { limit_type: 'per_user' });
    const [callsBefore, hitsBefore] = [await calls(), await hits()];
    const statuses = [];
    for (let i = 0; i < PER_MINUTE + 5; i++) {
      const response = await fetch(`${stack.nginx}/authors`, { headers: { Authorization: `Bearer ${tokens.nobody}` } });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    // nobody may not list authors (403), but every call counts against the user's one budget.
    expect(statuses).toEqual([...Array(PER_MINUTE).fill(403), ...Array(5).fill(429)]);
    const served = (await calls()).map((value, index) => value - callsBefore[index]!);
    const refused = (await hits()).map((value, index) => value - hitsBefore[index]!);
    expect([sum(served), sum(refused)]).toEqual([PER_MINUTE + 5, 5]);
    expect(served.every((count) => count > 0)).toBe(true); // both instances took part
  });

  it("holds a user's connection limit across both instances", async () => {
    const sockets: RawTrpcSocket[] = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) {
      const socket = await openRawTrpcSocket(stack.nginx, tokens.admin);
      socket.subscribe(1, 'authors.onChange');
      sockets.push(socket);
    }
    await until(() => expect(sockets.map((socket) => socket.messages[0]?.result?.type)).toEqual(Array(MAX_CONNECTIONS).fill('started')));
    const active = await total(stack, 'ws_connections_active', { transport: 'ws' });
    expect(sum(active)).toBe(MAX_CONNECTIONS);
    expect(active.every((count) => count > 0)).toBe(true);

    const refused = await openRawTrpcSocket(stack.nginx, tokens.admin);
    expect(await refused.closed).toEqual({ code: 1008, reason: 'Maximum concurrent connections exceeded' });

    sockets[0]!.socket.close();
    await sockets[0]!.closed;
    // The freed slot is released in Redis once the instance has seen the close: retry until then.
    const replacement = await vi.waitFor(
      async () => {
        const socket = await openRawTrpcSocket(stack.nginx, tokens.admin);
        socket.subscribe(1, 'authors.onChange');
        const outcome = await Promise.race([
          socket.closed.then(({ code }) => `closed ${code}`),
          vi.waitFor(() => expect(socket.messages[0]?.result?.type).toBe('started'), { timeout: 5_000 }).then(() => 'started'),
        ]);
        expect(outcome).toBe('started');
        return socket;
      },
      { timeout: 15_000, interval: 100 },
    );
    for (const socket of [...sockets.slice(1), replacement]) socket.socket.close();
  });

  it('has Prometheus scrape both instances, with per-instance counts adding up to the requests sent', async () => {
    const up = await promQuery(stack, 'up{job="authors-rpc"}');
    expect(up.map(({ metric, value }) => [metric.instance, value[1]]).sort()).toEqual(
      stack.instances.map((instance) => [`127.0.0.1:${instance.port}`, '1']).sort(),
    );

    const query = 'sum by (instance) (http_requests_total{endpoint="/health"})';
    const perInstance = async () =>
      new Map((await promQuery(stack, query)).map(({ metric, value }) => [metric.instance!, Number(value[1])]));
    // Start from a scrape that has seen every earlier request.
    const before = await total(stack, 'http_requests_total', { endpoint: '/health' });
    await until(async () => expect([...(await perInstance()).values()].reduce((a, b) => a + b, 0)).toBe(sum(before)));
    const baseline = await perInstance();

    const SENT = 120;
    for (let i = 0; i < SENT; i += 10) {
      await Promise.all(Array.from({ length: 10 }, async () => (await fetch(`${stack.nginx}/health`)).arrayBuffer()));
    }
    await until(async () => {
      const now = await perInstance();
      const increases = [...now].map(([instance, value]) => value - (baseline.get(instance) ?? 0));
      expect(sum(increases)).toBe(SENT);
      expect(increases.every((increase) => increase > 0)).toBe(true);
    });
    // The rate over the last minute, per instance, is what the dashboards would show.
    const rates = await promQuery(stack, 'sum by (instance) (rate(http_requests_total{endpoint="/health"}[1m]))');
    expect(rates).toHaveLength(2);
  });

  it('loads the alerting rules, which promtool accepts', async () => {
    const { stdout } = await promisify(execFile)('promtool', ['check', 'rules', `${ROOT}/deploy/prometheus-rules.yml`]);
    expect(stdout).toContain('SUCCESS: 5 rules found');
    const response = await fetch(`${stack.prometheus}/api/v1/rules`);
    const body = (await response.json()) as { data: { groups: { rules: { name: string; health: string }[] }[] } };
    expect(body.data.groups.flatMap((group) => group.rules.map((rule) => rule.name)).sort()).toEqual(
      ['AuditRecordsDropped', 'EventStreamLagging', 'HighServerErrorRate', 'InstanceDown', 'RateLimiterFailingOpen'],
    );
  });
});
