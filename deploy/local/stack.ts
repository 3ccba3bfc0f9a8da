// The compose topology on this machine, without Docker: an identity provider (an app instance serving
// its embedded Keycloak-shaped issuer with the compose realm's name, client and users), two app
// instances in OIDC mode against it, nginx in front of them and Prometheus scraping both. Every
// process gets a free port, a log file in the stack's directory, and is stopped by PID.
// Used by `npm run stack:up` / `stack:down` and by the test/stack-*.test.ts suites.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import {
  COMPOSE_INSTANCES,
  NGINX_UPSTREAM_ADDRESS,
  ROOT,
  composeAppEnvironment,
  keycloakRealm,
  nginxConfig,
  prometheusConfig,
} from './config-files';
import { answers200, freePorts, startProcess, stopPid, waitUntil, type StackProcess } from './processes';

export const DEFAULT_DATABASE_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** Where `stack:up` records the running stack for `stack:down` (git-ignored). */
export const STACK_FILE = fileURLToPath(new URL('.stack.json', import.meta.url));

/** What `.stack.json` holds: the addresses, and every PID `stack:down` must stop. */
export interface StackDescription {
  nginx: string;
  prometheus: string;
  issuer: string;
  instances: { url: string; pid: number }[];
  /** Every process, in start order. */
  processes: { name: string; pid: number; logFile: string }[];
  /** Logs, configs, Prometheus data. */
  dir: string;
  /** Set when the stack created the database itself (stack:down drops it). */
  createdDatabase?: { adminUrl: string; name: string };
  redisKeyPrefix: string;
}

export interface StackOptions {
  /** An existing database; by default a fresh one is created on the local PostgreSQL. */
  databaseUrl?: string;
  redisUrl?: string;
  /** Extra environment for both app instances (limits for tests, say). */
  appEnv?: Record<string, string>;
  /** Prometheus scrape and rule evaluation interval. */
  scrapeInterval?: string;
  /** Processes outlive the caller (stack:up). */
  detached?: boolean;
  /**
   * The `node` arguments that start the issuer and each app instance. By default the sources through
   * tsx: `stack:up` runs the checkout as it is, with no build to forget; the test suites pass the
   * bundle they built once, which starts several times faster.
   */
  serverArgs?: string[];
}

export interface AppInstance {
  name: string;
  url: string;
  port: number;
  /** The current run's process (a new one after each `start`). */
  process: StackProcess;
  /** Sends `signal` (SIGTERM: a graceful stop; SIGKILL: a crash) and resolves with the exit code or signal. */
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<number | string>;
  /** Starts it again on the same port (nginx and Prometheus know only that) and waits until it is healthy. */
  start(): Promise<void>;
}

export interface Stack {
  nginx: string;
  prometheus: string;
  issuer: string;
  instances: AppInstance[];
  databaseUrl: string;
  dir: string;
  describe(): StackDescription;
  /** Stops every process and drops the database it created; `removeDir` deletes the logs and Prometheus data too. */
  stop(options?: { removeDir?: boolean }): Promise<void>;
}

const SOURCE_ARGS = ['--conditions=@authors/source', '--import', 'tsx', 'server/src/main.ts'];

