// Every author procedure through the real typed client, on real PostgreSQL and on PGlite.
import { TRPCClientError, type AuthorsClient } from '@authors/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hasPostgres } from './helpers/services';
import { startTestServer, type Driver, type TestServer } from './helpers/server';

const drivers: Driver[] = hasPostgres ? ['postgres', 'pglite'] : ['pglite'];

/** The tRPC error code a call rejected with. */
async function errorCode(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCClientError) return (error.data as { code: string }).code;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe.each(drivers)('authors on %s', (driver) => {
  let server: TestServer;
  let client: AuthorsClient;

  beforeAll(async () => {
    server = await startTestServer({ driver });
    client = await server.clientAs('admin');
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  beforeEach(async () => {
    // Each test starts from an empty table with ids counting from 1.
    await server.app.database.db.execute('TRUNCATE author RESTART IDENTITY');
  });

  const createMany = async (names: string[]) => {
    for (const name of names) await client.authors.create.mutate({ name });
  };

  it('creates with a trimmed name and reads it back by id', async () => {
    const created = await client.authors.create.mutate({ name: '  Ursula K. Le Guin ' });
    expect(created).toEqual({
      id: 1,
      name: 'Ursula K. Le Guin',
      created_at: expect.any(Date),
      updated_at: expect.any(Date),
    });
    expect(await client.authors.byId.query({ id: 1 })).toEqual(created);
  });

  it('lists in id order, filtering by case-insensitive substring, alias and exact id', async () => {
    await createMany(['John Smith', 'Ann Johnson', 'Bob', 'johnny']);
    const names = (list: { name: string }[]) => list.map((author) => author.name);
    expect(names(await client.authors.list.query())).toEqual(['John Smith', 'Ann Johnson', 'Bob', 'johnny']);
    expect(names(await client.authors.list.query({ name: 'JOHN' }))).toEqual(['John Smith', 'Ann Johnson', 'johnny']);
    expect(names(await client.authors.list.query({ search: 'john' }))).toEqual(['John Smith', 'Ann Johnson', 'johnny']);
    expect(names(await client.authors.list.query({ id: 3 }))).toEqual(['Bob']);
    expect(names(await client.authors.list.query({ id: 2, name: 'son' }))).toEqual(['Ann Johnson']);
    expect(names(await client.authors.list.query({ id: 3, name: 'john' }))).toEqual([]);
  });

  it('lists every field exactly as reading by id does, timestamps to the millisecond', async () => {
    await createMany(['John Smith', 'Bob']);
    await server.app.database.db.execute(
      "UPDATE author SET created_at = '2024-02-29 23:59:58.123456+00', updated_at = '2025-01-01 05:30:00+05:30' WHERE id = 2",
    );
    const byId = await Promise.all([1, 2].map((id) => client.authors.byId.query({ id })));
    expect(await client.authors.list.query()).toEqual(byId);
    expect(await client.authors.list.query({ id: 2, name: 'o' })).toEqual([byId[1]]);
    expect(byId[1]).toEqual({
      id: 2,
      name: 'Bob',
      created_at: new Date('2024-02-29T23:59:58.123Z'),
      updated_at: new Date('2025-01-01T00:00:00.000Z'),
    });
  });

  it('matches % and _ in a name filter literally', async () => {
    await createMany(['100% Fiction', '1000 Fiction', 'snake_case', 'snakeXcase', 'back\\slash']);
    const names = async (name: string) => (await client.authors.list.query({ name })).map((a) => a.name);
    expect(await names('100%')).toEqual(['100% Fiction']);
    expect(await names('%')).toEqual(['100% Fiction']);
    expect(await names('e_c')).toEqual(['snake_case']);
    expect(await names('_')).toEqual(['snake_case']);
    expect(await names('k\\s')).toEqual(['back\\slash']);
  });

  it('updates and deletes, answering NOT_FOUND for missing ids', async () => {
    const created = await client.authors.create.mutate({ name: 'Old' });
    const updated = await client.authors.update.mutate({ id: created.id, name: 'New' });
    expect(updated).toMatchObject({ id: created.id, name: 'New', created_at: created.created_at });
    expect(updated.updated_at.getTime()).toBeGreaterThanOrEqual(created.updated_at.getTime());
    expect(await client.authors.delete.mutate({ id: created.id })).toEqual(updated);
    expect(await errorCode(client.authors.byId.query({ id: created.id }))).toBe('NOT_FOUND');
    expect(await errorCode(client.authors.update.mutate({ id: 999, name: 'x' }))).toBe('NOT_FOUND');
    expect(await errorCode(client.authors.delete.mutate({ id: 999 }))).toBe('NOT_FOUND');
  });

  it('answers CONFLICT for a duplicate name on create and update; names are case-sensitive', async () => {
    await createMany(['Taken', 'Other']);
    expect(await errorCode(client.authors.create.mutate({ name: ' Taken ' }))).toBe('CONFLICT');
    expect(await errorCode(client.authors.update.mutate({ id: 2, name: 'Taken' }))).toBe('CONFLICT');
    expect(await client.authors.create.mutate({ name: 'taken' })).toMatchObject({ name: 'taken' });
    expect((await client.authors.list.query()).map((a) => a.name)).toEqual(['Taken', 'Other', 'taken']);
  });

  it('rejects invalid input with BAD_REQUEST', async () => {
    expect(await errorCode(client.authors.create.mutate({ name: '   ' }))).toBe('BAD_REQUEST');
    expect(await errorCode(client.authors.create.mutate({ name: 'x'.repeat(256) }))).toBe('BAD_REQUEST');
    expect(await errorCode(client.authors.byId.query({ id: 0 }))).toBe('BAD_REQUEST');
    expect(await errorCode(client.authors.byId.query({ id: 2 ** 31 }))).toBe('BAD_REQUEST');
    expect(await errorCode(client.authors.byId.query({ id: 1.5 }))).toBe('BAD_REQUEST');
  });

  it('accepts exactly one of 50 concurrent creates of one name', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => client.authors.create.mutate({ name: 'Racer' })),
    );
    const fulfilled = results.filter((result) => result.status === 'fulfilled');
    const codes = await Promise.all(
      results
        .filter((result): result is PromiseRejectedResult => result.status === 'rejected')
        .map((result) => errorCode(Promise.reject(result.reason))),
    );
    expect(fulfilled).toHaveLength(1);
    expect(codes).toEqual(Array.from({ length: 49 }, () => 'CONFLICT'));
    expect(await client.authors.list.query({ name: 'Racer' })).toHaveLength(1);
  });

  describe('paginated', () => {
    beforeEach(() => createMany(Array.from({ length: 42 }, (_, i) => `Author ${String(i + 1).padStart(2, '0')}`)));

    it('computes offset meta exactly, including the last and a past-the-end page', async () => {
      const first = await client.authors.paginated.query();
      expect(first.meta).toEqual({ page: 1, per_page: 20, total: 42, pages: 3, next_cursor: null, has_more: true });
      expect(first.items.map((a) => a.id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

      const last = await client.authors.paginated.query({ page: 3, per_page: 20 });
      expect(last.meta).toEqual({ page: 3, per_page: 20, total: 42, pages: 3, next_cursor: null, has_more: false });
      expect(last.items.map((a) => a.id)).toEqual([41, 42]);

      const beyond = await client.authors.paginated.query({ page: 4 });
      expect(beyond).toEqual({
        items: [],
        meta: { page: 4, per_page: 20, total: 42, pages: 3, next_cursor: null, has_more: false },
      });
    });

    it('filters before counting and caps per_page at 1000', async () => {
      const filtered = await client.authors.paginated.query({ per_page: 5, filters: { name: 'author 1' } });
      expect(filtered.meta).toEqual({ page: 1, per_page: 5, total: 10, pages: 2, next_cursor: null, has_more: true });
      const byId = await client.authors.paginated.query({ filters: { id: 7 } });
      expect(byId.items.map((a) => a.name)).toEqual(['Author 07']);
      expect((await client.authors.paginated.query({ per_page: 5000 })).meta.per_page).toBe(1000);
    });

    it('walks every row exactly once in id order with the keyset cursor', async () => {
      const seen: number[] = [];
      let cursor: string | null = '';
      let pages = 0;
      while (cursor !== null) {
        const page: Awaited<ReturnType<typeof client.authors.paginated.query>> =
          await client.authors.paginated.query({ cursor, per_page: 10 });
        expect(page.meta.total).toBe(0);
        expect(page.meta.has_more).toBe(page.meta.next_cursor !== null);
        seen.push(...page.items.map((a) => a.id));
        cursor = page.meta.next_cursor;
        pages++;
      }
      expect(pages).toBe(5);
      expect(seen).toEqual(Array.from({ length: 42 }, (_, i) => i + 1));
    });

    it('rejects bad page, per_page and cursor with BAD_REQUEST', async () => {
      for (const input of [
        { per_page: 0 },
        { per_page: -5 },
        { page: 0 },
        { page: 1.5 },
        { cursor: 'not a cursor!' },
        { cursor: Buffer.from('id:abc').toString('base64url') },
        { cursor: Buffer.from('id:0').toString('base64url') },
        { cursor: 'x'.repeat(65) },
      ]) {
        expect(await errorCode(client.authors.paginated.query(input))).toBe('BAD_REQUEST');
      }
    });
  });
});
