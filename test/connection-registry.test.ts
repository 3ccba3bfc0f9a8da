// The WebSocket connection registry on Redis and in memory: the per-user limit, exact removal under
// churn, the limit across two instances (racing included), and a killed instance's entries expiring.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createConnectionRegistry, type ConnectionRegistry } from '../server/src/state/connection-registry';
import { connectTestRedis, hasRedis, REDIS_URL, uniqueRedisPrefix } from './helpers/services';
import { stateBackends } from './helpers/state';

describe.each(stateBackends)('connection registry on $name', (backend) => {
  let handle: Awaited<ReturnType<typeof backend.open>>;
  let registry: ConnectionRegistry;

  beforeAll(async () => {
    if (backend.unavailable) return;
    handle = await backend.open();
    // A fast heartbeat, so refreshes interleave with the churn below.
    registry = createConnectionRegistry(handle.redis, { limit: 5, heartbeatMs: 5 });
  });
  afterAll(async () => {
    await registry?.close();
    await handle?.[Symbol.asyncDispose]();
  });

  describe.skipIf(backend.unavailable)('', () => {
    it('admits up to the limit per user, then refuses without recording', async () => {
      const results = [];
      for (let i = 1; i <= 6; i++) results.push(await registry.register('alice', `a${i}`));
      expect(results).toEqual([
        { allowed: true, count: 1 },
        { allowed: true, count: 2 },
        { allowed: true, count: 3 },
        { allowed: true, count: 4 },
        { allowed: true, count: 5 },
        { allowed: false, count: 5 },
      ]);
      expect(await registry.register('alice', 'a3')).toEqual({ allowed: true, count: 5 }); // idempotent
      expect(await registry.register('bob', 'b1')).toEqual({ allowed: true, count: 1 });
      await registry.unregister('alice', 'a6'); // the refused one was never there
      expect(await registry.count('alice')).toBe(5);
      await registry.unregister('alice', 'a1');
      expect(await registry.register('alice', 'a7')).toEqual({ allowed: true, count: 5 });
      for (const id of ['a2', 'a3', 'a4', 'a5', 'a7']) await registry.unregister('alice', id);
      await registry.unregister('bob', 'b1');
      expect([await registry.count('alice'), await registry.count('bob')]).toEqual([0, 0]);
    });

    it('never goes negative: removing twice or removing the unknown is a no-op', async () => {
      await registry.register('carol', 'c1');
      await registry.unregister('carol', 'c1');
      await registry.unregister('carol', 'c1');
      await registry.unregister('carol', 'never-registered');
      await registry.unregister('nobody-at-all', 'x');
      expect(await registry.count('carol')).toBe(0);
      expect(await registry.register('carol', 'c2')).toEqual({ allowed: true, count: 1 });
      await registry.unregister('carol', 'c2');
    });

    it('is back at 0 after 1,000 concurrent connect/disconnect cycles', async () => {
      const users = ['u1', 'u2', 'u3', 'u4'];
      let refused = 0;
      // 20 clients at a time, each connecting and disconnecting 50 times as one of four users: five
      // clients per user hold at most five connections, so any leaked entry would show as a refusal.
      await Promise.all(
        Array.from({ length: 20 }, async (_, client) => {
          const user = users[client % users.length]!;
          for (let cycle = 0; cycle < 50; cycle++) {
            const id = `${client}-${cycle}`;
            const { allowed, count } = await registry.register(user, id);
            expect(count).toBeLessThanOrEqual(5);
            if (!allowed) refused++;
            await registry.unregister(user, id);
          }
        }),
      );
      expect(refused).toBe(0);
      expect(await Promise.all(users.map((user) => registry.count(user)))).toEqual([0, 0, 0, 0]);
      await sleep(20); // let a few heartbeats run: they must not bring anything back
      expect(await Promise.all(users.map((user) => registry.count(user)))).toEqual([0, 0, 0, 0]);
    });
  });
});

describe.skipIf(!hasRedis)('connection registry across instances', () => {
  it('enforces the per-user limit across two instances, racing connects included', async () => {
    const prefix = uniqueRedisPrefix();
    await using redisA = await connectTestRedis({ prefix });
    await using redisB = await connectTestRedis({ prefix });
    const a = createConnectionRegistry(redisA, { limit: 5 });
    const b = createConnectionRegistry(redisB, { limit: 5 });
    try {
      for (let i = 0; i < 3; i++) await a.register('dana', `a${i}`);
      expect(await b.register('dana', 'b0')).toEqual({ allowed: true, count: 4 });
      expect(await b.register('dana', 'b1')).toEqual({ allowed: true, count: 5 });
      expect(await a.register('dana', 'a3')).toEqual({ allowed: false, count: 5 });
      expect(await b.register('dana', 'b2')).toEqual({ allowed: false, count: 5 });

      // 20 simultaneous connects of one user, half on each instance: exactly 5 get in.
      const racing = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).register('erik', `r${i}`)),
      );
      expect(racing.filter((result) => result.allowed)).toHaveLength(5);
      expect(await a.count('erik')).toBe(5);

      // Closing an instance removes exactly its own entries.
      await a.close();
      expect(await b.count('dana')).toBe(2);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("expires a killed instance's entries while a live instance's heartbeat keeps its own", async () => {
    const prefix = uniqueRedisPrefix();
    const timing = { entryTtlMs: 1_000, heartbeatMs: 200 };
    await using redis = await connectTestRedis({ prefix });
    const live = createConnectionRegistry(redis, { limit: 10, ...timing });
    try {
      await live.register('fay', 'live-0');
      const child = spawn(
        process.execPath,
        ['--conditions=@authors/source', '--import', 'tsx', 'test/fixtures/registry-instance.ts'],
        {
          env: {
            PATH: process.env.PATH,
            REDIS_URL,
            REDIS_KEY_PREFIX: prefix,
            USER_ID: 'fay',
            CONNECTIONS: '3',
            ENTRY_TTL_MS: String(timing.entryTtlMs),
            HEARTBEAT_MS: String(timing.heartbeatMs),
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
      expect(chunk.toString()).toBe('registered\n');
      await sleep(2 * timing.entryTtlMs); // two lifetimes: both heartbeats keep their entries
      expect(await live.count('fay')).toBe(4);

      child.kill('SIGKILL');
      await once(child, 'exit');
      await vi.waitFor(async () => expect(await live.count('fay')).toBe(1), { timeout: 5_000, interval: 100 });
      expect(await live.register('fay', 'live-1')).toEqual({ allowed: true, count: 2 });
    } finally {
      await live.close();
    }
  });
});
