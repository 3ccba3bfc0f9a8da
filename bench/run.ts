// `npm run bench`: the project's production bundle against a no-framework baseline, each pinned
// alone to the server core while this harness, its load generators (wrk, ws-worker processes),
// PostgreSQL and Redis share the load core. Seeds 10,000 authors into a fresh database, checks that
// both servers answer every measured call alike, then runs the workloads for BENCH_ROUNDS rounds
// (servers alternating, order swapped each round), reading each server's CPU time over every
// measured window, and writes the medians to bench/RESULTS.md. Every load is bounded in count and
// time; the run stops by itself, restores the services' CPU affinity, drops its database and
// deletes its Redis keys (also on Ctrl-C). See docs/bench.md for the knobs.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import postgres from 'postgres';
import { connectTestRedis, createTestDatabase, REDIS_URL } from '../test/helpers/services';
import { startCpuWindow } from './cpu';
import { runFanOut } from './load/fanout';
import type { LoadResult } from './load/result';
import { runWrk } from './load/wrk';
import { startWsWorker } from './load/ws-workers';
import { checkParity } from './parity';
import { LOAD_CORE, pinSelf, pinSharedServices, SERVER_CORE } from './pinning';
import {
  renderClosedLoop,
  renderFanOut,
  renderRounds,
  writeResults,
  type ClosedLoopRun,
  type ClosedLoopWorkload,
  fanOutLabel,
  type FanOutWorkload,
  type Targets,
} from './report';
import { seedAuthors } from './seed';
import { buildBaseline, buildReference, PROJECT_ENTRY, startServer, type BenchServer, type ServerName } from './servers';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const settings = {
  durationSeconds: Number(env('BENCH_DURATION_S', '10')),
  warmupSeconds: Number(env('BENCH_WARMUP_S', '3')),
  rounds: Number(env('BENCH_ROUNDS', '3')),
  connections: Number(env('BENCH_CONNECTIONS', '50')),
  /**
   * W6's connections. A create waits on PostgreSQL's commit and two Redis round trips, all on the
   * load core: with 50 in flight both cores idle at times (the project's core 85–92 % busy, the
   * baseline's 73–88 %, the load core 75–96 %), so neither server saturates; with 100 both do.
   */
  writeConnections: Number(env('BENCH_WRITE_CONNECTIONS', '100')),
  /**
   * Subscriber counts; `NxK` serves N subscribers from K instances of each server (on the same
   * core, sharing the database and Redis), for an N one process cannot hold here.
   */
  fanOut: env('BENCH_FANOUT', '1000,5000,19500,20000x2').split(',').map(parseFanOut),
  fanOutRate: Number(env('BENCH_FANOUT_RATE', '20000')),
  fanOutSeconds: Number(env('BENCH_FANOUT_S', '10')),
  workloads: env('BENCH_WORKLOADS', 'W1,W2,W3,W4,W6').split(','),
  logLevel: env('BENCH_LOG_LEVEL', 'info'),
  cpuProfile: process.env.BENCH_CPU_PROF === '1',
  /**
   * Sample allocations (V8's sampling heap profiler) instead of CPU time in each measured window:
   * all of them ('1'), or only those that outlived a young-generation collection ('survivors': what
   * each scavenge copies, so what makes it slow).
   */
  allocationProfile: ({ '1': 'all', survivors: 'survivors' } as const)[process.env.BENCH_ALLOC_PROF ?? ''],
  /** A git revision of the project measured in the baseline's place (A/B of a change); RESULTS.md is left alone. */
  reference: process.env.BENCH_REFERENCE,
};
function parseFanOut(entry: string): { connections: number; instances: number } {
  const [connections, instances = '1'] = entry.split('x');
  const parsed = { connections: Number(connections), instances: Number(instances) };
  if (!(parsed.connections > 0 && Number.isInteger(parsed.instances) && parsed.instances > 0)) throw new Error(`BENCH_FANOUT: bad entry ${entry}`);
  return parsed;
}
/** One sample per this many bytes allocated, on average: fine enough for a request's few hundred KiB. */
const ALLOCATION_SAMPLING_BYTES = 4096;
const SEARCH = 'john';
const USER = 'bench';
const ROOT = new URL('..', import.meta.url).pathname;
const runId = new Date().toISOString().replace(/[:.]/g, '-');
const outDir = join(ROOT, 'bench', 'out', runId);
mkdirSync(outDir, { recursive: true });
const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

