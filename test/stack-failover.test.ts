// Failover and rolling restarts of the local production stack (deploy/local), under live load through
// nginx (test/helpers/live-load.ts): tRPC subscribers on the stock @trpc/client and @authors/client,
// over WebSocket and SSE, legacy sockets (LegacyClient) sending requests, and a writer creating an
// author every 20 ms or so. kill -9 of one instance: every subscriber reconnects through nginx to the
// survivor and ends with every event exactly once, in order; the writer's only failures are the
// requests that were in flight on the killed instance, and every acknowledged write is in the
// database and in the event stream. A rolling restart (SIGTERM, start again, wait until nginx sends it
// requests again, then the other): no failed write, no failed legacy request (a stopping instance
// drains its legacy sockets and LegacyClient resends what had no answer), no lost or duplicated event.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../deploy/local/processes';
import type { AppInstance, Stack } from '../deploy/local/stack';
import { assertExactlyOnceInOrder, percentile, type DeliveryReport } from './helpers/delivery-report';
import { startLiveLoad, type LiveLoad } from './helpers/live-load';
import { samplesOf, scrape } from './helpers/prometheus';
import { canRunStack, loginThrough, startTestStack } from './helpers/stack';

// STACK_FULL_LOAD=1: 200 subscribers (50 of each kind) and 50 legacy sockets, the figures in
// docs/deployment.md. By default half of each, so the suite stays short on a 2-core machine. Either way
// the writer creates an author 20 ms after the previous one was answered (one write in flight).
const SCALE = process.env.STACK_FULL_LOAD === '1' ? 1 : 0.5;
const SUBSCRIBERS = { 'stock-ws': 50 * SCALE, 'stock-sse': 50 * SCALE, 'client-ws': 50 * SCALE, 'client-sse': 50 * SCALE };
const SUBSCRIBER_COUNT = Object.values(SUBSCRIBERS).reduce((a, b) => a + b, 0);
const LEGACY_SOCKETS = 50 * SCALE;
const WRITE_EVERY_MS = 20;
/** Writes acknowledged before and after each step, so that every step happens under load. */
const WRITES_PER_STEP = 25;

/** authors.onChange subscriptions (tRPC over WebSocket or SSE) an instance has started since it started. */
async function subscriptionsOn(url: string): Promise<number> {
  const scraped = await scrape(url);
  return samplesOf(scraped, 'trpc_calls_total')
    .filter(({ labels }) => labels.path === 'authors.onChange' && (labels.transport === 'ws' || labels.transport === 'sse'))
    .reduce((sum, { value }) => sum + value, 0);
}

/** Reconnect p50/p99 per kind of subscriber. */
function reconnectsByKind(load: LiveLoad): Record<string, string> {
  const byKind: Record<string, number[]> = {};
  for (const { kind, reconnects } of load.subscribers) (byKind[kind] ??= []).push(...reconnects);
  return Object.fromEntries(
    Object.entries(byKind).map(([kind, times]) => [kind, `${times.length}: p50 ${percentile(times, 50)} p99 ${percentile(times, 99)}`]),
  );
}

const accessLog = (stack: Stack) => readFileSync(join(stack.dir, 'nginx-access.log'), 'utf8').split('\n');

/**
 * Waits until nginx sends requests to `instance` again: after failed connections it leaves an instance
 * out for fail_timeout (deploy/nginx.conf), and stopping the other one before then would leave none.
 */
async function waitUntilInRotation(stack: Stack, instance: AppInstance): Promise<void> {
  const since = Date.now() / 1000;
  const answered = new RegExp(` 200 127\\.0\\.0\\.1:${instance.port} 200$`);
  await waitUntil(`${instance.name} back behind nginx`, async () => {
    await (await fetch(`${stack.nginx}/health`)).arrayBuffer();
    return accessLog(stack).some((line) => Number(line.split(' ')[0]) > since && answered.test(line));
  });
}

