import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTokenFor, runServerToExit, spawnServer, type ServerProcess } from './helpers/process';

describe('start-up', () => {
  // One server on embedded defaults (its in-process PGlite is the slow part of a start): checked
  // healthy while idle, then stopped with SIGTERM during a request.
  let server: ServerProcess;
  beforeAll(async () => {
    server = await spawnServer({});
  });
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
  });

  it('comes up healthy on embedded defaults with no database configured', async () => {
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'healthy',
      database: 'healthy',
      redis: 'embedded',
      websocket: { status: 'healthy', active_connections: 0 },
    });
  });

  it('finishes an in-flight request on SIGTERM, refuses new connections, and exits 0', async () => {
    const token = await accessTokenFor(server.url, 'writer');
    // A request whose body is still arriving when the signal comes.
    const inFlight = request(`${server.url}/trpc/authors.create`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', Authorization: `Bearer ${token}` },
    });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      inFlight.on('response', (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      inFlight.on('error', reject);
    });
    inFlight.write('{"json":{"name":');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exited = server.stop('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    inFlight.end('"Finished During Shutdown"}}');
    expect(await response).toMatchObject({ status: 200 });
    expect(JSON.parse((await response).body).result.data.json).toMatchObject({ id: 1, name: 'Finished During Shutdown' });
    expect(await exited).toBe(0);
  });

  it('exits 1 naming the variable when the configuration is bad', async () => {
    const { code, output } = await runServerToExit({ PORT: 'eighty', RATE_LIMIT_FAIL_MODE: 'maybe' });
    expect(code).toBe(1);
    expect(output).toContain('Invalid configuration:');
    expect(output).toMatch(/PORT: .*expected number/);
    expect(output).toMatch(/RATE_LIMIT_FAIL_MODE: .*"open"\|"closed"/);
  });

  it('exits 1 with a readable message when DATABASE_URL is malformed', async () => {
    const { code, output } = await runServerToExit({ DATABASE_URL: 'mysql://nope' });
    expect(code).toBe(1);
    expect(output).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
  });

  it('exits 1 with a readable message when the database does not answer', async () => {
    const { code, output } = await runServerToExit({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    expect(code).toBe(1);
    expect(output).toContain('Failed to start: connect ECONNREFUSED 127.0.0.1:1');
  });
});
