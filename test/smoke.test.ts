import { expect, it } from 'vitest';
import { startTestServer } from './helpers/server';

it('serves', async () => {
  await using server = await startTestServer({ driver: 'pglite' });
  const created = await (await server.clientAs('writer')).authors.create.mutate({ name: 'x' });
  expect(created.id).toBe(1);
});
