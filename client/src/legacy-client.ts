// A typed client for the legacy `/web` protocol, for TypeScript code that still speaks it:
// requests typed by pkg_id and matched by req_id, broadcasts, and automatic reconnection.
//
// What happens to a request when its socket closes depends on the close code. 1012 (the server is
// restarting) comes only after the server answered every request it ran on that socket, so the
// requests without an answer never ran: they are sent again, with the same req_id, once reconnected.
// Any other close (1006 for a crash or a network cut, 4001, 1008…) fails them with
// LegacyConnectionError, since they may or may not have run. A request made while reconnecting waits
// for the connection, within its timeout.
import {
  BROADCAST_REQ_ID,
  StatusCode,
  type LegacyBroadcastData,
  type LegacyErrorData,
  type LegacyRequestData,
  type LegacyResponse,
  type LegacyResponseData,
  type PaginationMeta,
  type PkgID,
} from '@authors/shared';

type Token = string | undefined;

export interface LegacyClientOptions {
  /** Base URL of the server (`http://…` or `ws://…`); the client connects to `<url>/web`. */
  url: string;
  token?: string;
  /** Called before each (re)connect; wins over `token`. */
  getToken?: () => Token | Promise<Token>;
  /** `query` sends `?token=` (default); `frame` sends a first `{"type":"auth"}` frame. */
  auth?: 'query' | 'frame';
  /** WebSocket implementation where there is no global one (Node 20: pass `ws`). */
  WebSocket?: typeof globalThis.WebSocket;
  /**
   * Reconnect after an unexpected close (default true). Requests without an answer are sent again
   * after a 1012 close (server restart) and fail after any other close.
   */
  reconnect?: boolean;
  /** How long a request waits for its answer, reconnecting included (default 30 s). */
  timeoutMs?: number;
}

export interface LegacyResult<P extends PkgID> {
  data: LegacyResponseData[P];
  meta: PaginationMeta | null;
}

/** A response with a non-zero status_code. */
export class LegacyRequestError extends Error {
  override name = 'LegacyRequestError';
  constructor(
    readonly statusCode: StatusCode,
    readonly data: LegacyErrorData,
  ) {
    super(data.msg);
  }
}

/** The socket closed: with the server's close code (4001 bad token, 1008 too many connections…). */
export class LegacyConnectionError extends Error {
  override name = 'LegacyConnectionError';
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`Connection closed (${code}${reason ? `: ${reason}` : ''})`);
  }
}

interface Pending {
  frame: string;
  /** The socket it was sent on; undefined while it waits to be sent (again). */
  sentOn: WebSocket | undefined;
  resolve(result: LegacyResult<PkgID>): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** The server closes with this only after answering every request it ran on the socket. */
const SERVER_RESTART = 1012;

const retryDelayMs = (attempt: number) => Math.min(250 * 2 ** attempt, 5_000);

export class LegacyClient {
  private socket: WebSocket | undefined;
  /** The socket requests are sent on: authenticated and not closed. */
  private connected: WebSocket | undefined;
  private reconnecting = false;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(data: LegacyBroadcastData) => void>();
  private closedByUser = false;
  private attempt = 0;

  private constructor(private readonly options: LegacyClientOptions) {}

  /** Connects and resolves once the server has accepted the token (`auth_ok`). */
  static async connect(options: LegacyClientOptions): Promise<LegacyClient> {
    const client = new LegacyClient(options);
    await client.open();
    return client;
  }

  /** Sends one request; resolves on status_code 0, rejects with LegacyRequestError otherwise. */
  async request<P extends PkgID>(pkgId: P, data?: LegacyRequestData[P]): Promise<LegacyResult<P>> {
    if (!this.reconnecting) await (this.ready ?? this.open());
    // Closed for good (reconnect off, or closed by the user): nothing would ever send it.
    if (!this.connected && !this.reconnecting) throw new LegacyConnectionError(1006, 'not connected');
    const reqId = globalThis.crypto.randomUUID();
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    return new Promise<LegacyResult<P>>((resolve, reject) => {
      const pending: Pending = {
        frame: JSON.stringify({ pkg_id: pkgId, req_id: reqId, data: data ?? {} }),
        sentOn: undefined,
        resolve: resolve as Pending['resolve'],
        reject,
        timer: setTimeout(() => {
          this.pending.delete(reqId);
          reject(
            pending.sentOn
              ? new Error(`No answer to pkg_id ${pkgId} within ${timeoutMs} ms`)
              : new LegacyConnectionError(1006, `not connected within ${timeoutMs} ms`),
          );
        }, timeoutMs),
      };
      this.pending.set(reqId, pending);
      if (this.connected) this.sendOn(this.connected, pending);
    });
  }

