// What one idle authenticated WebSocket costs the production server (W5, by kind): starts
// `server/dist/main.js` as the bench does (NODE_ENV=production, PostgreSQL + Redis, inspector on),
// then for each kind — legacy `/web?token=`, tRPC `/trpc` with connectionParams, and such a tRPC
// socket subscribed to `system.onBroadcast` (as the W3 receivers are) — opens N sockets
// from this process and reads, each after a full GC: RSS, V8 heap, external and ArrayBuffer bytes,
// and (in a separate pass, as a snapshot itself grows RSS) a heap snapshot, diffed by kind of object.
//   node --conditions=@authors/source --import tsx bench/memory/idle-connections.ts [N] [rounds]
// Run `npm run build -w @authors/server` first. Not pinned: run it on a quiet machine and compare rounds.
// IDLE_ENTRY=<bundle> measures another build instead (e.g. one from bench/servers.ts buildReference).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { freePort } from '../../deploy/local/processes';
import { connectTestRedis, createTestDatabase, REDIS_URL } from '../../test/helpers/services';
import { connectInspector } from '../inspector';
import { rssOf } from '../load/fanout';
import { PROJECT_ENTRY } from '../servers';
import { heapGrowth, newObjectShapes, summarizeHeap } from './heap-summary';

const N = Number(process.argv[2] ?? 2000);
const ROUNDS = Number(process.argv[3] ?? 2);
const USER = 'bench';
/** IDLE_SHAPES=1: also list the new objects by shape (property / variable names), to attribute them. */
const SHAPES = process.env.IDLE_SHAPES === '1';
type Kind = 'legacy' | 'trpc' | 'subscribed';
const KINDS: readonly Kind[] = ['legacy', 'trpc', 'subscribed'];

const ROOT = new URL('../..', import.meta.url).pathname;
const log = (message: string) => console.log(`[idle ${new Date().toISOString().slice(11, 19)}] ${message}`);