async function createDatabase(adminUrl: string): Promise<{ url: string; name: string }> {
  const name = `stack_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** The end of a log file, for a start-up failure's message. */
const tail = (file: string) => () => {
  try {
    return readFileSync(file, 'utf8').slice(-4_000);
  } catch {
    return '';
  }
};

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'authors-stack-'));
  chmodSync(dir, 0o755); // nginx's workers run as nobody when the master is root
  const adminUrl = DEFAULT_DATABASE_ADMIN_URL;
  const created = options.databaseUrl ? undefined : await createDatabase(adminUrl);
  const databaseUrl = options.databaseUrl ?? created!.url;
  const redisUrl = options.redisUrl ?? DEFAULT_REDIS_URL;
  const redisKeyPrefix = `stack:${randomBytes(6).toString('hex')}:`;
  const detached = options.detached ?? false;
  const serverArgs = options.serverArgs ?? SOURCE_ARGS;
  const processes: StackProcess[] = [];
  const start = (name: string, command: string, args: string[], env: Record<string, string>) => {
    const started = startProcess({ name, command, args, env, logFile: join(dir, `${name}.log`), cwd: ROOT, detached });
    processes.push(started);
    return started;
  };
  // Debian puts nginx in /usr/sbin, which a non-root PATH may lack.
  const basics = { PATH: `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin`, HOME: process.env.HOME ?? dir };

  const stop = async ({ removeDir = false } = {}) => {
    await stopAll(processes);
    if (created) await dropDatabase(adminUrl, created.name);
    if (removeDir) rmSync(dir, { recursive: true, force: true });
  };

  try {
    const [issuerPort = 0, nginxPort = 0, prometheusPort = 0, ...instancePorts] = await freePorts(3 + COMPOSE_INSTANCES.length);
    const nginx = `http://127.0.0.1:${nginxPort}`;
    const prometheus = `http://127.0.0.1:${prometheusPort}`;
    const { realm, clientId } = keycloakRealm();
    const issuerBase = `http://127.0.0.1:${issuerPort}`;
    const issuer = `${issuerBase}/realms/${realm}`;

    // In place of Keycloak: development mode seeds the realm's users (test/deploy-stack.test.ts
    // holds the realm file and the development users equal); no rate limits, like Keycloak's default.
    const issuerProcess = start('issuer', process.execPath, serverArgs, {
      ...basics,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(issuerPort),
      PUBLIC_URL: issuerBase,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: `${redisKeyPrefix}issuer:`,
      OIDC_REALM: realm,
      OIDC_CLIENT_ID: clientId,
      RATE_LIMIT_ENABLED: 'false',
    });

    // The compose file's app environment, with this machine's addresses.
    const appEnv = (port: number) => ({
      ...basics,
      ...composeAppEnvironment(),
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: nginx,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: redisKeyPrefix,
      OIDC_ISSUER_URL: issuer,
      TRUSTED_PROXIES: NGINX_UPSTREAM_ADDRESS,
      ...options.appEnv,
    });
    const instances = COMPOSE_INSTANCES.map((name, index): AppInstance => {
      const port = instancePorts[index]!;
      const url = `http://127.0.0.1:${port}`;
      const instance: AppInstance = {
        name,
        url,
        port,
        process: start(name, process.execPath, serverArgs, appEnv(port)),
        async stop(signal) {
          instance.process.child.kill(signal);
          return instance.process.exited;
        },
        async start() {
          if (instance.process.child.exitCode === null && instance.process.child.signalCode === null) {
            throw new Error(`${name} is still running`);
          }
          processes.splice(processes.indexOf(instance.process), 1);
          instance.process = start(name, process.execPath, serverArgs, appEnv(port));
          await waitUntil(name, () => answers200(`${url}/health`), { describe: tail(instance.process.logFile) });
        },
      };
      return instance;
    });
    // All three start at once: an instance fetches the issuer's discovery document on first use, not
    // at start-up, and migrations take an advisory lock.
    await Promise.all([
      waitUntil('issuer', () => answers200(`${issuer}/.well-known/openid-configuration`), { describe: tail(issuerProcess.logFile) }),
      ...instances.map((instance) =>
        waitUntil(instance.name, () => answers200(`${instance.url}/health`), { describe: tail(instance.process.logFile) }),
      ),
    ]);

    const nginxConf = join(dir, 'nginx.conf');
    writeFileSync(nginxConf, nginxConfig({ port: nginxPort, instancePorts, dir }));
    const nginxProcess = start('nginx', 'nginx', ['-e', join(dir, 'nginx.log'), '-p', dir, '-c', nginxConf], basics);

    const prometheusYml = join(dir, 'prometheus.yml');
    writeFileSync(prometheusYml, prometheusConfig({ instancePorts, scrapeInterval: options.scrapeInterval ?? '1s' }));
    const prometheusProcess = start(
      'prometheus',
      'prometheus',
      [
        `--config.file=${prometheusYml}`,
        `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`,
        '--log.level=warn',
      ],
      basics,
    );

    await waitUntil('nginx', () => answers200(`${nginx}/health`), { describe: tail(nginxProcess.logFile) });
    await waitUntil('prometheus targets', () => targetsUp(prometheus, instancePorts.length), {
      describe: tail(prometheusProcess.logFile),
    });

    return {
      nginx,
      prometheus,
      issuer,
      instances,
      databaseUrl,
      dir,
      stop,
      describe: () => ({
        nginx,
        prometheus,
        issuer,
        instances: instances.map((instance) => ({ url: instance.url, pid: instance.process.pid })),
        processes: processes.map(({ name, pid, logFile }) => ({ name, pid, logFile })),
        dir,
        ...(created ? { createdDatabase: { adminUrl, name: created.name } } : {}),
        redisKeyPrefix,
      }),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Stops the processes, all at once (each by PID: SIGTERM, then SIGKILL past its grace period). */
export async function stopAll(processes: readonly { pid: number }[]): Promise<void> {
  await Promise.all(processes.map(({ pid }) => stopPid(pid)));
}

/** Whether Prometheus has scraped `count` targets and found each one up. */
export async function targetsUp(prometheus: string, count: number): Promise<boolean> {
  const response = await fetch(`${prometheus}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(2_000) });
  if (response.status !== 200) return false;
  const body = (await response.json()) as { data: { activeTargets: { health: string }[] } };
  const targets = body.data.activeTargets;
  return targets.length === count && targets.every((target) => target.health === 'up');
}