  /** Author events and admin broadcasts; returns a function that stops listening. */
  onBroadcast(listener: (data: LegacyBroadcastData) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closedByUser = true;
    this.reconnecting = false;
    this.socket?.close(1000, 'client closed');
    this.failPending(new LegacyConnectionError(1000, 'client closed'), () => true);
  }

  private open(): Promise<void> {
    this.ready = this.connectOnce().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async connectOnce(): Promise<void> {
    const token = await (this.options.getToken ?? (() => this.options.token))();
    const base = `${this.options.url.replace(/^http/, 'ws').replace(/\/$/, '')}/web`;
    const byFrame = this.options.auth === 'frame';
    const url = token && !byFrame ? `${base}?token=${encodeURIComponent(token)}` : base;
    const Implementation = this.options.WebSocket ?? globalThis.WebSocket;
    const socket = new Implementation(url);
    this.socket = socket;

    await new Promise<void>((resolve, reject) => {
      let authenticated = false;
      socket.onopen = () => {
        if (byFrame) socket.send(JSON.stringify({ type: 'auth', token: `Bearer ${token ?? ''}` }));
      };
      socket.onmessage = (event: MessageEvent) => {
        const frame = JSON.parse(String(event.data)) as { type?: string } & Partial<LegacyResponse>;
        if (!authenticated) {
          if (frame.type === 'auth_ok') {
            authenticated = true;
            this.attempt = 0;
            this.connected = socket;
            this.reconnecting = false;
            for (const pending of this.pending.values()) if (!pending.sentOn) this.sendOn(socket, pending);
            resolve();
          }
          return;
        }
        this.dispatch(frame as LegacyResponse);
      };
      // The close event that follows carries the failure; with `ws` an 'error' nobody listens to
      // would be thrown (a reconnect to a server that is down would crash the process).
      socket.onerror = () => {};
      socket.onclose = (event: CloseEvent) => {
        const error = new LegacyConnectionError(event.code, event.reason);
        if (!authenticated) reject(error);
        if (this.connected === socket) this.connected = undefined;
        const reconnect = authenticated && !this.closedByUser && this.options.reconnect !== false;
        if (reconnect && event.code === SERVER_RESTART) {
          // Not run (see the header): sent again once reconnected.
          for (const pending of this.pending.values()) if (pending.sentOn === socket) pending.sentOn = undefined;
        } else {
          this.failPending(error, (pending) => pending.sentOn === socket || (!reconnect && !this.reconnecting));
        }
        if (reconnect) this.scheduleReconnect();
      };
    });
  }

  private dispatch(frame: LegacyResponse): void {
    if (frame.req_id === BROADCAST_REQ_ID) {
      for (const listener of this.listeners) listener(frame.data as LegacyBroadcastData);
      return;
    }
    const pending = this.pending.get(String(frame.req_id));
    if (!pending) return;
    this.pending.delete(String(frame.req_id));
    clearTimeout(pending.timer);
    if (frame.status_code === StatusCode.OK) {
      pending.resolve({ data: frame.data as LegacyResponseData[PkgID], meta: frame.meta });
    } else {
      pending.reject(new LegacyRequestError(frame.status_code, frame.data as LegacyErrorData));
    }
  }

  private sendOn(socket: WebSocket, pending: Pending): void {
    pending.sentOn = socket;
    socket.send(pending.frame);
  }

  private failPending(error: Error, which: (pending: Pending) => boolean): void {
    for (const [reqId, pending] of this.pending) {
      if (!which(pending)) continue;
      clearTimeout(pending.timer);
      pending.reject(error);
      this.pending.delete(reqId);
    }
  }

  private scheduleReconnect(): void {
    this.reconnecting = true;
    this.ready = new Promise<void>((resolve, reject) => {
      setTimeout(() => {
        this.attempt++;
        this.connectOnce().then(resolve, (error: unknown) => {
          if (!this.closedByUser) this.scheduleReconnect();
          reject(error);
        });
      }, retryDelayMs(this.attempt));
    });
    this.ready.catch(() => {}); // a later request awaits the newest attempt
  }
}