await using database = await createTestDatabase();
const password = randomBytes(12).toString('hex');
execFileSync(process.execPath, [join(ROOT, 'server/dist/user.js'), 'add', USER, '--roles', 'get-authors,create-author,admin'], {
  env: { PATH: process.env.PATH, DATABASE_URL: database.url },
  input: password,
  stdio: ['pipe', 'ignore', 'inherit'],
});
const redisPrefix = `bench:idle:${randomBytes(6).toString('hex')}:`;
const port = await freePort();
const logFile = join(tmpdir(), `idle-memory-${port}.log`);
const server = spawn(process.execPath, ['--inspect=127.0.0.1:0', process.env.IDLE_ENTRY ?? PROJECT_ENTRY], {
  cwd: ROOT,
  env: {
    PATH: process.env.PATH,
    HOST: '127.0.0.1',
    PORT: String(port),
    NODE_ENV: 'production',
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: redisPrefix,
    LOG_LEVEL: 'info',
    ACCESS_TOKEN_TTL: '86400',
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_PER_MINUTE: '1000000000',
    WS_MESSAGE_RATE_LIMIT: '1000000000',
    WS_MAX_CONNECTIONS_PER_USER: '100000',
  },
  stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')],
});
const url = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    if ((await fetch(`${url}/health`).then((res) => res.status, () => 0)) === 200) break;
    if (i > 300 || server.exitCode !== null) throw new Error(`server did not start; see ${logFile}`);
    await sleep(200);
  }
  const inspectorUrl = /Debugger listening on (ws:\/\/\S+)/.exec(readFileSync(logFile, 'utf8'))?.[1];
  if (!inspectorUrl) throw new Error(`no inspector URL in ${logFile}`);
  const inspector = await connectInspector(inspectorUrl);
  const login = await fetch(`${url}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ json: { username: USER, password } }),
  });
  const token = ((await login.json()) as { result: { data: { json: { access_token: string } } } }).result.data.json.access_token;

  let block = 0;
  const open = (kind: Kind, i: number): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const localAddress = `127.0.${1 + (block % 250)}.${10 + (i % 200)}`;
      const path = kind === 'legacy' ? `/web?token=${token}` : '/trpc?connectionParams=1';
      const ws = new WebSocket(`${url.replace('http', 'ws')}${path}`, { perMessageDeflate: false, localAddress });
      ws.once('error', reject);
      if (kind === 'legacy') ws.once('message', (data) => (String(data).includes('auth_ok') ? resolve(ws) : reject(new Error(String(data)))));
      else {
        ws.on('message', (data) => String(data) === 'PING' && ws.send('PONG'));
        ws.once('open', () => {
          ws.send(JSON.stringify({ method: 'connectionParams', data: { token } }));
          if (kind === 'trpc') return resolve(ws);
          ws.on('message', (data) => String(data).includes('"started"') && resolve(ws));
          ws.send('{"id":1,"method":"subscription","params":{"path":"system.onBroadcast","input":{"json":null}}}');
        });
      }
    });
  const openMany = async (kind: Kind, count: number) => {
    block++;
    const sockets: WebSocket[] = [];
    for (let i = 0; i < count; i += 100) sockets.push(...(await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, j) => open(kind, i + j)))));
    await sleep(1_000); // tRPC sockets authenticate after their connectionParams
    return sockets;
  };
  const closeAll = async (sockets: WebSocket[]) => {
    await Promise.all(sockets.map((ws) => (ws.terminate(), once(ws, 'close'))));
    await sleep(1_000);
  };
  interface Reading {
    rss: number;
    heapUsed: number;
    external: number;
    arrayBuffers: number;
  }
  const read = async (): Promise<Reading> => {
    await inspector.collectGarbage();
    await sleep(500);
    const usage = (await inspector.evaluate('JSON.stringify(process.memoryUsage())')) as string;
    return { ...(JSON.parse(usage) as Omit<Reading, 'rss'>), rss: rssOf(server.pid!) };
  };
  const perConnection = (before: Reading, after: Reading) =>
    Object.fromEntries(Object.entries(after).map(([key, value]) => [key, Math.round((value - before[key as keyof Reading]) / N)]));

  // Warm-up: both kinds' code paths compiled and their first-use allocations made.
  for (const kind of KINDS) await closeAll(await openMany(kind, 200));

  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of KINDS) {
      const before = await read();
      const sockets = await openMany(kind, N);
      const after = await read();
      log(`round ${round + 1} ${kind}: bytes per connection ${JSON.stringify(perConnection(before, after))}`);
      await closeAll(sockets);
    }
  }
  for (const kind of KINDS) {
    await inspector.collectGarbage();
    const beforeJson = await inspector.takeHeapSnapshot();
    const sockets = await openMany(kind, N);
    await inspector.collectGarbage();
    const afterJson = await inspector.takeHeapSnapshot();
    const rows = heapGrowth(summarizeHeap(beforeJson), summarizeHeap(afterJson), N);
    const total = rows.reduce((sum, row) => sum + row.bytes, 0);
    log(`${kind} heap snapshot growth per connection: ${Math.round(total)} B shallow in kinds ≥ 8 B`);
    for (const row of rows.slice(0, 45)) console.log(`  ${row.bytes.toFixed(0).padStart(6)} B  ${row.count.toFixed(2).padStart(6)} ×  ${row.kind}`);
    if (SHAPES) {
      log(`${kind}: objects new per connection, by shape (strings by text)`);
      for (const row of newObjectShapes(beforeJson, afterJson, N).slice(0, 120)) console.log(`  ${row.bytes.toFixed(0).padStart(6)} B  ${row.count.toFixed(2).padStart(6)} ×  ${row.kind}\n${' '.repeat(26)}held by ${row.heldBy}`);
    }
    await closeAll(sockets);
  }
  inspector.close();
} finally {
  server.kill('SIGTERM');
  await once(server, 'exit');
  await using redis = await connectTestRedis({ prefix: '' });
  const keys = await redis.keys(`${redisPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}
