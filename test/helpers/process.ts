// Spawns the real server as a child process (the production bundle this test run built, or `npm start`
// as the README says), waits until it logs "server listening", and stops it on dispose. For
// multi-instance, restart, signal, production and quick-start tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { bundledServerArgs } from './server-bundle';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `built`: `node main.js` from the bundle `npm run build -w @authors/server` wrote for this run (the
 * default: it starts several times faster than tsx); `npm-start`: `npm start`, TypeScript through tsx
 * after the `prestart` step, as users run it.
 */
export type ServerEntry = 'built' | 'npm-start';

export interface SpawnOptions {
  entry?: ServerEntry;
  /** The checkout to run in (default: this one). */
  cwd?: string;
  timeoutMs?: number;
}

function serverCommand(entry: ServerEntry = 'built'): [string, string[]] {
  return entry === 'npm-start' ? ['npm', ['start']] : [process.execPath, bundledServerArgs()];
}

export interface ServerProcess extends AsyncDisposable {
  child: ChildProcess;
  url: string;
  port: number;
  /** Everything the process wrote so far (stdout + stderr). */
  output(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs the server with `env` (PORT defaults to 0, rate limiting off unless set) and resolves once it listens. */
export async function spawnServer(
  env: Record<string, string>,
  { entry, cwd = ROOT, timeoutMs = 60_000 }: SpawnOptions = {},
): Promise<ServerProcess> {
  const [command, args] = serverCommand(entry);
  // npm runs the server as its grandchild: in a process group of its own, signalled as a whole.
  const group = entry === 'npm-start';
  const child = spawn(command, args, {
    cwd,
    detached: group,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: '0',
      HOST: '127.0.0.1',
      RATE_LIMIT_ENABLED: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"port":(\d+)[^\n]*"msg":"server listening"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    if (group) process.kill(-child.pid!, signal);
    else child.kill(signal);
    const [code] = (await once(child, 'exit')) as [number | null];
    return code;
  };
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    stop,
    async [Symbol.asyncDispose]() {
      await stop('SIGKILL');
    },
  };
}

/** Runs the server expecting it to exit by itself (bad config, unreachable database). */
export async function runServerToExit(
  env: Record<string, string>,
  { entry }: Pick<SpawnOptions, 'entry'> = {},
): Promise<{ code: number | null; output: string }> {
  const [command, args] = serverCommand(entry);
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

/** A TCP port free right now, for a process that must know its URL before it starts (PUBLIC_URL). */
export { freePort } from '../../deploy/local/processes';

/** Logs in over HTTP (`POST /login`) — for servers in other processes — and returns the access token. */
export async function accessTokenFor(url: string, username: string, password = username): Promise<string> {
  const response = await fetch(`${url}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 200) throw new Error(`login as ${username} failed with ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
