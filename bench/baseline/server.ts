// The no-framework baseline the project is measured against (`npm run bench`): node:http + ws +
// postgres + jose + ioredis doing the same work per request — verify the RS256 access token against
// the project's JWKS (remembering verified tokens until `exp`, at most 60 s, as the project does),
// check the same Redis Lua sliding-window limit, run the same ILIKE query as a prepared statement,
// write the same JSON bytes — with nothing else (no metrics, no logs, no audit, no per-user connection
// registry, no schema validation beyond the types it reads). Timestamps go from PostgreSQL's text
// straight to ISO text, never through a Date: JSON.stringify calling Date#toJSON on 200 values costs
// more than everything else in a legacy answer. bench/parity.ts checks before every run that it
// answers each measured call byte for byte as the project does.
// It speaks just enough of each wire format for the same load generators to drive it:
//   GET  /authors?name=            REST JSON            GET  /trpc/authors.list?input=   tRPC (superjson)
//   POST /trpc/authors.create      insert + XADD        POST /trpc/system.broadcast      XADD
//   WS   /web?token=               legacy pkg_id 1      WS   /trpc?connectionParams=1    tRPC WS: query + subscription
// Fan-out: one blocking XREAD loop; each event is serialized once, every socket gets the same bytes
// (tRPC sockets get their subscription id spliced in front).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import postgres from 'postgres';
import superjson from 'superjson';
import { WebSocketServer, type WebSocket } from 'ws';
import { Redis } from 'ioredis';
// The project's limiter is imported for its Lua script (the same limit check is the point); the
// Redis client is the baseline's own, so client options changed in the project do not follow.
import { createRedisRateLimiter } from '../../server/src/state/rate-limiter-redis';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const PORT = Number(env('PORT'));
const ISSUER = env('ISSUER');
const jwks = createRemoteJWKSet(new URL(env('JWKS_URL')));
/**
 * `timestamptz` text in a UTC session (`2026-12-04 22:36:40.123456+00`, the fraction optional) as
 * the ISO string a Date would print: milliseconds truncated, as Date truncates microseconds.
 */
function isoOf(text: string): string {
  const end = text.indexOf('+', 19);
  const ms = text[19] === '.' ? `${text.slice(20, end)}00`.slice(0, 3) : '000';
  return `${text.slice(0, 10)}T${text.slice(11, 19)}.${ms}Z`;
}
const TIMESTAMPTZ = 1184;
const sql = postgres(env('DATABASE_URL'), {
  max: 10,
  onnotice: () => {},
  connection: { TimeZone: 'UTC' },
  types: { isoText: { to: TIMESTAMPTZ, from: [TIMESTAMPTZ], serialize: (value: string) => value, parse: isoOf } },
});

interface AuthorRow {
  id: number;
  name: string;
  created_at: string;
  updated_at: string;
}

/** superjson's output for authors (timestamps are Dates to it), written directly. */
const DATE = ['Date'];
function superjsonAuthors(rows: readonly AuthorRow[]) {
  if (rows.length === 0) return { json: rows };
  const values: Record<string, string[]> = {};
  for (let i = 0; i < rows.length; i++) {
    values[`${i}.created_at`] = DATE;
    values[`${i}.updated_at`] = DATE;
  }
  return { json: rows, meta: { values, v: 1 } };
}
const superjsonAuthor = (row: AuthorRow) => ({ json: row, meta: { values: { created_at: DATE, updated_at: DATE }, v: 1 } });
const redis = new Redis(env('REDIS_URL'), { keyPrefix: env('REDIS_KEY_PREFIX') });
const reader = redis.duplicate();
await Promise.all([redis.ping(), reader.ping()]);
const limiter = createRedisRateLimiter(redis);
const LIMIT = 1_000_000_000;
const STREAM = 'events';
const CLIENT_ID = 'authors-app';
const BROADCAST_REQ_ID = '00000000-0000-0000-0000-000000000000';

interface Caller {
  username: string;
  roles: string[];
}

const verified = new Map<string, { caller: Caller; validUntil: number }>();
const MAX_VERIFIED = 10_000;