/** When each write nginx answered 502 reached nginx, in ms relative to `at`. */
function failedWritesStarted(stack: Stack, at: number): number[] {
  const failed = accessLog(stack).filter((line) => line.includes('"POST /trpc/authors.create') && / 502 /.test(line));
  return failed.map((line) => {
    const [end = '0', duration = '0'] = line.split(' ');
    return Math.round((Number(end) - Number(duration)) * 1000 - at);
  });
}

/** Stops the writer, waits until every subscriber has every event, prints the figures and checks exactly once, in order. */
async function finish(load: LiveLoad, name: string): Promise<DeliveryReport> {
  await load.stopWriting();
  await load.waitUntilDelivered(30_000);
  const report = load.report();
  figures(name, load, report);
  assertExactlyOnceInOrder(report);
  return report;
}

/** The run's figures, for docs/deployment.md. */
function figures(name: string, load: LiveLoad, report: DeliveryReport): void {
  const { writes, reconnects, legacy, streamEvents, eventsReceived, missing, duplicated, outOfOrder } = report;
  const failures = Object.entries(writes.failures).map(([failure, count]) => `${count} × ${failure.slice(0, 30)}`);
  console.info(
    `[stack] ${name}: writes ${writes.acknowledged} acknowledged, ${writes.failed} failed ${JSON.stringify(failures)}; ` +
      `${streamEvents} events × ${report.subscribers} subscribers = ${eventsReceived} received, missing ${missing}, duplicated ${duplicated}, ` +
      `out of order ${outOfOrder}; reconnects ${reconnects.count} p50 ${reconnects.p50Ms} ms p99 ${reconnects.p99Ms} ms max ${reconnects.maxMs} ms; ` +
      `legacy ${legacy.requests} requests, ${legacy.answered} answered, ${legacy.failed} failed ${JSON.stringify(legacy.failures)}, ${legacy.pending} pending; ` +
      `reconnects by kind ${JSON.stringify(reconnectsByKind(load))}`,
  );
}

