// The audit middleware through server-side callers with a crafted user (authentication arrives with
// the identity branch), against the real app services and PostgreSQL.
import { TRPCError } from '@trpc/server';
import { pino } from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { User } from '../server/src/auth/user';
import { userActions } from '../server/src/db/schema';
import { createAuditQueue } from '../server/src/observability/audit-queue';
import { createCallRecorder } from '../server/src/observability/call-metrics';
import { createMetrics } from '../server/src/observability/metrics';
import { appRouter } from '../server/src/routers';
import type { Context, RequestInfo } from '../server/src/trpc/context';
import { createCallerFactory, middleware, router } from '../server/src/trpc/init';
import { publicProcedure } from '../server/src/trpc/procedures';
import { parsePrometheus, valueOf } from './helpers/prometheus';
import { startTestServer, type TestServer } from './helpers/server';
import { hasPostgres } from './helpers/services';

const writer: User = { sub: 'u-writer', username: 'writer', roles: ['get-authors', 'create-author'] };
const admin: User = { sub: 'u-admin', username: 'admin', roles: ['admin', 'get-authors'] };
const request: RequestInfo = { transport: 'http', ip: '10.0.0.7', userAgent: 'vitest/1', correlationId: 'corr-1' };

const forbidden = middleware(() => {
  throw new TRPCError({ code: 'FORBIDDEN', message: 'Missing role: admin' });
});

/** Procedures built on publicProcedure, so they carry the same middleware chain as the app's. */
const testRouter = router({
  login: publicProcedure
    .input(z.object({ username: z.string(), password: z.string() }))
    .mutation(({ input }) => ({ ok: input.username })),
  save: publicProcedure.input(z.unknown()).mutation(() => 'saved'),
  guarded: publicProcedure.use(forbidden).input(z.object({ id: z.number() })).mutation(() => 'never'),
  broken: publicProcedure.query(() => {
    throw new Error('SELECT password_hash FROM users exploded');
  }),
});

