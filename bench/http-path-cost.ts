// What the server's HTTP path costs per small tRPC mutation (bench W6's request: POST
// /trpc/authors.create with a bearer token and a JSON body), in CPU µs of this process per request,
// on the listener of bench/http-path-listener.ts. wrk (one thread, keep-alive connections, as the
// bench drives W6) runs in a child process; this process's CPU time (process.cpuUsage) is read over
// the middle of each run, so connection set-up and wind-down are left out, with the GC pauses of
// the same window. With several variants (an A/B: one esbuild bundle importing the listener of an
// old checkout and of this one, calling measureHttpPath with both) the runs alternate, and each
// variant reports its minimum, its median and the median of its per-round ratios to the first:
//   npx tsx bench/http-path-cost.ts [rounds=9] [seconds=3]
import { spawn } from 'node:child_process';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';

/** Run from the repository's root (an A/B bundle lives elsewhere than this file). */
const WRK_SCRIPT = join(process.cwd(), 'bench/load/wrk.lua');
const CONNECTIONS = 50;
/** A token of a realistic length (an RS256 JWT of the embedded issuer); the stand-in verifier accepts any. */
const TOKEN = `eyJ${'x'.repeat(900)}`;

export async function measureHttpPath(variants: Record<string, RequestListener>, rounds: number, seconds: number): Promise<void> {
  let handled = 0;
  const servers = await Promise.all(
    Object.entries(variants).map(async ([name, listener]) => {
      const server = createServer((req, res) => {
        handled++;
        listener(req, res);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { name, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/trpc/authors.create` };
    }),
  );
  const perRequest = new Map<string, number[]>(servers.map(({ name }) => [name, []]));
  // Garbage collection pauses (wall time of the main thread's GC) per request, from Node's 'gc' entries.
  const gcPerRequest = new Map<string, number[]>(servers.map(({ name }) => [name, []]));
  let gcMs = 0;
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  for (let round = 0; round < rounds; round++) {
    // Alternating order, so neither variant always runs right after the other.
    const order = round % 2 ? [...servers].reverse() : servers;
    for (const { name, url } of order) {
      const wrk = spawn('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${Math.round(seconds)}s`, '-s', WRK_SCRIPT, url], {
        env: { ...process.env, BENCH_TOKEN: TOKEN, BENCH_CREATE_PREFIX: `n${round}-` },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      wrk.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const exited = new Promise<void>((resolve) => wrk.once('exit', () => resolve()));
      await sleep(seconds * 250);
      const [cpu, count, gcBefore] = [process.cpuUsage(), handled, gcMs];
      await sleep(seconds * 500);
      const used = process.cpuUsage(cpu);
      const requests = handled - count;
      perRequest.get(name)!.push((used.user + used.system) / requests);
      gcPerRequest.get(name)!.push(((gcMs - gcBefore) * 1000) / requests);
      await exited;
      if (!/BENCH_RESULT \{.*"status":0,/.test(output)) throw new Error(`${name}: wrk saw errors:\n${output}`);
    }
  }
  const first = perRequest.get(servers[0]!.name)!;
  for (const { name, server } of servers) {
    const rounds = perRequest.get(name)!;
    // Each round's ratio to the first variant's run of the same round: adjacent runs share the machine's state.
    const ratios = rounds.map((value, round) => value / first[round]!);
    const values = [...rounds].sort((a, b) => a - b);
    console.log(
      `${name}: CPU µs per request min ${values[0]!.toFixed(1)}, median ${median(values).toFixed(1)} (${values.map((v) => v.toFixed(0)).join(' ')}); ` +
        `per-round ratio to ${servers[0]!.name}: median ${median(ratios).toFixed(3)}; GC µs per request: median ${median(gcPerRequest.get(name)!).toFixed(1)}`,
    );
    server.closeAllConnections();
    server.close();
  }
  gcObserver.disconnect();
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (process.argv[1]?.endsWith('bench/http-path-cost.ts')) {
  const { createHttpPathListener } = await import('./http-path-listener');
  await measureHttpPath({ current: createHttpPathListener() }, Number(process.argv[2] ?? 9), Number(process.argv[3] ?? 3));
}
