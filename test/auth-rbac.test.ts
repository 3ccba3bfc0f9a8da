// RBAC on the author procedures: each development user against each procedure, allowed or
// FORBIDDEN (naming the missing role) exactly as DESIGN §4 says; anonymous callers get UNAUTHORIZED.
import type { AuthorsClient } from '@authors/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server';
import { hasPostgres } from './helpers/services';

// DESIGN §4 and §5, written out here rather than imported, so the test checks the server against the spec.
const REQUIRED_ROLE = {
  list: 'get-authors',
  paginated: 'get-authors',
  byId: 'get-authors',
  create: 'create-author',
  update: 'update-author',
  delete: 'delete-author',
} as const;
type Procedure = keyof typeof REQUIRED_ROLE;
const DEV_USER_ROLES: Record<string, string[]> = {
  admin: ['get-authors', 'create-author', 'update-author', 'delete-author', 'admin'],
  writer: ['get-authors', 'create-author', 'update-author', 'delete-author'],
  reader: ['get-authors'],
  nobody: [],
};

describe.skipIf(!hasPostgres)('RBAC on author procedures', () => {
  let server: TestServer;
  let admin: AuthorsClient;
  const clients: Record<string, AuthorsClient> = {};
  let counter = 0;
  const freshName = () => `author ${++counter}`;

  beforeAll(async () => {
    server = await startTestServer({ driver: 'postgres' });
    for (const username of Object.keys(DEV_USER_ROLES)) clients[username] = await server.clientAs(username);
    admin = clients.admin!;
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  /** Calls `procedure` with valid input (fixtures made by admin), returning what it resolved to. */
  async function call(client: AuthorsClient, procedure: Procedure): Promise<unknown> {
    const fixture = await admin.authors.create.mutate({ name: freshName() });
    switch (procedure) {
      case 'list':
        return client.authors.list.query({ id: fixture.id });
      case 'paginated':
        return (await client.authors.paginated.query({ filters: { id: fixture.id } })).items;
      case 'byId':
        return [await client.authors.byId.query({ id: fixture.id })];
      case 'create':
        return [await client.authors.create.mutate({ name: fixture.name.replace('author', 'created') })];
      case 'update':
        return [await client.authors.update.mutate({ id: fixture.id, name: `${fixture.name} (renamed)` })];
      case 'delete':
        return [await client.authors.delete.mutate({ id: fixture.id })];
    }
  }

  const cases = Object.entries(DEV_USER_ROLES).flatMap(([username, roles]) =>
    (Object.keys(REQUIRED_ROLE) as Procedure[]).map((procedure) => ({
      username,
      procedure,
      allowed: roles.includes(REQUIRED_ROLE[procedure]),
    })),
  );

  it.each(cases)('$username → authors.$procedure: allowed=$allowed', async ({ username, procedure, allowed }) => {
    const result = call(clients[username]!, procedure);
    if (allowed) {
      expect(await result).toEqual([expect.objectContaining({ id: expect.any(Number), name: expect.any(String) })]);
    } else {
      await expect(result).rejects.toMatchObject({
        message: `Missing required role: ${REQUIRED_ROLE[procedure]}`,
        data: { code: 'FORBIDDEN', httpStatus: 403 },
      });
    }
  });

  it.each(Object.keys(REQUIRED_ROLE) as Procedure[])('anonymous → authors.%s: UNAUTHORIZED', async (procedure) => {
    await expect(call(server.client(), procedure)).rejects.toMatchObject({
      message: 'Authentication required',
      data: { code: 'UNAUTHORIZED', httpStatus: 401 },
    });
  });

  it('checks roles before input: a forbidden caller with bad input gets FORBIDDEN, not a validation error', async () => {
    await expect(clients.reader!.authors.create.mutate({ name: '' })).rejects.toMatchObject({
      data: { code: 'FORBIDDEN' },
    });
  });

  it('auth.me returns the signed-in user', async () => {
    expect(await clients.writer!.auth.me.query()).toEqual({
      sub: expect.stringMatching(/^[0-9a-f-]{36}$/),
      username: 'writer',
      roles: DEV_USER_ROLES.writer,
    });
  });
});