describe.skipIf(!hasPostgres)('audit middleware', () => {
  let server: TestServer;
  const context = (user: User | null, info: Partial<RequestInfo> = {}): Context => ({
    services: server.app.services,
    user,
    request: { ...request, ...info },
  });
  const app = (user: User | null, info?: Partial<RequestInfo>) => createCallerFactory(appRouter)(context(user, info));
  const test = (user: User | null, info?: Partial<RequestInfo>) => createCallerFactory(testRouter)(context(user, info));
  const rows = async () => {
    await server.app.services.telemetry.audit.flush();
    return (await server.app.services.auditLogs.page({}, 0, 100)).items;
  };

  beforeAll(async () => {
    server = await startTestServer({ driver: 'postgres' });
  });
  afterAll(() => server?.[Symbol.asyncDispose]());
  beforeEach(async () => {
    await server.app.services.telemetry.audit.flush();
    await server.app.database.db.delete(userActions);
  });

  it('records one row per authenticated call with who, what, where, outcome and duration', async () => {
    const created = await app(writer).authors.create({ name: 'Audited Author' });
    const [entry, ...others] = await rows();
    expect(others).toEqual([]);
    expect(entry).toEqual({
      id: expect.any(Number),
      timestamp: expect.any(Date),
      user_id: 'u-writer',
      username: 'writer',
      roles: ['get-authors', 'create-author'],
      action: 'authors.create',
      resource: 'authors',
      outcome: 'success',
      transport: 'http',
      ip: '10.0.0.7',
      user_agent: 'vitest/1',
      correlation_id: 'corr-1',
      request_data: { name: 'Audited Author' },
      status_code: 200,
      error_message: null,
      duration_ms: expect.any(Number),
      count: 1,
    });
    expect(entry!.timestamp.getTime()).toBeLessThanOrEqual(created.created_at.getTime() + 1000);
  });

  it('records failures with their status and message, and the resource id from the input', async () => {
    await expect(app(writer).authors.byId({ id: 424242 })).rejects.toThrow('Author 424242 not found');
    await expect(app(writer).authors.create({ name: '' })).rejects.toThrow(/Invalid data|too_small|>=1/);
    const byAction = Object.fromEntries((await rows()).map((r) => [r.action, r]));
    expect(byAction['authors.byId']).toMatchObject({
      resource: 'authors/424242',
      outcome: 'error',
      status_code: 404,
      error_message: 'Author 424242 not found',
      request_data: { id: 424242 },
    });
    expect(byAction['authors.create']).toMatchObject({ outcome: 'error', status_code: 400, request_data: { name: '' } });
  });

  it('tallies calls refused by authorization as permission_denied, without their input', async () => {
    await expect(test(writer).guarded({ id: 3 })).rejects.toThrow('Missing role: admin');
    expect(await rows()).toMatchObject([
      {
        action: 'guarded',
        resource: 'guarded',
        outcome: 'permission_denied',
        status_code: 403,
        error_message: 'Missing role: admin',
        request_data: null,
        count: 1,
      },
    ]);
  });

  it('stores a password in a login, and tokens anywhere in the data, as [REDACTED]', async () => {
    await test(writer).login({ username: 'writer', password: 'hunter2-secret' });
    await test(writer).save({ profile: { settings: [{ access_token: 'eyJ.tok.en', refresh_token: 'rt-1' }] }, authorization: 'Bearer x' });
    const byAction = Object.fromEntries((await rows()).map((r) => [r.action, r]));
    expect(byAction.login!.request_data).toEqual({ username: 'writer', password: '[REDACTED]' });
    expect(byAction.save!.request_data).toEqual({
      profile: { settings: [{ access_token: '[REDACTED]', refresh_token: '[REDACTED]' }] },
      authorization: '[REDACTED]',
    });
    const stored = await postgresText(server, 'SELECT request_data::text AS data FROM user_actions');
    expect(stored).not.toMatch(/hunter2|eyJ\.tok|rt-1|Bearer/);
  });

  it('keeps the details of unexpected errors out of the audit row', async () => {
    await expect(test(admin).broken()).rejects.toThrow();
    expect(await rows()).toMatchObject([
      { action: 'broken', outcome: 'error', status_code: 500, error_message: 'Internal server error', request_data: null },
    ]);
  });

  it('records the transport and request facts the transport put in the context', async () => {
    await app(writer, { transport: 'legacy', ip: '192.0.2.1', userAgent: undefined, correlationId: 'ws-9' }).authors.list({});
    expect(await rows()).toMatchObject([
      { action: 'authors.list', transport: 'legacy', ip: '192.0.2.1', user_agent: null, correlation_id: 'ws-9' },
    ]);
  });

  it('records nothing for anonymous calls', async () => {
    await expect(app(null).authors.list({})).rejects.toThrow('Authentication required');
    expect(await rows()).toEqual([]);
  });

  it('lets admins list the log newest first with the REST filter names, and fetch one row', async () => {
    await app(writer).authors.list({});
    await app(writer, { correlationId: 'second' }).authors.byId({ id: 999_999 }).catch(() => undefined);
    await app(admin).authors.list({});
    await server.app.services.telemetry.audit.flush();
    // Listing the log is audited too, and those rows land whenever the queue's timer flushes: every
    // query below looks only at rows written before this cutoff, so its counts do not race the timer.
    const cutoff = new Date(Date.now() + 2);
    await new Promise((resolve) => setTimeout(resolve, 10));

    const audit = app(admin).audit;
    const list = (filter: Parameters<typeof audit.list>[0]) => audit.list({ end_date: cutoff, ...filter });
    const all = await list({});
    expect(all.meta).toEqual({ page: 1, per_page: 20, total: 3, pages: 1, has_more: false });
    expect(all.items.map((r) => [r.username, r.action])).toEqual([
      ['admin', 'authors.list'],
      ['writer', 'authors.byId'],
      ['writer', 'authors.list'],
    ]);
    expect((await list({ username: 'writer', outcome: 'error' })).items.map((r) => r.correlation_id)).toEqual(['second']);
    expect((await list({ user_id: 'u-admin' })).meta.total).toBe(1);
    expect((await list({ action_type: 'authors.list' })).meta.total).toBe(2);
    expect((await audit.list({ start_date: new Date(Date.now() + 60_000) })).meta.total).toBe(0);
    expect((await list({ start_date: new Date(0) })).meta.total).toBe(3);
    const page2 = await list({ page: 2, per_page: 2 });
    expect(page2.meta).toEqual({ page: 2, per_page: 2, total: 3, pages: 2, has_more: false });
    expect(page2.items.map((r) => r.username)).toEqual(['writer']);
    expect((await list({ per_page: 1000 })).meta.per_page).toBe(100);

    expect(await audit.byId({ id: all.items[1]!.id })).toEqual(all.items[1]);
    await expect(audit.byId({ id: 987_654_321 })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'Audit log 987654321 not found' });
    await expect(audit.list({ start_date: new Date(2), end_date: new Date(1) })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'start_date must not be after end_date',
    });
    await expect(audit.list({ per_page: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('answers within the wait bound and counts drops while the audit database is stuck', async () => {
    const metrics = createMetrics('test');
    const stuck = createAuditQueue({
      repository: { insertBatch: () => new Promise<void>(() => {}) },
      metrics,
      logger: pino({ level: 'silent' }),
      // Room for one row (a row always fits an empty queue); the others wait 50 ms, then go.
      maxBytes: 1,
      maxWaitMs: 50,
    });
    const services = {
      ...server.app.services,
      telemetry: { logger: pino({ level: 'silent' }), metrics, recordCall: createCallRecorder(metrics), audit: stuck },
    };
    const caller = createCallerFactory(appRouter)({ services, user: writer, request });
    const results = await Promise.all(Array.from({ length: 20 }, () => caller.authors.list({})));
    expect(results).toHaveLength(20);
    const scraped = parsePrometheus(await metrics.registry.metrics());
    expect(valueOf(scraped, 'audit_logs_dropped_total', { kind: 'call', reason: 'queue_full' })).toBe(19);
    expect(valueOf(scraped, 'audit_queue_size')).toBe(1);
    expect(valueOf(scraped, 'trpc_calls_total', { path: 'authors.list', type: 'query', transport: 'http', outcome: 'success' })).toBe(20);
    await stuck.close(10);
  });
});

describe.skipIf(!hasPostgres)('graceful shutdown', () => {
  it('writes every queued audit row before app.close() resolves', async () => {
    await using server = await startTestServer({ driver: 'postgres' });
    const { services } = server.app;
    const caller = createCallerFactory(appRouter)({ services, user: writer, request });
    await Promise.all(Array.from({ length: 500 }, (_, i) => caller.authors.create({ name: `Author ${i}` })));
    // Plus rows certainly still queued when close() starts.
    for (let i = 0; i < 250; i++) {
      services.telemetry.audit.record({
        timestamp: new Date(),
        user_id: 'u',
        username: 'late',
        roles: [],
        action: 'late',
        resource: null,
        outcome: 'success',
        transport: 'http',
        ip: null,
        user_agent: null,
        correlation_id: null,
        request_data: null,
        status_code: null,
        error_message: null,
        duration_ms: null,
        count: 1,
      });
    }
    expect(services.telemetry.audit.size).toBeGreaterThanOrEqual(250);
    await server.app.close();

    const sql = postgres(server.databaseUrl!, { max: 1, onnotice: () => {} });
    try {
      const counts = await sql<{ action: string; n: number }[]>`
        SELECT action, count(*)::int AS n FROM user_actions GROUP BY action ORDER BY action`;
      expect(counts.map((c) => ({ ...c }))).toEqual([
        { action: 'authors.create', n: 500 },
        { action: 'late', n: 250 },
      ]);
    } finally {
      await sql.end();
    }
  });
});

async function postgresText(server: TestServer, query: string): Promise<string> {
  const sql = postgres(server.databaseUrl!, { max: 1, onnotice: () => {} });
  try {
    return JSON.stringify(await sql.unsafe(query));
  } finally {
    await sql.end();
  }
}
