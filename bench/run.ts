// `npm run bench`: the project against a no-framework baseline, same machine, same run, alternating.
// Seeds 10,000 authors into a fresh PostgreSQL database, starts both servers as child processes
// (127.0.0.1 only), runs W1–W6 for BENCH_ROUNDS rounds and writes the median ratios to
// bench/RESULTS.md. Every load is bounded in connections and time; the run stops by itself and
// drops its database. Knobs (env): BENCH_DURATION_MS, BENCH_ROUNDS, BENCH_HTTP_CONNECTIONS,
// BENCH_WS_CONNECTIONS, BENCH_FANOUT_CONNECTIONS, BENCH_FANOUT_EVENTS, BENCH_FANOUT_INTERVAL_MS,
// BENCH_WORKLOADS (e.g. "W1,W4"), BENCH_LOG_LEVEL (project's LOG_LEVEL, default info),
// BENCH_CPU_PROF=1 (the project writes a .cpuprofile into bench/out/<run>/).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import postgres from 'postgres';
import { connectTestRedis, createTestDatabase, REDIS_URL } from '../test/helpers/services';
import { runFanOut, type FanOutResult } from './load/fanout';
import { runHttpLoad } from './load/http';
import { runLegacyLoad } from './load/legacy';
import type { LoadResult } from './load/result';
import { runTrpcWsLoad } from './load/trpc-ws';
import { renderTable, writeResults, type Metric, type ServerName } from './report';
import { seedAuthors } from './seed';
import { startServer, type BenchServer } from './servers';

const number = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const settings = {
  durationMs: number('BENCH_DURATION_MS', 3_000),
  rounds: number('BENCH_ROUNDS', 3),
  httpConnections: number('BENCH_HTTP_CONNECTIONS', 32),
  wsConnections: number('BENCH_WS_CONNECTIONS', 50),
  fanOutConnections: number('BENCH_FANOUT_CONNECTIONS', 5_000),
  fanOutEvents: number('BENCH_FANOUT_EVENTS', 200),
  fanOutIntervalMs: number('BENCH_FANOUT_INTERVAL_MS', 150),
  workloads: (process.env.BENCH_WORKLOADS ?? 'W1,W2,W3,W4,W5,W6').split(','),
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
  cpuProfile: process.env.BENCH_CPU_PROF === '1',
};
const SEARCH = 'john';
const ROOT = new URL('..', import.meta.url).pathname;
const runId = new Date().toISOString().replace(/[:.]/g, '-');
const outDir = join(ROOT, 'bench', 'out', runId);
mkdirSync(outDir, { recursive: true });
const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

if (!/^redis:\/\/(127\.0\.0\.1|localhost)[:/]/.test(REDIS_URL)) throw new Error(`refusing a non-local Redis: ${REDIS_URL}`);
await using database = await createTestDatabase();
const redisPrefix = `bench:${randomBytes(6).toString('hex')}:`;
const loadStart = os.loadavg();

