import { DrizzleQueryError } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listAuditLogsInput } from '@authors/shared';
import { createAuditRepository, type AuditRepository, type NewAuditLog } from '../server/src/db/audit-repository';
import { openDatabase, type Database, type Statement } from '../server/src/db/database';
import { userActions } from '../server/src/db/schema';
import { createAuditQueue, type AuditQueueOptions } from '../server/src/observability/audit-queue';
import { createMetrics, type Metrics } from '../server/src/observability/metrics';
import { REDACTED, TRUNCATED, redactSecrets } from '../server/src/observability/redact';
import { parsePrometheus, samplesOf, valueOf } from './helpers/prometheus';
import { createTestDatabase, hasPostgres } from './helpers/services';

const silent = pino({ level: 'silent' });
const T0 = Date.parse('2025-03-01T12:00:00Z');

function row(overrides: Partial<NewAuditLog> = {}): NewAuditLog {
  return {
    timestamp: new Date(T0),
    user_id: 'u-ada',
    username: 'ada',
    roles: ['admin'],
    action: 'authors.create',
    resource: 'authors',
    outcome: 'success',
    transport: 'http',
    ip: '127.0.0.1',
    user_agent: 'vitest',
    correlation_id: 'c-1',
    request_data: { name: 'x' },
    status_code: 200,
    error_message: null,
    duration_ms: 3,
    count: 1,
    ...overrides,
  };
}

async function metricValue(metrics: Metrics, name: string, labels: Record<string, string> = {}) {
  return valueOf(parsePrometheus(await metrics.registry.metrics()), name, labels);
}

/** audit_logs_dropped_total over every kind and reason. */
async function droppedCalls(metrics: Metrics) {
  const samples = samplesOf(parsePrometheus(await metrics.registry.metrics()), 'audit_logs_dropped_total');
  return samples.reduce((sum, sample) => sum + sample.value, 0);
}

describe('redactSecrets', () => {
  it('redacts secret-looking keys at any depth, in objects, arrays and maps', () => {
    expect(
      redactSecrets({
        username: 'ada',
        password: 'hunter2',
        data: {
          items: [{ access_token: 'a' }, { nested: { refresh_token: 'r', Authorization: 'Bearer t' } }],
          headers: new Map([['x-api-key', 'k']]),
          client_secret: 's',
          newPassword: 'p',
          token_hint: 'refresh',
          note: 'the password is not here',
        },
      }).data,
    ).toEqual({
      username: 'ada',
      password: REDACTED,
      data: {
        items: [{ access_token: REDACTED }, { nested: { refresh_token: REDACTED, Authorization: REDACTED } }],
        headers: { 'x-api-key': REDACTED },
        client_secret: REDACTED,
        newPassword: REDACTED,
        token_hint: REDACTED,
        note: 'the password is not here',
      },
    });
  });

  it('turns values PostgreSQL cannot store into plain JSON', () => {
    expect(
      redactSecrets({
        big: 12345678901234567890n,
        when: new Date('2025-01-02T03:04:05Z'),
        tags: new Set(['a']),
        nul: 'a\u0000b',
        lone: 'a\uD800b\uDC00',
        pair: '\uD83D\uDE00',
        'key\u0000': 1,
        inf: Infinity,
        nothing: undefined,
      }).data,
    ).toEqual({
      big: '12345678901234567890',
      when: '2025-01-02T03:04:05.000Z',
      tags: ['a'],
      nul: 'a\uFFFDb',
      lone: 'a\uFFFDb\uFFFD',
      pair: '\uD83D\uDE00',
      'key\uFFFD': 1,
      inf: 'Infinity',
      nothing: null,
    });
  });

  it('stores a marker instead of anything nested too deep (secrets included)', () => {
    let deep: unknown = { password: 'hunter2' };
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(JSON.stringify(redactSecrets(deep).data)).toContain(TRUNCATED);
    expect(JSON.stringify(redactSecrets(deep).data)).not.toContain('hunter2');
  });

  it('copies at most about maxBytes, however large the input, and says how much it copied', () => {
    const small = redactSecrets({ name: 'Ada' });
    expect(small.data).toEqual({ name: 'Ada' });
    expect(small.bytes).toBe(8 + 'name'.length + 2 + 'Ada'.length + 2);

    const long = redactSecrets({ name: 'x'.repeat(100_000) }, 1_000);
    expect(long.data).toEqual({ name: `${'x'.repeat(1_000 - 8 - 6)}${TRUNCATED}` });
    const wide = redactSecrets(Array.from({ length: 100_000 }, (_, i) => i), 1_000);
    expect(wide.data).toEqual([...Array.from({ length: 124 }, (_, i) => i), TRUNCATED]);
    expect(wide.bytes).toBeLessThanOrEqual(1_008);
  });

  it('stays bounded on a DAG of shared references (2^40 paths) and on a cycle', () => {
    let dag: Record<string, unknown> = { leaf: 'x' };
    for (let i = 0; i < 40; i++) dag = { a: dag, b: dag };
    const copied = redactSecrets(dag, 4_096);
    expect(copied.bytes).toBeLessThan(4_096 + 64);
    expect(JSON.stringify(copied.data).length).toBeLessThan(8_192);
    expect(JSON.stringify(copied.data)).toContain(TRUNCATED);

    const cycle: Record<string, unknown> = { name: 'loop' };
    cycle.self = cycle;
    expect(JSON.stringify(redactSecrets(cycle, 4_096).data)).toContain(TRUNCATED);
  });

  it('accepts the REST query names of GET /audit-logs, coercing strings and capping per_page', () => {
    expect(
      listAuditLogsInput.parse({ start_date: '2025-01-01T00:00:00Z', page: '2', per_page: '500', outcome: 'error' }),
    ).toEqual({ start_date: new Date('2025-01-01T00:00:00Z'), page: 2, per_page: 100, outcome: 'error' });
    expect(listAuditLogsInput.parse(undefined)).toEqual({ page: 1, per_page: 20 });
    expect(listAuditLogsInput.safeParse({ start_date: 'yesterday' }).success).toBe(false);
    expect(listAuditLogsInput.safeParse({ outcome: 'maybe' }).success).toBe(false);
  });
});

