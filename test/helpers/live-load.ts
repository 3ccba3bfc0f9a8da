// A live load against one or more base URLs (instances, or the load balancer in front of them):
// subscribers to authors.onChange on every kind of client — the stock @trpc/client (wsLink with `ws`,
// httpSubscriptionLink with `eventsource`) and @authors/client (watchLiveEvents over WS and SSE) —,
// legacy `/web` sockets (LegacyClient) sending requests, and a writer creating one author every few
// milliseconds. Everything each of them saw is recorded; delivery-report.ts says whether it was
// exactly once and in order, and how long reconnecting took. For restart, rolling-deploy and
// failover tests: stop and start the servers in between, then wait and check.
import { createClient, LegacyClient, LegacyConnectionError, LegacyRequestError, PkgID, watchLiveEvents, type AppRouter } from '@authors/client';
import type { AuthorEvent } from '@authors/shared';
import { createTRPCClient, createWSClient, httpSubscriptionLink, wsLink, type TRPCClient } from '@trpc/client';
import { EventSource } from 'eventsource';
import superjson from 'superjson';
import WebSocket, { type RawData } from 'ws';
import {
  deliveryReport,
  type DeliveryReport,
  type LegacyRequestRecord,
  type LegacyWireRecord,
  type ReceivedEvent,
  type SubscriberRecord,
  type WriteRecord,
} from './delivery-report';

export type SubscriberKind = 'stock-ws' | 'stock-sse' | 'client-ws' | 'client-sse';

export interface LiveLoadOptions {
  /** Where clients connect: subscriber and legacy socket `i` use `urls[i % urls.length]`. */
  urls: readonly string[];
  /** A token of a user holding `get-authors`, for subscribers and legacy sockets (or a function, called on each connect). */
  readerToken: string | (() => Promise<string | undefined>);
  /** A token of a user holding `create-author`, for the writer. */
  writerToken: string;
  subscribers: Partial<Record<SubscriberKind, number>>;
  legacySockets?: number;
  /**
   * The writer waits this many ms (default 20) after each create's answer before the next, once
   * `startWriting` is called: one write in flight at a time, so an overloaded or restarting server
   * slows the writer down instead of piling writes up.
   */
  writeEveryMs?: number;
  /** Where each write goes (default: round-robin over `urls`), e.g. an instance that is not being restarted. */
  writeUrl?: () => string;
  /** Each legacy socket sends one request, waits for its outcome, then this many ms (default 500). */
  legacyRequestEveryMs?: number;
  /**
   * The stock WebSocket clients' retry delay (default tRPC's: 0, 2, 4, 8… s). With several `urls`
   * they also take the next URL on each connect, as a client given a list of servers would.
   */
  retryDelayMs?: (attempt: number) => number;
}

export interface LiveLoad extends AsyncDisposable {
  readonly subscribers: readonly SubscriberRecord[];
  readonly writes: readonly WriteRecord[];
  readonly legacyRequests: readonly LegacyRequestRecord[];
  /** Resolves once every subscriber is subscribed and every legacy socket connected; throws after `timeoutMs`. */
  waitUntilLive(timeoutMs?: number): Promise<void>;
  startWriting(): void;
  /** Stops the writer and waits for the writes in flight to settle. */
  stopWriting(): Promise<void>;
  /** Resolves once every subscriber has every acknowledged write; throws with the report after `timeoutMs`. */
  waitUntilDelivered(timeoutMs?: number): Promise<void>;
  /** Resolves once `count` more writes have been acknowledged than when called. */
  waitForWrites(count: number, timeoutMs?: number): Promise<void>;
  report(): DeliveryReport;
  /** Stops everything; each legacy socket's last request gets its outcome first. */
  close(): Promise<void>;
}

const WebSocketImpl = WebSocket as unknown as typeof globalThis.WebSocket;
const EventSourceImpl = EventSource as unknown as typeof globalThis.EventSource;
const WRITE_TIMEOUT_MS = 15_000;
/** Long enough for a request to wait out its instance's restart (LegacyClient waits to reconnect): on a busy 2-core machine a start can take 30 s. */
const LEGACY_TIMEOUT_MS = 60_000;

