// What a live load (live-load.ts) proves: every event each subscriber received, checked against the
// writes that were acknowledged and against what the other subscribers received — exactly once, in
// stream order, nothing missing — with reconnect times and the writer's and legacy sockets' failures.
// Pure functions over the records, so a test can assert exact counts and print the figures.
import { compareEventIds } from '../../server/src/state/event-id';

export interface ReceivedEvent {
  /** Stream id (`<ms>-<seq>`). */
  id: string;
  type: string;
  authorId: number;
  name: string;
}

export interface SubscriberRecord {
  name: string;
  kind: string;
  url: string;
  /** Author events in the order they arrived. */
  events: ReceivedEvent[];
  /** Milliseconds from each loss of the connection to being subscribed again. */
  reconnects: number[];
  /** Errors that ended the subscription (the link gave up). */
  errors: string[];
}

export interface WriteRecord {
  name: string;
  url: string;
  /** The created author's id: the write was acknowledged. */
  authorId?: number;
  error?: string;
}

export interface LegacyRequestRecord {
  socket: number;
  outcome: 'pending' | 'answered' | 'refused' | 'failed';
  /** The error a refused (status ≠ 0) or failed (connection, timeout) request rejected with. */
  error?: string;
}

export interface LegacyWireRecord {
  /** req_ids the socket sent, with how many answers came back for each. */
  answersByReqId: Map<string, number>;
}

export interface DeliveryReport {
  subscribers: number;
  /** `failures`: distinct error messages, with their counts. */
  writes: { acknowledged: number; failed: number; failures: Record<string, number> };
  /** Writer events in the stream: every one any subscriber received, which includes every acknowledged write. */
  streamEvents: number;
  /** Events every subscriber should have: subscribers × stream events. */
  eventsExpected: number;
  /** Writer events received, all subscribers together, duplicates included. */
  eventsReceived: number;
  /** Acknowledged writes no subscriber received. */
  lostWrites: number;
  /** Per subscriber, stream events it never received, summed. */
  missing: number;
  /** Events received more than once, summed over subscribers. */
  duplicated: number;
  /** Events received after one with a later stream id, summed over subscribers. */
  outOfOrder: number;
  /** Subscriptions that ended with an error. */
  subscriptionErrors: string[];
  reconnects: ReconnectFigures & { byKind: Record<string, ReconnectFigures> };
  legacy: {
    requests: number;
    answered: number;
    refused: number;
    failed: number;
    /** Still waiting for an answer or a failure: hung. */
    pending: number;
    /** req_ids answered more than once on the wire. */
    answeredTwice: number;
    /** Distinct failure messages, with their counts. */
    failures: Record<string, number>;
  };
}

export interface ReconnectFigures {
  count: number;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
  maxMs: number | undefined;
}

function reconnectFigures(durations: readonly number[]): ReconnectFigures {
  return { count: durations.length, p50Ms: percentile(durations, 50), p99Ms: percentile(durations, 99), maxMs: percentile(durations, 100) };
}

/** Nearest-rank percentile of `values`; undefined when there are none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function tally(messages: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const message of messages) counts[message] = (counts[message] ?? 0) + 1;
  return counts;
}

export function deliveryReport(input: {
  subscribers: readonly SubscriberRecord[];
  writes: readonly WriteRecord[];
  legacyRequests?: readonly LegacyRequestRecord[];
  legacyWire?: readonly LegacyWireRecord[];
}): DeliveryReport {
  const { subscribers, writes, legacyRequests = [], legacyWire = [] } = input;
  const written = new Set(writes.map(({ name }) => name));
  const ofWriter = (events: readonly ReceivedEvent[]) => events.filter(({ name }) => written.has(name));

  // The stream's writer events, as every subscriber together saw them.
  const stream = new Map<string, ReceivedEvent>();
  for (const subscriber of subscribers) for (const event of ofWriter(subscriber.events)) stream.set(event.id, event);
  const seenAuthorIds = new Set([...stream.values()].map(({ authorId }) => authorId));
  const acknowledged = writes.filter(({ authorId }) => authorId !== undefined);

  let eventsReceived = 0;
  let missing = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  for (const subscriber of subscribers) {
    const events = ofWriter(subscriber.events);
    eventsReceived += events.length;
    const ids = new Set(events.map(({ id }) => id));
    duplicated += events.length - ids.size;
    missing += [...stream.keys()].filter((id) => !ids.has(id)).length;
    outOfOrder += events.filter((event, index) => index > 0 && compareEventIds(events[index - 1]!.id, event.id) >= 0).length;
  }

  const reconnects = subscribers.flatMap((subscriber) => subscriber.reconnects);
  const legacyFailures = tally(legacyRequests.flatMap(({ outcome, error }) => (outcome === 'failed' || outcome === 'refused' ? [error ?? outcome] : [])));
  const count = (outcome: LegacyRequestRecord['outcome']) => legacyRequests.filter((request) => request.outcome === outcome).length;
  return {
    subscribers: subscribers.length,
    writes: {
      acknowledged: acknowledged.length,
      failed: writes.length - acknowledged.length,
      failures: tally(writes.flatMap(({ error }) => (error === undefined ? [] : [error]))),
    },
    streamEvents: stream.size,
    eventsExpected: subscribers.length * stream.size,
    eventsReceived,
    lostWrites: acknowledged.filter(({ authorId }) => !seenAuthorIds.has(authorId!)).length,
    missing,
    duplicated,
    outOfOrder,
    subscriptionErrors: subscribers.flatMap(({ name, errors }) => errors.map((error) => `${name}: ${error}`)),
    reconnects: {
      ...reconnectFigures(reconnects),
      byKind: Object.fromEntries(
        [...new Set(subscribers.map(({ kind }) => kind))].map((kind) => [
          kind,
          reconnectFigures(subscribers.filter((subscriber) => subscriber.kind === kind).flatMap((subscriber) => subscriber.reconnects)),
        ]),
      ),
    },
    legacy: {
      requests: legacyRequests.length,
      answered: count('answered'),
      refused: count('refused'),
      failed: count('failed'),
      pending: count('pending'),
      answeredTwice: legacyWire.reduce((sum, { answersByReqId }) => sum + [...answersByReqId.values()].filter((n) => n > 1).length, 0),
      failures: legacyFailures,
    },
  };
}

/** Throws, naming what went wrong, unless every subscriber has every stream event exactly once and in order. */
export function assertExactlyOnceInOrder(report: DeliveryReport): void {
  const problems = [
    report.streamEvents < report.writes.acknowledged && `${report.writes.acknowledged - report.streamEvents} acknowledged writes are not in the stream`,
    report.lostWrites > 0 && `${report.lostWrites} acknowledged writes reached no subscriber`,
    report.missing > 0 && `${report.missing} events missing`,
    report.duplicated > 0 && `${report.duplicated} events duplicated`,
    report.outOfOrder > 0 && `${report.outOfOrder} events out of order`,
    report.eventsReceived !== report.eventsExpected && `received ${report.eventsReceived} events, expected ${report.eventsExpected}`,
    report.subscriptionErrors.length > 0 && `subscriptions ended with errors: ${report.subscriptionErrors.slice(0, 5).join('; ')}`,
  ].filter(Boolean);
  if (problems.length) throw new Error(`delivery is not exactly once in order: ${problems.join(', ')}`);
}