async function verify(header: string | undefined | null): Promise<Caller | undefined> {
  if (!header) return undefined;
  const token = header.replace(/^Bearer /, '');
  const cached = verified.get(token);
  if (cached && Date.now() < cached.validUntil) return cached.caller;
  try {
    const { payload } = await jwtVerify(token, jwks, { issuer: ISSUER, algorithms: ['RS256'], clockTolerance: 30 });
    const claims = payload as { realm_access?: { roles?: string[] }; resource_access?: Record<string, { roles?: string[] }> };
    const roles = [...(claims.realm_access?.roles ?? []), ...(claims.resource_access?.[CLIENT_ID]?.roles ?? [])];
    const caller = { username: String(payload.preferred_username), roles };
    if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value!);
    verified.set(token, { caller, validUntil: Math.min((payload.exp ?? Infinity) * 1000, Date.now() + 60_000) });
    return caller;
  } catch {
    return undefined;
  }
}

/** The role each measured call needs (RBAC as cheap as it gets: one array lookup). */
const ROLE_OF: Record<string, string> = {
  '/authors': 'get-authors',
  '/trpc/authors.list': 'get-authors',
  '/trpc/authors.create': 'create-author',
  '/trpc/system.broadcast': 'admin',
};
const may = (caller: Caller, role: string | undefined) => role === undefined || caller.roles.includes(role);

const allowed = async (caller: Caller) => (await limiter.consume(`user:${caller.username}`, LIMIT, 60_000)).allowed;

const listAuthors = (name: string) =>
  sql<AuthorRow[]>`SELECT id, name, created_at, updated_at FROM author WHERE name ILIKE ${`%${name.replace(/[\\%_]/g, '\\$&')}%`} ORDER BY id`;

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

const trpcData = (data: unknown) => JSON.stringify({ result: { data } });

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/health') return send(res, 200, '{"status":"healthy"}');
  const caller = await verify(req.headers.authorization);
  if (!caller) return send(res, 401, '{"detail":"Authentication required"}');
  if (!(await allowed(caller))) return send(res, 429, '{"detail":"Rate limit exceeded. Please try again later."}');
  if (!may(caller, ROLE_OF[url.pathname])) return send(res, 403, '{"detail":"Forbidden"}');
  switch (url.pathname) {
    case '/authors':
      return send(res, 200, JSON.stringify(await listAuthors(url.searchParams.get('name') ?? '')));
    case '/trpc/authors.list': {
      const input = superjson.deserialize<{ name?: string }>(JSON.parse(url.searchParams.get('input') ?? '{"json":{}}'));
      return send(res, 200, trpcData(superjsonAuthors(await listAuthors(input.name ?? ''))));
    }
    case '/trpc/authors.create': {
      const { name } = superjson.deserialize<{ name: string }>(JSON.parse(await readBody(req)));
      const [author] = await sql<AuthorRow[]>`INSERT INTO author (name) VALUES (${name.trim()}) RETURNING id, name, created_at, updated_at`;
      await publish({ type: 'created', author });
      return send(res, 200, trpcData(superjsonAuthor(author!)));
    }
    case '/trpc/system.broadcast': {
      const { message } = superjson.deserialize<{ message: string }>(JSON.parse(await readBody(req)));
      await publish({ type: 'broadcast', message, from: caller.username });
      return send(res, 200, trpcData(superjson.serialize({ delivered: true })));
    }
    default:
      return send(res, 404, '{"detail":"Not Found"}');
  }
}

const publish = (event: unknown) => redis.xadd(STREAM, 'MAXLEN', '~', 10_000, '*', 'event', superjson.stringify(event));

// --- WebSockets -------------------------------------------------------------------------------
const legacySockets = new Set<WebSocket>();
/** tRPC sockets subscribed to broadcasts: socket → subscription id. */
const subscribers = new Map<WebSocket, string | number>();

async function legacyRequest(ws: WebSocket, caller: Caller, text: string): Promise<void> {
  const frame = JSON.parse(text) as { pkg_id: number; req_id: string; data?: { filters?: { name?: string } } };
  const base = { pkg_id: frame.pkg_id, req_id: frame.req_id };
  if (!(await allowed(caller))) {
    return ws.send(JSON.stringify({ ...base, status_code: 1, meta: null, data: null, msg: 'Rate limit exceeded' }));
  }
  const name = frame.data?.filters?.name ?? '';
  if (!may(caller, 'get-authors') || typeof name !== 'string') {
    return ws.send(JSON.stringify({ ...base, status_code: 2, meta: null, data: null, msg: 'Invalid data' }));
  }
  const data = await listAuthors(name);
  ws.send(JSON.stringify({ ...base, status_code: 0, meta: null, data }));
}