/** Polls `done` every 50 ms until it holds; throws `describe()` after `timeoutMs`. */
export async function waitUntil(done: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await sleep(50);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** Tracks one subscriber's connection: reconnect time is from losing it to being subscribed again. */
function connectionTracker(record: SubscriberRecord) {
  let live = false;
  let lostAt: number | undefined;
  return {
    get live() {
      return live;
    },
    subscribed() {
      if (lostAt !== undefined) record.reconnects.push(Date.now() - lostAt);
      lostAt = undefined;
      live = true;
    },
    lost() {
      if (!live) return;
      live = false;
      lostAt = Date.now();
    },
  };
}

interface Subscriber {
  record: SubscriberRecord;
  readonly live: boolean;
  stop(): Promise<void>;
}

function authorEvent(id: string, event: AuthorEvent): ReceivedEvent {
  return { id, type: event.type, authorId: event.author.id, name: event.author.name };
}

function startStockSubscriber(index: number, kind: 'stock-ws' | 'stock-sse', options: LiveLoadOptions): Subscriber {
  const { urls } = options;
  let next = index;
  const nextUrl = () => urls[next++ % urls.length]!;
  const record: SubscriberRecord = { name: `${kind} ${index}`, kind, url: urls[index % urls.length]!, events: [], reconnects: [], errors: [] };
  const tracker = connectionTracker(record);
  const connectionParams = async () => ({ token: (typeof options.readerToken === 'string' ? options.readerToken : await options.readerToken()) ?? '' });
  let client: TRPCClient<AppRouter>;
  let closeClient = async () => {};
  if (kind === 'stock-ws') {
    const wsClient = createWSClient({
      url: () => `${nextUrl().replace(/^http/, 'ws')}/trpc`,
      connectionParams,
      WebSocket: WebSocketImpl,
      ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}),
    });
    client = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient, transformer: superjson })] });
    closeClient = () => wsClient.close();
  } else {
    client = createTRPCClient<AppRouter>({
      links: [httpSubscriptionLink({ url: `${record.url}/trpc`, transformer: superjson, connectionParams, EventSource: EventSourceImpl })],
    });
  }
  const subscription = client.authors.onChange.subscribe(
    {},
    {
      onStarted: () => tracker.subscribed(),
      onData: ({ id, data }) => record.events.push(authorEvent(id, data)),
      onConnectionStateChange: ({ state }) => {
        if (state === 'connecting') tracker.lost();
      },
      onError: (error) => record.errors.push(errorText(error)),
    },
  );
  return {
    record,
    get live() {
      return tracker.live;
    },
    async stop() {
      subscription.unsubscribe();
      await closeClient();
    },
  };
}

function startClientSubscriber(index: number, kind: 'client-ws' | 'client-sse', options: LiveLoadOptions): Subscriber {
  const url = options.urls[index % options.urls.length]!;
  const record: SubscriberRecord = { name: `${kind} ${index}`, kind, url, events: [], reconnects: [], errors: [] };
  const tracker = connectionTracker(record);
  const { readerToken } = options;
  const client = createClient({
    url,
    ...(typeof readerToken === 'string' ? { token: readerToken } : { getToken: readerToken }),
    subscriptions: kind === 'client-ws' ? 'ws' : 'sse',
    WebSocket: WebSocketImpl,
    EventSource: EventSourceImpl,
  });
  const feed = watchLiveEvents(client, {
    onEvent: (event) => {
      if (event.type !== 'broadcast') record.events.push(authorEvent(event.id, event));
    },
    onState: (state) => (state === 'live' ? tracker.subscribed() : tracker.lost()),
    onError: (error) => record.errors.push(errorText(error)),
  });
  return {
    record,
    get live() {
      return tracker.live;
    },
    stop: async () => feed.stop(),
  };
}

function reqIdOf(frame: string): string | undefined {
  const reqId = (JSON.parse(frame) as { req_id?: unknown }).req_id;
  return typeof reqId === 'string' ? reqId : undefined;
}

/** A LegacyClient whose socket counts, per req_id, the answers that come back on the wire. */
function recordingWebSocket(wire: LegacyWireRecord): typeof globalThis.WebSocket {
  class RecordingWebSocket extends WebSocket {
    constructor(url: string) {
      super(url);
      this.on('message', (data: RawData) => {
        const reqId = reqIdOf(data.toString());
        const answers = reqId === undefined ? undefined : wire.answersByReqId.get(reqId);
        if (answers !== undefined) wire.answersByReqId.set(reqId!, answers + 1);
      });
      const send = this.send.bind(this);
      this.send = ((data: string) => {
        const reqId = reqIdOf(data);
        // A request sent again (after a 1012 close) keeps its count: two answers in all is a duplicate.
        if (reqId !== undefined && !wire.answersByReqId.has(reqId)) wire.answersByReqId.set(reqId, 0);
        send(data);
      }) as typeof send;
    }
  }
  return RecordingWebSocket as unknown as typeof globalThis.WebSocket;
}

function startLegacySocket(index: number, options: LiveLoadOptions, requests: LegacyRequestRecord[]) {
  const wire: LegacyWireRecord = { answersByReqId: new Map() };
  const { readerToken } = options;
  let stopped = false;
  let client: LegacyClient | undefined;
  const connected = LegacyClient.connect({
    url: options.urls[index % options.urls.length]!,
    ...(typeof readerToken === 'string' ? { token: readerToken } : { getToken: readerToken }),
    WebSocket: recordingWebSocket(wire),
    timeoutMs: LEGACY_TIMEOUT_MS,
  }).then((connectedClient) => (client = connectedClient));
  const loop = (async () => {
    try {
      await connected;
    } catch (error) {
      requests.push({ socket: index, outcome: 'failed', error: `connect: ${errorText(error)}` });
      return;
    }
    while (!stopped) {
      const request: LegacyRequestRecord = { socket: index, outcome: 'pending' };
      requests.push(request);
      try {
        await client!.request(PkgID.GET_PAGINATED_AUTHORS, { per_page: 1 });
        request.outcome = 'answered';
      } catch (error) {
        request.outcome = error instanceof LegacyRequestError ? 'refused' : 'failed';
        request.error = error instanceof LegacyConnectionError || error instanceof LegacyRequestError ? errorText(error) : `unexpected ${errorText(error)}`;
      }
      await sleep(options.legacyRequestEveryMs ?? 500);
    }
  })();
  return {
    wire,
    get isConnected() {
      return client !== undefined;
    },
    async stop() {
      // The request in flight gets its outcome first (within the client's timeout): closing under it
      // would fail it with 1000, an outcome of ours, not the server's.
      stopped = true;
      await loop;
      client?.close();
    },
  };
}

