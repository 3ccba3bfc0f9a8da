// The harness's end of the WebSocket load generators (ws-worker.ts): forks one, sends it commands
// and waits for their replies. Forked children inherit the harness's pin to the load core (checked).
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { allowedCores } from '../cpu';
import { LOAD_CORE } from '../pinning';
import type { LoadResult } from './result';

export type WorkerCommand =
  | { cmd: 'closedLoop'; protocol: 'legacy' | 'trpc'; baseUrl: string; token: string; connections: number; durationMs: number; search: string }
  | { cmd: 'open'; baseUrl: string; token: string; count: number; legacy: number; localAddress: string }
  | { cmd: 'subscribe' }
  | { cmd: 'expect'; deliveries: number }
  | { cmd: 'collect'; timeoutMs: number }
  | { cmd: 'close' };

export type WorkerReply =
  | { type: 'started' }
  | { type: 'finished'; result: LoadResult }
  | { type: 'opened' }
  | { type: 'subscribed' }
  | { type: 'expecting' }
  | { type: 'collected'; delivered: number; lastDeliveryUs: number; latencies: Float64Array; cpuSeconds: number }
  | { type: 'closed' }
  | { type: 'failed'; message: string };

type ReplyOf<T extends WorkerReply['type']> = Extract<WorkerReply, { type: T }>;

export interface WsWorker {
  send(command: WorkerCommand): void;
  /** The next reply, which must be of `type`; a load generator silent for REPLY_TIMEOUT_MS fails the run. */
  next<T extends WorkerReply['type']>(type: T): Promise<ReplyOf<T>>;
  stop(): Promise<void>;
}

/** Longer than any command takes (opening 10,000 sockets, a 15 s collection); a stuck run ends. */
const REPLY_TIMEOUT_MS = 5 * 60_000;

const WORKER = new URL('./ws-worker.ts', import.meta.url).pathname;

export async function startWsWorker(): Promise<WsWorker> {
  const child: ChildProcess = fork(WORKER, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: 'inherit' });
  await once(child, 'spawn');
  const cores = allowedCores(child.pid!);
  if (cores !== String(LOAD_CORE)) throw new Error(`load generator runs on cores ${cores}, not ${LOAD_CORE}`);
  const queue: WorkerReply[] = [];
  let waiter: ((reply: WorkerReply) => void) | undefined;
  child.on('message', (reply: WorkerReply) => {
    // Taken off before it is called: two replies can arrive in one turn ('finished' then 'closed'),
    // and the second must queue, not go to a waiter that is already resolved.
    const wake = waiter;
    waiter = undefined;
    if (wake) wake(reply);
    else queue.push(reply);
  });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`load generator exited with ${String(code)}`);
  });
  exited.catch(() => {}); // observed by next() only while it waits
  return {
    send: (command) => child.send(command),
    async next(type) {
      let timer: NodeJS.Timeout | undefined;
      const reply =
        queue.shift() ??
        (await Promise.race([
          new Promise<WorkerReply>((resolve) => (waiter = resolve)),
          exited,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`load generator sent no ${type} within ${REPLY_TIMEOUT_MS / 1000} s`)), REPLY_TIMEOUT_MS);
          }),
        ]).finally(() => clearTimeout(timer)));
      if (reply.type === 'failed') throw new Error(`load generator failed: ${reply.message}`);
      if (reply.type !== type) throw new Error(`load generator answered ${reply.type}, expected ${type}`);
      return reply as ReplyOf<typeof type>;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill();
      await once(child, 'exit');
    },
  };
}