describe.skipIf(!canRunStack)('failover and rolling restarts behind nginx', () => {
  let stack: Stack;
  let sql: postgres.Sql;
  let readerToken: string;
  let writerToken: string;

  beforeAll(async () => {
    // Limits far above the load, but still checked on every call (the limiter stays in the path).
    stack = await startTestStack({
      appEnv: { RATE_LIMIT_PER_MINUTE: '1000000', WS_MESSAGE_RATE_LIMIT: '1000000', WS_MAX_CONNECTIONS_PER_USER: '10000' },
    });
    sql = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
    [readerToken, writerToken] = [await loginThrough(stack, 'reader'), await loginThrough(stack, 'writer')];
  }, 90_000);
  afterAll(async () => {
    await sql?.end();
    await stack?.stop({ removeDir: true });
  });

  const startLoad = async (): Promise<LiveLoad> => {
    const load = await startLiveLoad({
      urls: [stack.nginx],
      readerToken,
      writerToken,
      subscribers: SUBSCRIBERS,
      legacySockets: LEGACY_SOCKETS,
      writeEveryMs: WRITE_EVERY_MS,
      // nginx is the one address: reconnect to it at once, as a client of a load balancer would.
      retryDelayMs: () => 0,
    });
    await load.waitUntilLive(60_000);
    return load;
  };

  /** Names of the load's authors in the database. */
  const storedNames = async (load: LiveLoad) => {
    const names = load.writes.map(({ name }) => name);
    const rows = await sql<{ name: string }[]>`SELECT name FROM author WHERE name = ANY(${names})`;
    return new Set(rows.map(({ name }) => name));
  };

  it('survives kill -9 of one instance: subscribers move to the other, nothing acknowledged is lost', async () => {
    const [victim, survivor] = stack.instances as [AppInstance, AppInstance];
    try {
      await using load = await startLoad();
      const onVictim = await subscriptionsOn(victim.url);
      const onSurvivor = await subscriptionsOn(survivor.url);
      expect(onVictim).toBeGreaterThan(0); // least_conn spread the subscribers over both
      expect(onVictim + onSurvivor).toBe(SUBSCRIBER_COUNT);

      load.startWriting();
      await load.waitForWrites(WRITES_PER_STEP);
      const killedAt = Date.now();
      expect(await victim.stop('SIGKILL')).toBe('SIGKILL');
      const goneAfter = Date.now() - killedAt; // the kernel tears the process down: it takes a while
      await load.waitForWrites(WRITES_PER_STEP);
      const report = await finish(load, 'kill -9');
      // Every authors.onChange subscription that was on the killed instance subscribed again, on the survivor.
      expect(await subscriptionsOn(survivor.url)).toBe(onSurvivor + onVictim);
      // Those reconnected, and so did the @authors/client SSE subscribers whose second feed
      // (system.onBroadcast, its own EventSource, balanced on its own) was on the killed instance.
      expect(report.reconnects.count).toBeGreaterThanOrEqual(onVictim);
      expect(report.reconnects.count).toBeLessThanOrEqual(onVictim + SUBSCRIBERS['client-sse']);
      // The writer's failures were answered (502 from nginx: the instance died with them), never silent,
      // and were only those in flight on it: nginx's log shows each reached nginx before the process was
      // gone. nginx does not pass a POST it has sent to the next server (it may have been executed).
      for (const { error } of load.writes) if (error !== undefined) expect(error).toMatch(/^502 /);
      const failedAt = failedWritesStarted(stack, killedAt);
      console.info(`[stack] kill -9: the process was gone ${goneAfter} ms after SIGKILL; failed writes reached nginx ${failedAt.join(', ')} ms after it`);
      expect(failedAt).toHaveLength(report.writes.failed);
      expect(failedAt.filter((ms) => ms > goneAfter)).toEqual([]);
      // Every acknowledged write is in the database (and, above, in every subscriber's stream); a failed
      // one may have committed too, its answer lost with the instance.
      const stored = await storedNames(load);
      expect(load.writes.filter(({ authorId, name }) => authorId !== undefined && !stored.has(name))).toEqual([]);
      // Legacy sockets of the killed instance reconnected: each socket's last request was answered.
      const lastBySocket = new Map(load.legacyRequests.map((request) => [request.socket, request.outcome]));
      expect([...lastBySocket.values()].filter((outcome) => outcome === 'failed' || outcome === 'refused')).toEqual([]);
    } finally {
      await victim.start(); // the next test needs both
    }
  });

  it('rolls a restart through both instances with no failed write and no lost or repeated event', async () => {
    await using load = await startLoad();
    load.startWriting();
    await load.waitForWrites(WRITES_PER_STEP);
    for (const instance of stack.instances) {
      const stoppedAt = Date.now();
      expect(await instance.stop('SIGTERM')).toBe(0);
      await instance.start();
      const healthyAt = Date.now();
      await waitUntilInRotation(stack, instance);
      console.info(
        `[stack] rolling restart: ${instance.name} healthy ${healthyAt - stoppedAt} ms after SIGTERM, back behind nginx after ${Date.now() - stoppedAt} ms`,
      );
      await load.waitForWrites(WRITES_PER_STEP);
    }
    const report = await finish(load, 'rolling restart');
    expect(report.writes.failed).toBe(0);
    await load.close();
    // Every legacy request is answered: a stopping instance answers what it read before closing with
    // 1012, and LegacyClient sends the rest again once reconnected. None refused, none left hanging,
    // none answered twice.
    const { legacy } = load.report();
    expect([legacy.failed, legacy.pending, legacy.refused, legacy.answeredTwice]).toEqual([0, 0, 0, 0]);
    expect(legacy.failures).toEqual({});
    expect(legacy.answered).toBe(legacy.requests);
  });
});