export async function startLiveLoad(options: LiveLoadOptions): Promise<LiveLoad> {
  const { urls } = options;
  const run = Math.random().toString(36).slice(2, 8);
  const subscribers: Subscriber[] = [];
  for (const [kind, count = 0] of Object.entries(options.subscribers) as [SubscriberKind, number | undefined][]) {
    for (let index = 0; index < count; index++) {
      subscribers.push(
        kind === 'stock-ws' || kind === 'stock-sse' ? startStockSubscriber(index, kind, options) : startClientSubscriber(index, kind, options),
      );
    }
  }
  const legacyRequests: LegacyRequestRecord[] = [];
  const legacySockets = Array.from({ length: options.legacySockets ?? 0 }, (_, index) => startLegacySocket(index, options, legacyRequests));

  const writes: WriteRecord[] = [];
  let writing = false;
  let writer: Promise<void> | undefined;
  let nextWriteUrl = 0;
  const writeUrl = options.writeUrl ?? (() => urls[nextWriteUrl++ % urls.length]!);
  async function write(record: WriteRecord) {
    try {
      const response = await fetch(`${record.url}/trpc/authors.create`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${options.writerToken}` },
        body: JSON.stringify({ json: { name: record.name } }),
        signal: AbortSignal.timeout(WRITE_TIMEOUT_MS),
      });
      const text = await response.text();
      if (response.status === 200) record.authorId = (JSON.parse(text) as { result: { data: { json: { id: number } } } }).result.data.json.id;
      else record.error = `${response.status} ${text.slice(0, 200)}`;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      record.error = `${errorText(error)}${cause ? ` (${cause})` : ''}`;
    }
  }

  const records = () => subscribers.map(({ record }) => record);
  const report = () =>
    deliveryReport({ subscribers: records(), writes, legacyRequests, legacyWire: legacySockets.map(({ wire }) => wire) });
  const acknowledged = () => writes.filter(({ authorId }) => authorId !== undefined).length;
  const stopWriting = async () => {
    writing = false;
    await writer;
    writer = undefined;
  };

  const load: LiveLoad = {
    get subscribers() {
      return records();
    },
    writes,
    legacyRequests,
    waitUntilLive: (timeoutMs = 30_000) =>
      waitUntil(
        () => subscribers.every(({ live }) => live) && legacySockets.every(({ isConnected }) => isConnected),
        timeoutMs,
        () =>
          `not live: ${subscribers.filter(({ live }) => !live).map(({ record }) => record.name).join(', ') || 'none'}; ` +
          `legacy sockets not connected: ${legacySockets.filter(({ isConnected }) => !isConnected).length}`,
      ),
    startWriting() {
      writing = true;
      writer ??= (async () => {
        while (writing) {
          const record: WriteRecord = { name: `load ${run} ${writes.length + 1}`, url: writeUrl() };
          writes.push(record);
          await write(record);
          await sleep(options.writeEveryMs ?? 20);
        }
      })();
    },
    stopWriting,
    waitForWrites(count, timeoutMs = 30_000) {
      const target = acknowledged() + count;
      return waitUntil(
        () => acknowledged() >= target,
        timeoutMs,
        () => `${acknowledged()} of ${target} writes acknowledged; ${JSON.stringify(report().writes)}; last: ${JSON.stringify(writes.at(-1))}`,
      );
    },
    waitUntilDelivered(timeoutMs = 30_000) {
      return waitUntil(
        () => {
          // Acknowledged writes, and those that were not but reached a subscriber (committed by an
          // instance that died before it answered): every subscriber must end with all of them.
          const wanted = new Set(writes.flatMap(({ authorId }) => (authorId === undefined ? [] : [authorId])));
          for (const { record } of subscribers) for (const { authorId } of record.events) wanted.add(authorId);
          return subscribers.every(({ record }) => {
            const seen = new Set(record.events.map(({ authorId }) => authorId));
            return [...wanted].every((id) => seen.has(id));
          });
        },
        timeoutMs,
        () => JSON.stringify(report()),
      );
    },
    report,
    async close() {
      await stopWriting();
      await Promise.all([...subscribers, ...legacySockets].map((client) => client.stop()));
    },
    [Symbol.asyncDispose]: () => load.close(),
  };
  return load;
}