const project = await startServer({
  name: 'project',
  entry: 'server/src/main.ts',
  outDir,
  nodeFlags: settings.cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${outDir}`] : [],
  env: {
    NODE_ENV: 'development',
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: `${redisPrefix}project:`,
    LOG_LEVEL: settings.logLevel,
    ACCESS_TOKEN_TTL: '3600',
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_PER_MINUTE: '1000000000',
    WS_MESSAGE_RATE_LIMIT: '1000000000',
    WS_MAX_CONNECTIONS_PER_USER: '100000',
  },
});
const servers: BenchServer[] = [project];
// Ctrl-C still stops both servers, drops the database and deletes the run's Redis keys.
const interrupted = new Promise<never>((_, reject) => process.once('SIGINT', () => reject(new Error('interrupted'))));
try {
  const sql = postgres(database.url, { max: 1, onnotice: () => {} });
  const plan = await seedAuthors(sql, 10_000, SEARCH);
  const versions = {
    postgres: ((await sql`SHOW server_version`)[0] as { server_version: string }).server_version,
    trpc: (JSON.parse(readFileSync(join(ROOT, 'node_modules/@trpc/server/package.json'), 'utf8')) as { version: string }).version,
  };
  await sql.end();
  log(`seeded 10,000 authors; '%${SEARCH}%' plan: ${plan.uses ? 'trigram index' : 'NO INDEX'}`);

  const token = await login(project.url);
  const baseline = await startServer({
    name: 'baseline',
    entry: 'bench/baseline/server.ts',
    outDir,
    env: {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: `${redisPrefix}baseline:`,
      ISSUER: String(decodeJwt(token).iss),
      JWKS_URL: `${project.url}/realms/authors/protocol/openid-connect/certs`,
    },
  });
  servers.push(baseline);

  const metrics = await Promise.race([measure({ project, baseline }, token), interrupted]);
  const table = renderTable(metrics);
  const loadEnd = os.loadavg();
  const cpu = os.cpus();
  const block = [
    `## Latest run: ${new Date().toISOString()}`,
    '',
    `- Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}; ` +
      `load average ${loadStart[0]!.toFixed(2)} at start, ${loadEnd[0]!.toFixed(2)} at end (shared machine: other work was running).`,
    `- Versions: Node ${process.version}, @trpc/server ${versions.trpc}, PostgreSQL ${versions.postgres}.`,
    `- Settings: ${settings.rounds} rounds (project and baseline alternating, order swapped every round), ${settings.durationMs} ms per closed-loop run, ` +
      `${settings.httpConnections} HTTP keep-alive connections, ${settings.wsConnections} WebSocket clients, fan-out ${settings.fanOutConnections} sockets × ` +
      `${settings.fanOutEvents} events every ${settings.fanOutIntervalMs} ms; project LOG_LEVEL=${settings.logLevel}, rate limiting on (Redis Lua, huge limit).`,
    `- Search \`name ILIKE '%${SEARCH}%'\` over 10,000 authors (${plan.rows} rows match): ${plan.uses ? 'uses the trigram index' : '**does not use the trigram index**'} (\`${plan.summary}\`).`,
    '- Values are medians over rounds; latencies in ms.',
    '',
    table,
  ].join('\n');
  console.log(`\n${block}\n`);
  writeResults(join(ROOT, 'bench', 'RESULTS.md'), block);
  log(`written to bench/RESULTS.md; logs${settings.cpuProfile ? ' and CPU profile' : ''} in ${outDir}`);
} finally {
  for (const server of servers.reverse()) await server.stop();
  await using redis = await connectTestRedis({ prefix: '' });
  const keys = await redis.keys(`${redisPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ json: { username: 'admin', password: 'admin' } }),
  });
  const body = (await res.json()) as { result: { data: { json: { access_token: string } } } };
  return body.result.data.json.access_token;
}

async function measure(pair: Record<ServerName, BenchServer>, token: string): Promise<Metric[]> {
  const wanted = (workload: string) => settings.workloads.includes(workload);
  const closedLoop: { workload: string; unit: string; run: (server: BenchServer, durationMs: number) => Promise<LoadResult> }[] = [];
  const http = (method: 'GET' | 'POST', path: (i: number) => string, body?: (i: number) => string) =>
    (server: BenchServer, durationMs: number) =>
      runHttpLoad({ baseUrl: server.url, method, path, ...(body ? { body } : {}), token, connections: settings.httpConnections, durationMs });
  const trpcInput = encodeURIComponent(JSON.stringify({ json: { name: SEARCH } }));
  if (wanted('W1')) {
    closedLoop.push({ workload: 'W1 REST GET /authors?name=john', unit: 'req/s', run: http('GET', () => `/authors?name=${SEARCH}`) });
    closedLoop.push({ workload: 'W1 tRPC-HTTP authors.list', unit: 'req/s', run: http('GET', () => `/trpc/authors.list?input=${trpcInput}`) });
  }
  const ws = { token, connections: settings.wsConnections, name: SEARCH };
  if (wanted('W2')) {
    closedLoop.push({ workload: `W2 legacy WS (${settings.wsConnections} conns)`, unit: 'msg/s', run: (s, durationMs) => runLegacyLoad({ ...ws, baseUrl: s.url, durationMs }) });
  }
  if (wanted('W3')) {
    closedLoop.push({ workload: `W3 tRPC WS wsLink (${settings.wsConnections} clients)`, unit: 'calls/s', run: (s, durationMs) => runTrpcWsLoad({ ...ws, baseUrl: s.url, durationMs }) });
  }
  if (wanted('W6')) {
    const salt = randomBytes(4).toString('hex');
    let round = 0;
    closedLoop.push({
      workload: 'W6 authors.create (tRPC-HTTP)',
      unit: 'creates/s',
      run: (server, durationMs) => {
        const tag = `${server.name}-${salt}-${round++}`;
        return http('POST', () => '/trpc/authors.create', (i) => JSON.stringify({ json: { name: `Bench Writer ${tag}-${i}` } }))(server, durationMs);
      },
    });
  }

  const results = new Map<string, Record<ServerName, LoadResult[]>>();
  const fanOuts: Record<ServerName, FanOutResult[]> = { project: [], baseline: [] };
  log('warm-up');
  for (const { run } of closedLoop) {
    for (const server of [pair.project, pair.baseline]) {
      await run(server, 1_000);
      await server.waitForIdle();
    }
  }
  for (let round = 0; round < settings.rounds; round++) {
    const order: ServerName[] = round % 2 === 0 ? ['project', 'baseline'] : ['baseline', 'project'];
    for (const { workload, run } of closedLoop) {
      const entry = results.get(workload) ?? { project: [], baseline: [] };
      results.set(workload, entry);
      for (const name of order) {
        const result = await run(pair[name], settings.durationMs);
        await pair[name].waitForIdle();
        entry[name].push(result);
        log(`round ${round + 1} ${workload} ${name}: ${result.perSecond.toFixed(0)}/s p50 ${result.p50.toFixed(2)} p99 ${result.p99.toFixed(2)} errors ${result.errors}`);
      }
    }
    if (wanted('W4') || wanted('W5')) {
      for (const name of order) {
        const server = pair[name];
        const result = await runFanOut({
          baseUrl: server.url,
          pid: server.pid,
          collectGarbage: server.collectGarbage,
          token,
          connections: settings.fanOutConnections,
          events: settings.fanOutEvents,
          intervalMs: settings.fanOutIntervalMs,
        });
        await server.waitForIdle();
        fanOuts[name].push(result);
        log(
          `round ${round + 1} W4/W5 ${name}: ${(result.bytesPerConnection / 1024).toFixed(1)} KiB/conn, ${result.deliveriesPerSecond.toFixed(0)} deliveries/s, ` +
            `p50 ${result.p50.toFixed(1)} p99 ${result.p99.toFixed(1)} lost ${result.lost}`,
        );
      }
    }
  }

  const metrics: Metric[] = [];
  const pick = (entry: Record<ServerName, LoadResult[]>, key: keyof LoadResult) => ({
    project: entry.project.map((r) => r[key]),
    baseline: entry.baseline.map((r) => r[key]),
  });
  for (const { workload, unit } of closedLoop) {
    const entry = results.get(workload)!;
    const isWrite = workload.startsWith('W6');
    metrics.push({
      workload,
      metric: 'throughput',
      unit,
      higherIsBetter: true,
      values: pick(entry, 'perSecond'),
      ...(isWrite ? {} : { target: { text: '≥ 0.85', met: (p: number, b: number) => p / b >= 0.85 } }),
    });
    metrics.push({ workload, metric: 'p50', unit: 'ms', higherIsBetter: false, values: pick(entry, 'p50') });
    metrics.push({
      workload,
      metric: 'p99',
      unit: 'ms',
      higherIsBetter: false,
      values: pick(entry, 'p99'),
      ...(isWrite ? {} : { target: { text: '≤ 1.3', met: (p: number, b: number) => p / b <= 1.3 } }),
    });
    metrics.push({ workload, metric: 'errors', unit: 'count', higherIsBetter: false, values: pick(entry, 'errors') });
  }
  if (fanOuts.project.length > 0) {
    const fan = (key: keyof FanOutResult, scale = 1) => ({
      project: fanOuts.project.map((r) => r[key] * scale),
      baseline: fanOuts.baseline.map((r) => r[key] * scale),
    });
    const label = `W4 fan-out ${settings.fanOutConnections} subs`;
    metrics.push(
      { workload: label, metric: 'deliveries', unit: '/s', higherIsBetter: true, values: fan('deliveriesPerSecond') },
      { workload: label, metric: 'p50', unit: 'ms', higherIsBetter: false, values: fan('p50') },
      {
        workload: label,
        metric: 'p99',
        unit: 'ms',
        higherIsBetter: false,
        values: fan('p99'),
        target: { text: '≤ 1.2 and < 60 ms', met: (p, b) => p / b <= 1.2 && p < 60 },
      },
      { workload: label, metric: 'lost (not read 15 s after the last event)', unit: 'deliveries', higherIsBetter: false, values: fan('lost'), target: { text: '0', met: (p) => p === 0 } },
      {
        workload: `W5 idle authenticated WS`,
        metric: 'RSS per connection',
        unit: 'KiB',
        higherIsBetter: false,
        values: fan('bytesPerConnection', 1 / 1024),
        target: { text: '< 16 KiB', met: (p) => p < 16 },
      },
    );
  }
  return metrics;
}
