// The audit log cannot be flooded or evaded: a role-less user firing refused calls as fast as it
// can, while the audit database is stuck, must not push another user's rows out of the queue.
// Refusals are tallied per user, procedure and minute (a `count` per row, no input), and every row
// the writer's calls produced is written once the database takes them.
import type { User } from '../server/src/auth/user';
import type { AuditRepository } from '../server/src/db/audit-repository';
import { userActions } from '../server/src/db/schema';
import { appRouter } from '../server/src/routers';
import { createCallerFactory } from '../server/src/trpc/init';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrape, samplesOf } from './helpers/prometheus';
import { startTestServer, type TestServer } from './helpers/server';
import { hasPostgres } from './helpers/services';

/** More refusals than the old row-bounded queue held (10,000), so that on its own the flood filled it. */
const REFUSALS = 10_500;

describe.skipIf(!hasPostgres)('audit log under a flood of refused calls', () => {
  let server: TestServer;
  let releaseDatabase: () => void = () => {};

  beforeAll(async () => {
    server = await startTestServer({ driver: 'postgres' });
    // The fault: an audit database that takes nothing until released (the queue writes through
    // this very repository object), so whatever the queue must hold, it holds at once.
    const repository: AuditRepository = server.app.services.auditLogs;
    const insertBatch = repository.insertBatch.bind(repository);
    const released = new Promise<void>((resolve) => (releaseDatabase = resolve));
    repository.insertBatch = async (rows) => {
      await released;
      await insertBatch(rows);
    };
  });
  afterAll(async () => {
    releaseDatabase();
    await server?.[Symbol.asyncDispose]();
  });

  it(`keeps all 100 of writer's rows after nobody's ${REFUSALS} refused calls`, async () => {
    await server.app.database.db.delete(userActions);
    // The flood goes through server-side callers (the same middleware as every transport, minus
    // the HTTP cost), plus real batches over HTTP as the attack sent them.
    const nobody: User = { sub: 'u-nobody', username: 'nobody', roles: [] };
    const request = { transport: 'http' as const, ip: '192.0.2.9', userAgent: 'flood', correlationId: 'flood' };
    const caller = createCallerFactory(appRouter)({ services: server.app.services, user: nobody, request });
    for (let i = 0; i < REFUSALS - 100; i += 100) {
      await Promise.all(Array.from({ length: 100 }, () => caller.authors.create({ name: 'spam' }).catch(() => undefined)));
    }
    const batch = Array.from({ length: 50 }, () => 'authors.create').join(',');
    const body = JSON.stringify(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [i, { json: { name: `spam ${i}` } }])));
    const token = await server.tokenFor('nobody');
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${server.url}/trpc/${batch}?batch=1`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      });
      expect(response.status).toBe(403);
    }

    const writer = await server.clientAs('writer');
    for (let i = 0; i < 10; i++) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => writer.authors.create.mutate({ name: `Author ${i}-${j}` })));
    }
    releaseDatabase();
    await server.app.services.telemetry.audit.flush();

    const { items: written, total } = await server.app.services.auditLogs.page({ username: 'writer', action: 'authors.create' }, 0, 1000);
    expect(total).toBe(100);
    expect(written.every((row) => row.outcome === 'success' && row.count === 1)).toBe(true);

    // Every refusal is accounted for, in a handful of rows without input.
    const refused = await server.app.services.auditLogs.page({ username: 'nobody' }, 0, 1000);
    expect(refused.total).toBeLessThanOrEqual(6); // per transport and per minute the flood spanned
    expect(refused.items.reduce((sum, row) => sum + row.count, 0)).toBe(REFUSALS);
    expect(refused.items.every((row) => row.request_data === null && row.status_code === 403)).toBe(true);

    // Nothing was dropped, and the refusals are counted in the call metrics.
    const metrics = await scrape(server.url);
    expect(samplesOf(metrics, 'audit_logs_dropped_total')).toEqual([]);
    const denied = samplesOf(metrics, 'trpc_calls_total').filter((sample) => sample.labels.outcome === 'permission_denied');
    expect(denied.reduce((sum, sample) => sum + sample.value, 0)).toBe(REFUSALS);
  });
});