if (!/^redis:\/\/(127\.0\.0\.1|localhost)[:/]/.test(REDIS_URL)) throw new Error(`refusing a non-local Redis: ${REDIS_URL}`);
if (!existsSync(PROJECT_ENTRY)) throw new Error(`${PROJECT_ENTRY} is missing: run \`npm run build\` first (npm run bench does)`);

pinSelf(LOAD_CORE);
const services = pinSharedServices(LOAD_CORE, join(outDir, 'restore-affinity.sh'));
process.once('exit', () => services.restore());
log(`pinned: servers on core ${SERVER_CORE}; harness, load generators, ${services.pinned.length} PostgreSQL/Redis processes on core ${LOAD_CORE}`);
// Ctrl-C (or a kill) ends the measurement; the finally blocks below still clean up.
const interrupted = new Promise<never>((_, reject) => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => reject(new Error(`interrupted (${signal})`)));
});
interrupted.catch(() => {});

const servers: BenchServer[] = [];
const databaseUrlOf = (name: ServerName) => `${database.url}?application_name=bench-${name}`;
const redisPrefix = `bench:${randomBytes(6).toString('hex')}:`;
const loadStart = os.loadavg();
await using database = await createTestDatabase();
const sql = postgres(database.url, { max: 1, onnotice: () => {} });
/** The processes whose CPU time a window of a server reads: its instances and their PostgreSQL backends. */
const watched = async (instances: readonly BenchServer[]): Promise<Record<string, number[]>> => ({
  [instances[0]!.name]: instances.map((instance) => instance.pid),
  postgres: (await sql<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE application_name = ${`bench-${instances[0]!.name}`}`).map((row) => row.pid),
});
try {
  const password = randomBytes(12).toString('hex');
  // A production server refuses the development users: the bench user is made as an operator would.
  execFileSync(process.execPath, [join(ROOT, 'server/dist/user.js'), 'add', USER, '--roles', 'get-authors,create-author,admin'], {
    env: { PATH: process.env.PATH, DATABASE_URL: database.url },
    input: password,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const plan = await seedAuthors(sql, 10_000, SEARCH);
  const postgresVersion = ((await sql`SHOW server_version`)[0] as { server_version: string }).server_version;
  log(`seeded 10,000 authors; '%${SEARCH}%' plan: ${plan.uses ? 'trigram index' : 'NO INDEX'}`);

  const projectEnv = {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrlOf('project'),
    REDIS_URL,
    REDIS_KEY_PREFIX: `${redisPrefix}project:`,
    LOG_LEVEL: settings.logLevel,
    ACCESS_TOKEN_TTL: '86400',
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_PER_MINUTE: '1000000000',
    WS_MESSAGE_RATE_LIMIT: '1000000000',
    WS_MAX_CONNECTIONS_PER_USER: '100000',
  };
  const project = await startServer({ name: 'project', entry: PROJECT_ENTRY, outDir, env: projectEnv });
  servers.push(project);
  const token = await login(project.url, password);
  // Every other instance (a second project, the baseline) must accept the first project's tokens:
  // its embedded issuer is that project's.
  const issuer = String(decodeJwt(token).iss);
  // Each bundle is built once, when the first instance that runs it starts.
  let referenceEntry: string | undefined;
  let baselineEntry: string | undefined;
  const launch: Record<ServerName, () => Promise<BenchServer>> = {
    project: () => startServer({ name: 'project', entry: PROJECT_ENTRY, outDir, env: { ...projectEnv, PUBLIC_URL: new URL(issuer).origin } }),
    // With BENCH_REFERENCE the baseline's slot holds the project as of that revision, run as the
    // project is (same database, so the same signing keys and user; its own Redis prefix).
    baseline: settings.reference
      ? async () =>
          startServer({
            name: 'baseline',
            entry: referenceEntry ?? (referenceEntry = await buildReference(settings.reference!, outDir)),
            outDir,
            env: { ...projectEnv, DATABASE_URL: databaseUrlOf('baseline'), REDIS_KEY_PREFIX: `${redisPrefix}baseline:`, PUBLIC_URL: new URL(issuer).origin },
          })
      : async () =>
          startServer({
            name: 'baseline',
            entry: baselineEntry ?? (baselineEntry = await buildBaseline(outDir)),
            outDir,
            env: {
              DATABASE_URL: databaseUrlOf('baseline'),
              REDIS_URL,
              REDIS_KEY_PREFIX: `${redisPrefix}baseline:`,
              ISSUER: issuer,
              JWKS_URL: `${project.url}/realms/authors/protocol/openid-connect/certs`,
            },
          }),
  };
  const baseline = await launch.baseline();
  if (settings.reference) log(`reference: the baseline's slot runs the project as of ${settings.reference}`);
  servers.push(baseline);

  const requests = {
    token,
    restPath: `/authors?name=${SEARCH}`,
    trpcPath: `/trpc/authors.list?input=${encodeURIComponent(JSON.stringify({ json: { name: SEARCH } }))}`,
    legacyFrame: JSON.stringify({ pkg_id: 1, req_id: 'parity', data: { filters: { name: SEARCH } } }),
    trpcWsFrame: JSON.stringify({ id: 1, method: 'query', params: { path: 'authors.list', input: { json: { name: SEARCH } } } }),
  };
  await checkParity(project, baseline, requests);
  log('parity: the baseline answers every measured call as the project does');

  /**
   * Runs `use` on `count` instances of a server: the measured one and others started for it and
   * stopped after it, so that none shares the server core with a later measurement (an idle
   * instance still reads every event of the stream: a W6 create each).
   */
  const withInstances: WithInstances = async (name, count, use) => {
    const extra: BenchServer[] = [];
    try {
      while (extra.length < count - 1) {
        const instance = await launch[name]();
        servers.push(instance);
        extra.push(instance);
      }
      return await use([{ project, baseline }[name], ...extra]);
    } finally {
      for (const instance of extra) {
        await instance.stop();
        servers.splice(servers.indexOf(instance), 1);
      }
    }
  };
  const { closed, fanOut } = await Promise.race([measure({ project, baseline }, withInstances, requests), interrupted]);
  const loadEnd = os.loadavg();
  const cpu = os.cpus();
  const trpcVersion = (JSON.parse(readFileSync(join(ROOT, 'node_modules/@trpc/server/package.json'), 'utf8')) as { version: string }).version;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  const commit = `commit \`${git('rev-parse', '--short', 'HEAD')}\`, server code as of \`${git('log', '-1', '--format=%h', '--', 'server', 'shared')}\``;
  const block = [
    `## Latest run: ${new Date().toISOString()} (${commit})`,
    '',
    `- Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}; ` +
      `load average ${loadStart[0]!.toFixed(2)} at start, ${loadEnd[0]!.toFixed(2)} at end (shared machine: other work was running).`,
    `- Versions: Node ${process.version}, @trpc/server ${trpcVersion}, PostgreSQL ${postgresVersion}, ${spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout.split(' Copyright')[0]}.`,
    `- Pinning: each server alone on core ${SERVER_CORE}; the harness, wrk, the WebSocket load processes, PostgreSQL and Redis on core ${LOAD_CORE}.`,
    `- Settings: ${settings.rounds} rounds, servers alternating (order swapped every round), ${settings.durationSeconds} s per closed-loop run after a ` +
      `${settings.warmupSeconds} s warm-up per workload, ${settings.connections} connections (W6: ${settings.writeConnections}); fan-out at ${settings.fanOutRate.toLocaleString('en-US')} deliveries/s offered ` +
      `for ${settings.fanOutSeconds} s after ${settings.warmupSeconds} s of it as a warm-up. Project: \`node server/dist/main.js\`, NODE_ENV=production, LOG_LEVEL=${settings.logLevel}, rate limiting on (Redis Lua, limit 10⁹).`,
    `- Search \`name ILIKE '%${SEARCH}%'\` over 10,000 authors (${plan.rows} rows match): ${plan.uses ? 'uses the trigram index' : '**does not use the trigram index**'}.`,
    '- Medians over rounds; a ratio is project / baseline and its range is over rounds. A throughput ratio counts only where the project kept its core ≥ 90 % busy; ' +
      'otherwise it is in parentheses with the reason. CPU µs per request: the server process\'s user + system time (all threads) over the window, per successful request.',
    '',
    renderClosedLoop(closed),
    '',
    ...(fanOut.length ? ['Fan-out (W3) and memory (W5):', '', renderFanOut(fanOut), ''] : []),
    `Every round: \`bench/out/${runId}/rounds.md\`.`,
  ].join('\n');
  writeFileSync(join(outDir, 'rounds.md'), `${renderRounds(closed, fanOut)}\n`);
  writeFileSync(join(outDir, 'measurements.json'), JSON.stringify({ settings, closed, fanOut }, null, 1));
  console.log(`\n${block}\n`);
  if (settings.cpuProfile || settings.allocationProfile) log(`profiling run: RESULTS.md left alone (the profiler slows the project); profiles in ${outDir}`);
  else if (settings.reference) log(`reference run: RESULTS.md left alone; every round in ${outDir}/rounds.md`);
  else {
    writeResults(join(ROOT, 'bench', 'RESULTS.md'), block);
    log(`written to bench/RESULTS.md; logs and every round in ${outDir}`);
  }
} finally {
  for (const server of servers.reverse()) await server.stop();
  await sql.end();
  services.restore();
  await using redis = await connectTestRedis({ prefix: '' });
  const keys = await redis.keys(`${redisPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}

async function login(url: string, password: string): Promise<string> {
  const res = await fetch(`${url}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ json: { username: USER, password } }),
  });
  const body = (await res.json()) as { result: { data: { json: { access_token: string } } } };
  return body.result.data.json.access_token;
}