describe.skipIf(!hasPostgres)('audit repository and queue on PostgreSQL', () => {
  let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
  let database: Database;
  let repository: AuditRepository;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openDatabase({ DATABASE_URL: testDb.url, PGLITE_DIR: undefined });
    repository = createAuditRepository(database);
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.[Symbol.asyncDispose]();
  });
  beforeEach(async () => {
    await database.db.delete(userActions);
  });

  const countRows = async () => (await repository.page({}, 0, 1)).total;

  describe('repository', () => {
    it('lists newest first with every filter, inclusive time bounds and pagination', async () => {
      await repository.insertBatch([
        row({ timestamp: new Date(T0), user_id: 'u-ada', username: 'ada', action: 'authors.create' }),
        row({ timestamp: new Date(T0 + 1000), user_id: 'u-bob', username: 'bob', action: 'authors.delete', outcome: 'permission_denied' }),
        row({ timestamp: new Date(T0 + 2000), user_id: 'u-ada', username: 'ada', action: 'authors.update', outcome: 'error' }),
        row({ timestamp: new Date(T0 + 3000), user_id: 'u-ada', username: 'ada', action: 'authors.create' }),
      ]);
      const times = (items: { timestamp: Date }[]) => items.map((item) => item.timestamp.getTime() - T0);

      const all = await repository.page({}, 0, 10);
      expect(all.total).toBe(4);
      expect(times(all.items)).toEqual([3000, 2000, 1000, 0]);
      expect(times((await repository.page({ userId: 'u-ada' }, 0, 10)).items)).toEqual([3000, 2000, 0]);
      expect(times((await repository.page({ username: 'bob' }, 0, 10)).items)).toEqual([1000]);
      expect(times((await repository.page({ action: 'authors.create' }, 0, 10)).items)).toEqual([3000, 0]);
      expect(times((await repository.page({ outcome: 'error' }, 0, 10)).items)).toEqual([2000]);
      const window = { start: new Date(T0 + 1000), end: new Date(T0 + 2000) };
      expect(times((await repository.page(window, 0, 10)).items)).toEqual([2000, 1000]);
      expect(times((await repository.page({ ...window, username: 'ada' }, 0, 10)).items)).toEqual([2000]);
      const second = await repository.page({}, 2, 2);
      expect({ total: second.total, times: times(second.items) }).toEqual({ total: 4, times: [1000, 0] });
      expect(await repository.page({ username: 'nobody' }, 0, 10)).toEqual({ items: [], total: 0 });
    });

    it('finds one row by id, with every field as inserted', async () => {
      await repository.insertBatch([row({ request_data: { password: REDACTED, deep: [1, { a: null }] } })]);
      const [listed] = (await repository.page({}, 0, 1)).items;
      expect(await repository.byId(listed!.id)).toEqual({ id: listed!.id, ...row({ request_data: { password: REDACTED, deep: [1, { a: null }] } }) });
      expect(await repository.byId(listed!.id + 1000)).toBeUndefined();
    });

    it('stores text PostgreSQL cannot hold as U+FFFD in every column, instead of failing the batch', async () => {
      const odd = 'a\u0000b\uD800c';
      await repository.insertBatch([
        row({ username: odd, roles: [odd], resource: `authors/${odd}`, user_agent: odd, error_message: odd, request_data: { note: odd } }),
        row({ username: 'next' }),
      ]);
      const stored = 'a\uFFFDb\uFFFDc';
      const { items } = await repository.page({}, 0, 10); // newest (highest id) first
      expect(items.map(({ username, roles, resource, user_agent, error_message, request_data }) => ({ username, roles, resource, user_agent, error_message, request_data }))).toEqual([
        { username: 'next', roles: ['admin'], resource: 'authors', user_agent: 'vitest', error_message: null, request_data: { name: 'x' } },
        { username: stored, roles: [stored], resource: `authors/${stored}`, user_agent: stored, error_message: stored, request_data: { note: stored } },
      ]);
    });
    it('writes each batch as the one prepared statement (readRows), its rows as one JSON parameter', async () => {
      const sent: Statement[] = [];
      const spied = createAuditRepository({ db: database.db, readRows: (statement) => (sent.push(statement), database.readRows(statement)) });
      await spied.insertBatch([row()]);
      await spied.insertBatch([row(), row(), row({ username: 'bob' })]);
      await spied.insertBatch([]);
      expect(sent).toHaveLength(2);
      expect(sent[1]!.sql).toBe(sent[0]!.sql);
      expect(sent.map((statement) => statement.params.length)).toEqual([1, 1]);
      expect(JSON.parse(sent[1]!.params[0] as string)).toHaveLength(3);
      expect(await countRows()).toBe(4);
    });

    it('rejects a batch PostgreSQL refuses as a DrizzleQueryError, storing none of its rows', async () => {
      // An invalid Date goes into the JSON as null, which the NOT NULL timestamp refuses.
      const write = repository.insertBatch([row(), row({ timestamp: new Date(Number.NaN) })]);
      await expect(write).rejects.toBeInstanceOf(DrizzleQueryError);
      await expect(write).rejects.toMatchObject({ cause: { code: '23502' } });
      expect(await countRows()).toBe(0);
      await repository.insertBatch([row()]);
      expect(await countRows()).toBe(1);
    });
  });

  describe('queue', () => {
    function queue(metrics: Metrics, options: Partial<AuditQueueOptions>) {
      return createAuditQueue({ repository, metrics, logger: silent, flushIntervalMs: 60_000, ...options });
    }

    it('writes rows in batches and counts them by outcome', async () => {
      const metrics = createMetrics('test');
      const batches: number[] = [];
      const audit = queue(metrics, {
        batchSize: 10,
        repository: { insertBatch: (rows) => (batches.push(rows.length), repository.insertBatch(rows)) },
      });
      for (let i = 0; i < 25; i++) audit.record(row({ outcome: i % 5 === 0 ? 'error' : 'success' }));
      await audit.flush();
      expect(batches).toEqual([10, 10, 5]);
      expect(await countRows()).toBe(25);
      expect(await metricValue(metrics, 'audit_logs_total', { outcome: 'success' })).toBe(20);
      expect(await metricValue(metrics, 'audit_logs_total', { outcome: 'error' })).toBe(5);
      expect(await metricValue(metrics, 'audit_queue_size')).toBe(0);
      expect(await droppedCalls(metrics)).toBe(0);
      await audit.close(1_000);
    });

    it('writes rows that arrive during a write as a full batch or on the next tick, not a few at a time', async () => {
      const metrics = createMetrics('test');
      const batches: number[] = [];
      let release!: () => void;
      const slow = new Promise<void>((resolve) => (release = resolve));
      const audit = queue(metrics, {
        batchSize: 10,
        repository: { insertBatch: async (rows) => (batches.push(rows.length), await slow, repository.insertBatch(rows)) },
      });
      for (let i = 0; i < 10; i++) audit.record(row()); // a full batch: written at once
      for (let i = 0; i < 3; i++) audit.record(row()); // arrive while it is being written
      release();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(batches).toEqual([10]);
      expect(audit.size).toBe(3);
      for (let i = 0; i < 7; i++) audit.record(row()); // the second batch fills up: written at once
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(batches).toEqual([10, 10]);
      for (let i = 0; i < 4; i++) audit.record(row());
      await audit.flush(); // what the timer's tick does: the partial batch too
      expect(batches).toEqual([10, 10, 4]);
      expect(await countRows()).toBe(24);
      await audit.close(1_000);
    });

    it('holds back callers, not rows, while the database is slow: bounded in bytes, nothing dropped', async () => {
      const metrics = createMetrics('test');
      let release!: () => void;
      const slow = new Promise<void>((resolve) => (release = resolve));
      const audit = queue(metrics, {
        maxBytes: 10_000,
        batchSize: 10,
        repository: { insertBatch: async (rows) => (await slow, repository.insertBatch(rows)) },
      });
      // Each row weighs ~300 bytes plus its request data: 100 × 1,000 bytes of data cannot all fit.
      const accepted = Array.from({ length: 100 }, () => audit.record(row(), 1_000));
      const waiting = accepted.filter((result) => result !== undefined);
      expect(waiting.length).toBeGreaterThan(80);
      expect(audit.size).toBe(100 - waiting.length);
      expect(await metricValue(metrics, 'audit_queue_bytes')).toBeLessThanOrEqual(10_000);

      release();
      await Promise.all(waiting);
      await audit.flush();
      expect(await countRows()).toBe(100);
      expect(await metricValue(metrics, 'audit_logs_total', { outcome: 'success' })).toBe(100);
      expect(await droppedCalls(metrics)).toBe(0);
      await audit.close(1_000);
    });

    it('drops (and counts) a row that waited maxWaitMs for a database that takes nothing', async () => {
      const metrics = createMetrics('test');
      const audit = queue(metrics, { maxBytes: 1, maxWaitMs: 20, repository: { insertBatch: () => new Promise<void>(() => {}) } });
      expect(audit.record(row())).toBeUndefined(); // an empty queue takes any row
      await audit.record(row());
      await audit.record(row());
      expect(await metricValue(metrics, 'audit_logs_dropped_total', { kind: 'call', reason: 'queue_full' })).toBe(2);
      await audit.close(10);
    });

    it('tallies refusals: one row per user, procedure, status and transport per minute, with a count', async () => {
      const metrics = createMetrics('test');
      const audit = queue(metrics, {});
      const refused = (overrides: Partial<NewAuditLog>) =>
        row({ outcome: 'permission_denied', status_code: 403, request_data: null, ...overrides });
      for (let i = 0; i < 500; i++) audit.recordRefusal(refused({ correlation_id: `c-${i}` }));
      audit.recordRefusal(refused({ status_code: 429, outcome: 'error' }));
      audit.recordRefusal(refused({ transport: 'ws' }));
      audit.recordRefusal(refused({ user_id: 'u-bob', username: 'bob' }));
      audit.recordRefusal(refused({ timestamp: new Date(T0 + 60_000) }));
      expect(audit.size).toBe(0); // a minute's tally is written when the minute ends (or on flush)
      await audit.flush();
      const { items } = await repository.page({}, 0, 10);
      const summary = items.map(({ username, status_code, transport, count, correlation_id, timestamp }) => ({
        username, status_code, transport, count, correlation_id, minute: (timestamp.getTime() - T0) / 60_000,
      }));
      expect(summary).toHaveLength(5);
      expect(summary).toEqual(
        expect.arrayContaining([
          { username: 'ada', status_code: 403, transport: 'http', count: 500, correlation_id: 'c-0', minute: 0 },
          { username: 'ada', status_code: 429, transport: 'http', count: 1, correlation_id: 'c-1', minute: 0 },
          { username: 'ada', status_code: 403, transport: 'ws', count: 1, correlation_id: 'c-1', minute: 0 },
          { username: 'bob', status_code: 403, transport: 'http', count: 1, correlation_id: 'c-1', minute: 0 },
          { username: 'ada', status_code: 403, transport: 'http', count: 1, correlation_id: 'c-1', minute: 1 },
        ]),
      );
      expect(await droppedCalls(metrics)).toBe(0);
      await audit.close(1_000);
    });

    it('counts refusals past the tally\'s bound as dropped, and never lets them take a call\'s room', async () => {
      const metrics = createMetrics('test');
      const audit = queue(metrics, { maxRefusalRows: 3 });
      for (let i = 0; i < 10; i++) audit.recordRefusal(row({ user_id: `u-${i}`, outcome: 'permission_denied', status_code: 403 }));
      audit.record(row({ action: 'authors.create' }));
      await audit.flush();
      expect(await metricValue(metrics, 'audit_logs_dropped_total', { kind: 'refusal', reason: 'queue_full' })).toBe(7);
      expect(await countRows()).toBe(4);
      await audit.close(1_000);
    });

    it('retries a batch the database refused, without losing or duplicating rows', async () => {
      const metrics = createMetrics('test');
      let attempts = 0;
      const audit = queue(metrics, {
        flushIntervalMs: 5,
        repository: {
          insertBatch: async (rows) => {
            attempts += 1;
            if (attempts <= 2) throw new Error('connection refused');
            await repository.insertBatch(rows);
          },
        },
      });
      for (let i = 0; i < 7; i++) audit.record(row());
      await audit.flush();
      expect(attempts).toBe(3);
      expect(await countRows()).toBe(7);
      expect(await droppedCalls(metrics)).toBe(0);
      await audit.close(1_000);
    });

    it('drops (and counts) a batch refused maxAttempts times, then carries on with the next', async () => {
      const metrics = createMetrics('test');
      const audit = queue(metrics, {
        flushIntervalMs: 1,
        batchSize: 3,
        maxAttempts: 2,
        repository: {
          insertBatch: async (rows) => {
            if (rows.some((r) => r.action === 'poison')) throw new Error('invalid input');
            await repository.insertBatch(rows);
          },
        },
      });
      audit.record(row());
      audit.record(row({ action: 'poison' }));
      audit.record(row());
      audit.record(row());
      await audit.flush();
      expect(await metricValue(metrics, 'audit_logs_dropped_total', { kind: 'call', reason: 'database' })).toBe(3);
      expect(await countRows()).toBe(1);
      await audit.close(1_000);
    });

    it('writes what is left on close, then refuses (and counts) late rows', async () => {
      const metrics = createMetrics('test');
      const audit = queue(metrics, { batchSize: 100 });
      for (let i = 0; i < 30; i++) audit.record(row());
      expect(audit.size).toBe(30);
      await audit.close(5_000);
      expect(await countRows()).toBe(30);
      audit.record(row());
      expect(await metricValue(metrics, 'audit_logs_dropped_total', { kind: 'call', reason: 'shutdown' })).toBe(1);
    });

    it('gives up at the shutdown deadline when the database hangs, counting the rows it could not write', async () => {
      const metrics = createMetrics('test');
      const audit = queue(metrics, { repository: { insertBatch: () => new Promise<void>(() => {}) } });
      for (let i = 0; i < 5; i++) audit.record(row());
      await audit.close(100);
      expect(audit.size).toBe(0);
      expect(await metricValue(metrics, 'audit_logs_dropped_total', { kind: 'call', reason: 'shutdown' })).toBe(5);
      expect(await metricValue(metrics, 'audit_queue_size')).toBe(0);
    });
  });
});

describe('audit repository on PGlite', () => {
  it('stores a batch and reads every field back, unstorable text as U+FFFD', async () => {
    const database = await openDatabase({ DATABASE_URL: undefined, PGLITE_DIR: undefined });
    try {
      const repository = createAuditRepository(database);
      const odd = 'a\u0000b\uD800c';
      const stored = 'a\uFFFDb\uFFFDc';
      await repository.insertBatch([row({ username: odd, request_data: { note: odd, deep: [1, { a: null }] } }), row({ username: 'next' })]);
      const { items, total } = await repository.page({}, 0, 10);
      expect(total).toBe(2);
      expect(await repository.byId(items[1]!.id)).toEqual({ id: items[1]!.id, ...row({ username: stored, request_data: { note: stored, deep: [1, { a: null }] } }) });
      await expect(repository.insertBatch([row({ timestamp: new Date(Number.NaN) })])).rejects.toBeInstanceOf(DrizzleQueryError);
    } finally {
      await database.close();
    }
  });
});
