// HTTP closed-loop load through wrk (Debian's `wrk`, C + LuaJIT: a fraction of the server's CPU per
// request, unlike a Node client), one thread on the load core, `connections` keep-alive connections.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { LOAD_CORE } from '../pinning';
import type { LoadResult } from './result';

const SCRIPT = join(new URL('.', import.meta.url).pathname, 'wrk.lua');

interface WrkSummary {
  requests: number;
  durationUs: number;
  /** Answers that were not 2xx/3xx. */
  status: number;
  /** Connect, read, write errors and timeouts. */
  socket: number;
  p50Us: number;
  p99Us: number;
}

export async function runWrk(options: {
  url: string;
  token: string;
  connections: number;
  durationSeconds: number;
  /** POST authors.create with a fresh name per request (prefix + counter) instead of a GET. */
  createPrefix?: string;
}): Promise<LoadResult> {
  // bash reports the CPU time of the wrk it waited for (cutime + cstime of its own stat line).
  const reportChildCpu = 'wrk "$@"; code=$?; echo "BENCH_CHILD_STAT $(cat /proc/$$/stat)"; exit $code';
  const args = ['-c', String(LOAD_CORE), 'bash', '-c', reportChildCpu, 'wrk', '-t1', `-c${options.connections}`, `-d${options.durationSeconds}s`, '--timeout', '5s', '-s', SCRIPT, options.url];
  const env = { ...process.env, BENCH_TOKEN: options.token, ...(options.createPrefix ? { BENCH_CREATE_PREFIX: options.createPrefix } : {}) };
  const child = spawn('taskset', args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve, reject) => child.once('exit', resolve).once('error', reject));
  const line = /^BENCH_RESULT (.*)$/m.exec(output)?.[1];
  if (code !== 0 || !line) throw new Error(`wrk exited with ${code}:\n${output}`);
  const summary = JSON.parse(line) as WrkSummary;
  const stat = /^BENCH_CHILD_STAT .*?\) (.*)$/m.exec(output)![1]!.split(' ');
  const ok = summary.requests - summary.status;
  return {
    ok,
    errors: summary.status + summary.socket,
    perSecond: ok / (summary.durationUs / 1e6),
    p50: summary.p50Us / 1000,
    p99: summary.p99Us / 1000,
    clientCpuSeconds: (Number(stat[13]) + Number(stat[14])) / 100, // cutime, cstime (fields 16, 17), in USER_HZ ticks
  };
}