type WithInstances = <T>(name: ServerName, count: number, use: (instances: BenchServer[]) => Promise<T>) => Promise<T>;

interface ClosedLoopSpec {
  workload: string;
  unit: string;
  targets: Targets;
  run(server: BenchServer, seconds: number, measured: (phase: 'start' | 'end') => Promise<void>): Promise<LoadResult>;
}

async function measure(
  pair: Record<ServerName, BenchServer>,
  withInstances: WithInstances,
  requests: { token: string; restPath: string; trpcPath: string },
) {
  const { token } = requests;
  const wanted = (workload: string) => settings.workloads.includes(workload);
  const http = (path: string, createPrefix?: (server: BenchServer) => string): ClosedLoopSpec['run'] => async (server, seconds, measured) => {
    await measured('start');
    const connections = createPrefix ? settings.writeConnections : settings.connections;
    const result = await runWrk({ url: `${server.url}${path}`, token, connections, durationSeconds: seconds, ...(createPrefix ? { createPrefix: createPrefix(server) } : {}) });
    await measured('end');
    return result;
  };
  const ws = (protocol: 'legacy' | 'trpc'): ClosedLoopSpec['run'] => async (server, seconds, measured) => {
    const worker = await startWsWorker();
    try {
      worker.send({ cmd: 'closedLoop', protocol, baseUrl: server.url, token, connections: settings.connections, durationMs: seconds * 1000, search: SEARCH });
      await worker.next('started');
      await measured('start');
      const { result } = await worker.next('finished');
      await measured('end');
      await worker.next('closed');
      return result;
    } finally {
      await worker.stop();
    }
  };
  const specs: ClosedLoopSpec[] = [];
  if (wanted('W1')) {
    specs.push({ workload: 'W1 REST `GET /authors?name=john`', unit: 'req/s', targets: { throughput: 0.9, p99: 1.2 }, run: http(requests.restPath) });
    specs.push({ workload: 'W1 tRPC-HTTP `authors.list`', unit: 'req/s', targets: { throughput: 0.9, p99: 1.2 }, run: http(requests.trpcPath) });
  }
  if (wanted('W2')) {
    specs.push({ workload: 'W2 legacy `/web` pkg 1 `{filters:{name:"john"}}`', unit: 'msg/s', targets: { throughput: 0.85, p99: 1.3, cpu: 1.2 }, run: ws('legacy') });
  }
  if (wanted('W4')) specs.push({ workload: 'W4 tRPC-WS `authors.list` (raw frames)', unit: 'calls/s', targets: {}, run: ws('trpc') });
  if (wanted('W6')) {
    const salt = randomBytes(4).toString('hex');
    let run = 0;
    specs.push({
      workload: 'W6 `authors.create` (tRPC-HTTP POST)',
      unit: 'creates/s',
      targets: { throughput: 0.9 },
      run: http('/trpc/authors.create', (server) => `Bench Writer ${server.name}-${salt}-${run++}-`),
    });
  }

  const closed: ClosedLoopWorkload[] = specs.map(({ workload, unit, targets }) => ({ workload, unit, targets, runs: { project: [], baseline: [] } }));
  const fanOut: FanOutWorkload[] = wanted('W3') ? settings.fanOut.map((entry) => ({ ...entry, runs: { project: [], baseline: [] } })) : [];

  const runOnce = async (spec: ClosedLoopSpec, server: BenchServer, seconds: number, profileAs?: string): Promise<ClosedLoopRun> => {
    const profiler = profileAs ? await server.inspect() : undefined;
    const allocations = settings.allocationProfile;
    const processes = await watched([server]);
    let window: ReturnType<typeof startCpuWindow> | undefined;
    let cpu: ClosedLoopRun['cpu'] | undefined;
    const result = await spec.run(server, seconds, async (phase) => {
      if (phase === 'start') {
        if (allocations) await profiler?.startAllocationSampling(ALLOCATION_SAMPLING_BYTES, allocations === 'all');
        else await profiler?.startProfile(1000);
        window = startCpuWindow(processes, [SERVER_CORE, LOAD_CORE]);
      } else {
        cpu = window!.end();
        if (profiler && allocations) writeFileSync(join(outDir, `${profileAs}.heapprofile`), JSON.stringify(await profiler.stopAllocationSampling()));
        else if (profiler) writeFileSync(join(outDir, `${profileAs}.cpuprofile`), JSON.stringify(await profiler.stopProfile()));
      }
    });
    profiler?.close();
    await server.waitForIdle();
    return { result, cpu: cpu! };
  };

  log('warm-up');
  for (const spec of specs) for (const server of [pair.project, pair.baseline]) await runOnce(spec, server, settings.warmupSeconds);

  for (let round = 0; round < settings.rounds; round++) {
    const order: ServerName[] = round % 2 === 0 ? ['project', 'baseline'] : ['baseline', 'project'];
    for (const [i, spec] of specs.entries()) {
      for (const name of order) {
        const profileAs = settings.cpuProfile || settings.allocationProfile ? `${name}-${spec.workload.split(' ').slice(0, 2).join('-').replace(/[^\w.-]/g, '')}-round${round + 1}` : undefined;
        const run = await runOnce(spec, pair[name], settings.durationSeconds, profileAs);
        closed[i]!.runs[name].push(run);
        const busy = run.cpu.processSeconds[name]! / run.cpu.wallSeconds;
        log(
          `round ${round + 1} ${spec.workload} ${name}: ${run.result.perSecond.toFixed(0)}/s p99 ${run.result.p99.toFixed(1)} ms, ` +
            `busy ${(busy * 100).toFixed(0)} % (core ${(run.cpu.coreBusy[SERVER_CORE]! * 100).toFixed(0)} %, load core ${(run.cpu.coreBusy[LOAD_CORE]! * 100).toFixed(0)} %), ` +
            `${((run.cpu.processSeconds[name]! * 1e6) / run.result.ok).toFixed(0)} µs/req (PostgreSQL ${((run.cpu.processSeconds.postgres! * 1e6) / run.result.ok).toFixed(0)}, ` +
            `load generator ${((run.result.clientCpuSeconds * 1e6) / run.result.ok).toFixed(0)}), errors ${run.result.errors}`,
        );
      }
    }
    for (const entry of fanOut) {
      const { connections } = entry;
      const events = Math.max(10, Math.round((settings.fanOutRate * settings.fanOutSeconds) / connections));
      const warmUpEvents = Math.max(1, Math.round((settings.fanOutRate * settings.warmupSeconds) / connections));
      for (const name of order) {
        const result = await withInstances(name, entry.instances, async (servers) => {
          const profilers = settings.cpuProfile ? await Promise.all(servers.map((server) => server.inspect())) : [];
          const measuredRun = await runFanOut({
            servers,
            watched: await watched(servers),
            token,
            connections,
            events,
            warmUpEvents,
            intervalMs: (connections / settings.fanOutRate) * 1000,
            async measured(phase) {
              for (const [i, profiler] of profilers.entries()) {
                if (phase === 'start') await profiler.startProfile(1000);
                else writeFileSync(join(outDir, `${name}${i ? `-instance${i + 1}` : ''}-W3-fan-out-${connections}-round${round + 1}.cpuprofile`), JSON.stringify(await profiler.stopProfile()));
              }
            },
          });
          for (const profiler of profilers) profiler.close();
          for (const server of servers) await server.waitForIdle();
          return measuredRun;
        });
        entry.runs[name].push(result);
        log(
          `round ${round + 1} W3 fan-out ${fanOutLabel(entry)} ${name}: ${(result.bytesPerConnection / 1024).toFixed(1)} KiB/conn, ${result.deliveriesPerSecond.toFixed(0)} deliveries/s, ` +
            `p99 ${result.p99.toFixed(1)} ms, lost ${result.lost}, ${((result.cpu.processSeconds[name]! * 1e6) / result.delivered).toFixed(1)} µs/delivery ` +
            `(warm-up, ${result.warmUp.events} broadcasts: p99 ${result.warmUp.p99.toFixed(1)} ms, lost ${result.warmUp.lost})`,
        );
      }
    }
  }
  return { closed, fanOut };
}
