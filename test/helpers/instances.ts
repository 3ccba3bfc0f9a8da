// Several server processes sharing one fresh database and one Redis key prefix — the production
// topology minus the load balancer — each stopped with SIGTERM (a graceful restart, a rolling deploy)
// or SIGKILL (a crash) and started again on the same port, so clients that reconnect to the address
// they knew find it again. For restart, rolling-deploy and failover tests; the local nginx stack puts
// the same processes behind its load balancer.
import { createTestDatabase, REDIS_URL, uniqueRedisPrefix } from './services';
import { spawnServer, type ServerProcess } from './process';

export interface Instance {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  /** Listening and not signalled: false from the moment `stop` sends its signal until `start` resolves. */
  readonly up: boolean;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code once the process has exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<number | null>;
  /** Starts it again on the same port; resolves once it listens. */
  start(): Promise<void>;
  /** Everything every run of it wrote (stdout + stderr). */
  output(): string;
}

export interface Instances extends AsyncDisposable {
  readonly instances: readonly Instance[];
  readonly urls: readonly string[];
  readonly databaseUrl: string;
  readonly redisKeyPrefix: string;
  /** An instance that is up (for a writer that must not hit the one being restarted). */
  anyUp(): Instance;
}

export interface InstancesOptions {
  count?: number;
  /** Extra environment for every instance (rate limiting is off unless set: see spawnServer). */
  env?: Record<string, string>;
}

/** Starts `count` (default 2) instances on a fresh database and Redis prefix; all stopped and dropped on dispose. */
export async function startInstances({ count = 2, env = {} }: InstancesOptions = {}): Promise<Instances> {
  const database = await createTestDatabase();
  const redisKeyPrefix = uniqueRedisPrefix();
  // One database (one signing key) and one public URL (one issuer): a token works on every instance.
  const shared = { DATABASE_URL: database.url, PUBLIC_URL: 'http://authors.test', REDIS_URL, REDIS_KEY_PREFIX: redisKeyPrefix, ...env };
  let instances: Instance[];
  try {
    instances = await Promise.all(Array.from({ length: count }, (_, index) => startInstance(`instance ${index + 1}`, shared)));
  } catch (error) {
    await database[Symbol.asyncDispose]();
    throw error;
  }
  return {
    instances,
    urls: instances.map(({ url }) => url),
    databaseUrl: database.url,
    redisKeyPrefix,
    anyUp() {
      const up = instances.find((instance) => instance.up);
      if (!up) throw new Error('no instance is up');
      return up;
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(instances.map((instance) => instance.stop('SIGKILL')));
      await database[Symbol.asyncDispose]();
    },
  };
}

async function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  let server: ServerProcess | undefined = await spawnServer(env);
  const { port } = server;
  let up = true;
  let earlierOutput = '';
  return {
    name,
    port,
    url: server.url,
    get up() {
      return up;
    },
    async stop(signal = 'SIGTERM') {
      up = false;
      const running = server;
      server = undefined;
      if (!running) return null;
      const code = await running.stop(signal);
      earlierOutput += running.output();
      return code;
    },
    async start() {
      if (server) throw new Error(`${name} is already running`);
      server = await spawnServer({ ...env, PORT: String(port) });
      up = true;
    },
    output: () => earlierOutput + (server?.output() ?? ''),
  };
}
