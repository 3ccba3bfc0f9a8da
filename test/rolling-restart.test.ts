// A rolling deploy and a crash under load (DESIGN §13, lifecycle; issue 16): two instances on one
// database and Redis, 200 tRPC subscribers spread over both — the stock @trpc/client's wsLink and
// httpSubscriptionLink, @authors/client's watchLiveEvents over WS and SSE — 50 legacy sockets
// (LegacyClient) sending requests, and a writer creating an author every 50 ms on an instance that is
// up. Each instance in turn gets SIGTERM and is started again, then the first one is killed (SIGKILL)
// and started again: every subscriber ends with every event exactly once, in stream order. The
// restarts fail nothing: no write, no legacy request (the server answers what it read before closing
// with 1012, and LegacyClient sends the rest again once reconnected). The crash fails only what was
// in flight on the killed instance: at most one write, and at most one legacy request per socket of
// it, with 1006 — none hangs, none is answered twice. The figures (events, reconnect times) go to
// the test's output.
import { describe, expect, it } from 'vitest';
import { assertExactlyOnceInOrder } from './helpers/delivery-report';
import { startInstances } from './helpers/instances';
import { startLiveLoad } from './helpers/live-load';
import { accessTokenFor } from './helpers/process';
import { hasPostgres, hasRedis } from './helpers/services';

const SUBSCRIBERS = { 'stock-ws': 60, 'stock-sse': 60, 'client-ws': 40, 'client-sse': 40 } as const;
const LEGACY_SOCKETS = 50;
/** Writes acknowledged between steps, so that every step happens under load. */
const WRITES_PER_STEP = 10;
/** Stock WebSocket clients retry quickly (tRPC's default waits 2, 4, 8 s) and take the other URL. */
const fastRetry = (attempt: number) => Math.min(100 * 2 ** attempt, 1_000);

describe.skipIf(!hasPostgres || !hasRedis)('rolling restart under load', () => {
  it('SIGTERM each instance in turn, then SIGKILL one: every subscriber has every event once, in order; nothing hangs', async () => {
    await using cluster = await startInstances({ env: { WS_MAX_CONNECTIONS_PER_USER: '1000' } });
    const [first, second] = cluster.instances as [(typeof cluster.instances)[0], (typeof cluster.instances)[0]];
    const [readerToken, writerToken] = await Promise.all([accessTokenFor(first.url, 'reader'), accessTokenFor(first.url, 'writer')]);
    await using load = await startLiveLoad({
      urls: cluster.urls,
      readerToken,
      writerToken,
      subscribers: SUBSCRIBERS,
      legacySockets: LEGACY_SOCKETS,
      writeEveryMs: 50,
      writeUrl: () => cluster.anyUp().url,
      retryDelayMs: fastRetry,
    });
    await load.waitUntilLive(60_000);
    load.startWriting();
    const failedWrites = () => load.writes.filter(({ error }) => error !== undefined);
    const failedLegacy = () => load.legacyRequests.filter(({ outcome }) => outcome !== 'answered' && outcome !== 'pending');
    for (const [instance, signal] of [[first, 'SIGTERM'], [second, 'SIGTERM'], [first, 'SIGKILL']] as const) {
      await load.waitForWrites(WRITES_PER_STEP, 60_000);
      // The graceful restarts before the crash failed nothing.
      if (signal === 'SIGKILL') expect([failedWrites(), failedLegacy()]).toEqual([[], []]);
      expect(await instance.stop(signal)).toBe(signal === 'SIGTERM' ? 0 : null);
      await load.waitForWrites(WRITES_PER_STEP, 60_000);
      await instance.start();
      await load.waitUntilLive(60_000);
    }
    await load.waitForWrites(WRITES_PER_STEP, 60_000);
    await load.stopWriting();
    await load.waitUntilDelivered(60_000);
    await load.close();

    const report = load.report();
    console.log(`rolling restart and crash under load: ${JSON.stringify(report)}`);
    assertExactlyOnceInOrder(report);
    // The writer has one write in flight: only one sent to the first instance as it was killed can
    // fail (its author may still have been committed and published, before the answer was lost).
    const failed = failedWrites();
    expect(failed.length).toBeLessThanOrEqual(1);
    expect(failed.map(({ url }) => url)).toEqual(failed.map(() => first.url));
    expect(report.streamEvents - report.writes.acknowledged).toBeGreaterThanOrEqual(0);
    expect(report.streamEvents - report.writes.acknowledged).toBeLessThanOrEqual(failed.length);
    expect(report.subscribers).toBe(200);
    expect(report.eventsReceived).toBe(200 * report.streamEvents);
    // Subscribers tied to one URL lost and regained their connection once per restart of their
    // instance: half of each kind is on the first (restarted twice), half on the second (once). The
    // stock WS ones move to the other URL, without a gap when the new socket opens first.
    const { byKind } = report.reconnects;
    expect([byKind['stock-sse']?.count, byKind['client-ws']?.count, byKind['client-sse']?.count]).toEqual([
      (SUBSCRIBERS['stock-sse'] / 2) * 3,
      (SUBSCRIBERS['client-ws'] / 2) * 3,
      (SUBSCRIBERS['client-sse'] / 2) * 3,
    ]);
    expect(report.legacy.pending).toBe(0);
    expect(report.legacy.answeredTwice).toBe(0);
    expect(report.legacy.refused).toBe(0);
    expect(report.legacy.answered).toBeGreaterThan(0);
    // Only the crash failed legacy requests: those in flight on the killed instance (its sockets are
    // the even ones), at most one per socket, with the abnormal close.
    const crashed = failedLegacy();
    expect(Object.keys(report.legacy.failures).filter((failure) => !failure.startsWith('LegacyConnectionError: Connection closed (1006'))).toEqual([]);
    expect(crashed.filter(({ socket }) => socket % 2 !== 0)).toEqual([]);
    expect(new Set(crashed.map(({ socket }) => socket)).size).toBe(crashed.length);
  }, 180_000);
});
