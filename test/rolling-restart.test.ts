// A rolling deploy and a crash under load (DESIGN §13, lifecycle; issue 16): two instances on one
// database and Redis, 200 tRPC subscribers spread over both — the stock @trpc/client's wsLink and
// httpSubscriptionLink, @authors/client's watchLiveEvents over WS and SSE — 50 legacy sockets
// (LegacyClient) sending requests, and a writer creating an author every 50 ms on an instance that is
// up. Each instance in turn is stopped and started again: every subscriber ends with every event
// exactly once, in stream order; legacy sockets reconnect, and each request they sent was answered
// once or failed with a connection error — none hangs. The figures go to the test's output.
import { describe, expect, it } from 'vitest';
import { assertExactlyOnceInOrder, type DeliveryReport } from './helpers/delivery-report';
import { startInstances } from './helpers/instances';
import { startLiveLoad } from './helpers/live-load';
import { accessTokenFor } from './helpers/process';
import { hasPostgres, hasRedis } from './helpers/services';

const SUBSCRIBERS = { 'stock-ws': 60, 'stock-sse': 60, 'client-ws': 40, 'client-sse': 40 } as const;
const LEGACY_SOCKETS = 50;
/** Writes acknowledged between steps, so that every step happens under load. */
const WRITES_PER_STEP = 20;
/** Stock WebSocket clients retry quickly (tRPC's default waits 2, 4, 8 s) and take the other URL. */
const fastRetry = (attempt: number) => Math.min(100 * 2 ** attempt, 1_000);

async function restartEachInTurn(signal: 'SIGTERM' | 'SIGKILL'): Promise<DeliveryReport> {
  await using cluster = await startInstances({ env: { WS_MAX_CONNECTIONS_PER_USER: '1000' } });
  const [readerToken, writerToken] = await Promise.all([accessTokenFor(cluster.urls[0]!, 'reader'), accessTokenFor(cluster.urls[0]!, 'writer')]);
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
  const t0 = Date.now();
  const step = (what: string) => console.log(`${Date.now() - t0} ms ${what} ${JSON.stringify({ ...load.report(), writes: undefined, legacy: { ...load.report().legacy, failures: undefined } })}`);
  await load.waitUntilLive(60_000);
  step('live');
  load.startWriting();
  for (const instance of cluster.instances) {
    await load.waitForWrites(WRITES_PER_STEP);
    step('stopping');
    const code = await instance.stop(signal);
    step('stopped');
    expect(code).toBe(signal === 'SIGTERM' ? 0 : null);
    await load.waitForWrites(WRITES_PER_STEP);
    await instance.start();
    step('started');
    await load.waitUntilLive(60_000);
    step('live again');
  }
  await load.waitForWrites(WRITES_PER_STEP);
  await load.stopWriting();
  await load.waitUntilDelivered(60_000);
  await load.close();
  const report = load.report();
  console.log(`${signal} each instance in turn: ${JSON.stringify(report)}`);
  return report;
}

function expectEveryEventOnceAndNoHang(report: DeliveryReport) {
  assertExactlyOnceInOrder(report);
  expect(report.subscribers).toBe(200);
  expect(report.eventsReceived).toBe(200 * report.streamEvents);
  // Every subscriber lost its connection at least once (the stock WS ones twice, moving over).
  expect(report.reconnects.count).toBeGreaterThanOrEqual(200);
  expect(report.legacy.pending).toBe(0);
  expect(report.legacy.answeredTwice).toBe(0);
  expect(report.legacy.answered).toBeGreaterThan(0);
  expect(report.legacy.refused).toBe(0);
  // Failures are the connection's: closed by the restart, or refused while the instance was down.
  for (const failure of Object.keys(report.legacy.failures)) expect(failure).toMatch(/^(connect: )?LegacyConnectionError: Connection closed \(\d+/);
}

describe.skipIf(!hasPostgres || !hasRedis)('rolling restart under load', () => {
  it('SIGTERM each instance in turn: no write fails, every subscriber has every event once, in order', async () => {
    const report = await restartEachInTurn('SIGTERM');
    expectEveryEventOnceAndNoHang(report);
    expect(report.writes.failures).toEqual({});
    expect(report.streamEvents).toBe(report.writes.acknowledged);
  }, 120_000);

  it('SIGKILL each instance in turn: only writes in flight on the killed instance fail; every event once, in order', async () => {
    const report = await restartEachInTurn('SIGKILL');
    expectEveryEventOnceAndNoHang(report);
    // A write the killed instance committed but never answered is in the stream without an acknowledgement.
    expect(report.streamEvents).toBeGreaterThanOrEqual(report.writes.acknowledged);
    expect(report.streamEvents).toBeLessThanOrEqual(report.writes.acknowledged + report.writes.failed);
  }, 120_000);
});
