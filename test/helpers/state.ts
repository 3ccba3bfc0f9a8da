// The two state backends (Redis under a fresh key prefix, and memory) for `describe.each` suites.
import type { Redis } from '../../server/src/state/redis';
import { connectTestRedis, hasRedis } from './services';

export interface StateBackend {
  name: 'redis' | 'memory';
  /** True when the backend cannot run here (no Redis): the suite skips. */
  unavailable: boolean;
  /** A Redis client under a fresh prefix, or undefined for memory; disposed with the returned handle. */
  open(): Promise<{ redis: Redis | undefined } & AsyncDisposable>;
}

export const stateBackends: StateBackend[] = [
  {
    name: 'redis',
    unavailable: !hasRedis,
    async open() {
      const redis = await connectTestRedis();
      return { redis, [Symbol.asyncDispose]: () => redis[Symbol.asyncDispose]() };
    },
  },
  {
    name: 'memory',
    unavailable: false,
    async open() {
      return { redis: undefined, [Symbol.asyncDispose]: async () => {} };
    },
  },
];
