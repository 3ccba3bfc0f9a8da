// What the calls on a WebSocket know of their client. Both WebSocket transports take the client's
// address and user agent from the upgrade request when the socket opens and do not keep the request
// itself (a socket's memory, bench W5); every call on the socket still carries them, and each call
// its own correlation id, as the audit rows show.
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { answerTo } from './helpers/legacy-socket';
import { startTestServer, type TestServer } from './helpers/server';

let server: TestServer;
let token: string;
beforeAll(async () => {
  // The test client is a trusted proxy: X-Forwarded-For names the client.
  server = await startTestServer({ driver: 'pglite', env: { TRUSTED_PROXIES: '127.0.0.1' } });
  token = await server.tokenFor('writer');
});
afterAll(() => server?.[Symbol.asyncDispose]());

const rows = async () => {
  await server.app.services.telemetry.audit.flush();
  return (await server.app.services.auditLogs.page({}, 0, 100)).items;
};

/** A socket whose upgrade request says it comes from `ip` through the proxy, with `userAgent`. */
async function open(path: string, ip: string, userAgent: string): Promise<{ ws: WebSocket; frames: string[] }> {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}${path}`, { headers: { 'User-Agent': userAgent, 'X-Forwarded-For': ip } });
  const frames: string[] = [];
  ws.on('message', (raw) => frames.push(raw.toString()));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return { ws, frames };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(check()).toBe(true);
};

it('gives every call on a socket its client address and user agent, and a correlation id of its own', async () => {
  const legacy = await open(`/web?token=${token}`, '198.51.100.7', 'legacy-agent/1');
  await until(() => legacy.frames.some((frame) => frame.includes('auth_ok')));
  for (const req_id of ['a', 'b']) legacy.ws.send(JSON.stringify({ pkg_id: 1, req_id, data: {} }));
  await until(() => ['a', 'b'].every((id) => legacy.frames.some((frame) => answerTo(id)(JSON.parse(frame)))));

  const trpc = await open('/trpc?connectionParams=1', '198.51.100.8', 'trpc-agent/1');
  trpc.ws.send(JSON.stringify({ method: 'connectionParams', data: { token } }));
  for (const id of [1, 2]) trpc.ws.send(JSON.stringify({ id, method: 'query', params: { path: 'authors.list', input: { json: {} } } }));
  await until(() => trpc.frames.filter((frame) => frame.includes('"type":"data"')).length === 2);
  legacy.ws.close();
  trpc.ws.close();

  const calls = (await rows()).filter((row) => row.action === 'authors.list');
  const facts = calls.map(({ transport, ip, user_agent }) => ({ transport, ip, user_agent }));
  expect(facts).toEqual([
    ...Array(2).fill({ transport: 'ws', ip: '198.51.100.8', user_agent: 'trpc-agent/1' }),
    ...Array(2).fill({ transport: 'legacy', ip: '198.51.100.7', user_agent: 'legacy-agent/1' }),
  ]);
  const ids = calls.map((row) => row.correlation_id);
  expect(new Set(ids).size).toBe(4);
  for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
});