interface TrpcMessage {
  id: number | string;
  method: string;
  params?: { path: string; input?: unknown };
  data?: { token?: string };
}

async function trpcRequest(ws: WebSocket, caller: Caller, message: TrpcMessage): Promise<void> {
  const { id, method } = message;
  if (method === 'subscription.stop') return void subscribers.delete(ws);
  if (method === 'subscription') {
    subscribers.set(ws, id);
    return ws.send(JSON.stringify({ id, result: { type: 'started' } }));
  }
  if (!(await allowed(caller))) {
    return ws.send(JSON.stringify({ id, error: { json: { message: 'Rate limit exceeded', code: -32029 } } }));
  }
  const input = superjson.deserialize<{ name?: string }>(message.params?.input as never) ?? {};
  if (!may(caller, 'get-authors') || (input.name !== undefined && typeof input.name !== 'string')) {
    return ws.send(JSON.stringify({ id, error: { json: { message: 'Forbidden', code: -32003 } } }));
  }
  const data = superjsonAuthors(await listAuthors(input.name ?? ''));
  ws.send(JSON.stringify({ id, result: { type: 'data', data } }));
}

const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });

function onLegacy(ws: WebSocket, req: IncomingMessage): void {
  const token = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  const ready = verify(token).then((caller) => {
    if (!caller) ws.close(4001, 'Invalid token');
    else {
      legacySockets.add(ws);
      ws.send('{"type":"auth_ok"}');
    }
    return caller;
  });
  ws.on('message', (raw) => {
    void ready.then((caller) => caller && legacyRequest(ws, caller, raw.toString())).catch(() => ws.terminate());
  });
  ws.on('close', () => legacySockets.delete(ws));
}

function onTrpc(ws: WebSocket): void {
  let ready: Promise<Caller | undefined> | undefined;
  ws.on('message', (raw) => {
    const message = JSON.parse(raw.toString()) as TrpcMessage;
    if (!ready) {
      ready = verify(message.data?.token);
      void ready.then((caller) => caller || ws.close(4001, 'Invalid token'));
      return;
    }
    void ready.then((caller) => caller && trpcRequest(ws, caller, message)).catch(() => ws.terminate());
  });
  ws.on('close', () => subscribers.delete(ws));
}

async function fanOut(): Promise<void> {
  let last = '$';
  for (;;) {
    const reply = (await reader.xread('BLOCK', 5_000, 'STREAMS', STREAM, last)) as [string, [string, string[]][]][] | null;
    for (const [, entries] of reply ?? []) {
      for (const [id, fields] of entries) {
        last = id;
        const event = superjson.parse<{ type: string }>(fields[1]!);
        const legacyFrame = JSON.stringify({ pkg_id: 1, req_id: BROADCAST_REQ_ID, data: event });
        for (const ws of legacySockets) ws.send(legacyFrame);
        if (event.type !== 'broadcast') continue;
        const tail = `,"result":{"type":"data","id":${JSON.stringify(id)},"data":${superjson.stringify(event)}}}`;
        for (const [ws, subscriptionId] of subscribers) ws.send(`{"id":${JSON.stringify(subscriptionId)}${tail}`);
      }
    }
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    console.error(error);
    if (!res.headersSent) send(res, 500, '{"detail":"Internal server error"}');
  });
});
server.on('upgrade', (req, socket, head) => {
  const path = (req.url ?? '/').split('?', 1)[0];
  if (path !== '/web' && path !== '/trpc') return socket.destroy();
  wss.handleUpgrade(req, socket, head, (ws) => (path === '/web' ? onLegacy(ws, req) : onTrpc(ws)));
});
server.listen(PORT, '127.0.0.1', () => console.log(`baseline listening on ${PORT}`));
void fanOut();
process.on('SIGTERM', () => process.exit(0));
