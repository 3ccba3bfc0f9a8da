// /asyncapi.json is an AsyncAPI 3.0 document that AsyncAPI's own parser accepts without a remark
// about its content, built from the same zod schemas as the procedures, and true to the wire: every
// frame the server sends on `/web` and `/trpc` (and every frame sent to it here) validates against
// the payload schema of its message. A package or subscription the document cannot describe fails
// at start-up.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { legacyRequestDataSchemas, PkgID } from '@authors/shared';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { appRouter } from '../server/src/routers';
import { buildAsyncApiDocument } from '../server/src/transports/asyncapi/document';
import { toJsonSchema } from '../server/src/transports/procedure-schemas';
import { router } from '../server/src/trpc/init';
import { protectedProcedure } from '../server/src/trpc/procedures';
import { SECURITY_HEADERS } from '../server/src/transports/http-hygiene';
import { answerTo, openLegacySocket, type Frame, type LegacySocket } from './helpers/legacy-socket';
import { openRawTrpcSocket } from './helpers/raw-trpc-socket';
import { startTestServer, type TestServer } from './helpers/server';

interface Document {
  asyncapi: string;
  channels: Record<string, { address: string; messages: Record<string, { payload: object }> }>;
  operations: Record<string, { action: string }>;
}

const DIAGNOSE = fileURLToPath(new URL('./helpers/asyncapi-diagnostics.mjs', import.meta.url));

/** What AsyncAPI's parser says about `text`, from its own process (see the helper). */
function parserDiagnostics(text: string): Promise<{ parsed: boolean; diagnostics: { severity: number; code: string; path: string[] }[] }> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [DIAGNOSE], (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout))));
    child.stdin!.end(text);
  });
}

const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));

describe('AsyncAPI document', () => {
  let server: TestServer;
  let document: Document;
  let raw: string;
  const tokens: Record<string, string> = {};

  /** Asserts that `frame` is valid for the message `key` of `channel` (and returns it). */
  const expectMessage = (channel: string, key: string, frame: unknown) => {
    const message = document.channels[channel]?.messages[key];
    expect(message, `${channel}/${key}`).toBeDefined();
    const validate = ajv.compile(message!.payload);
    expect(validate(frame), `${key}: ${JSON.stringify(frame)}\n${ajv.errorsText(validate.errors)}`).toBe(true);
    return frame;
  };

  beforeAll(async () => {
    server = await startTestServer({ driver: 'pglite' });
    for (const user of ['admin', 'writer', 'reader']) tokens[user] = await server.tokenFor(user);
    const response = await fetch(`${server.url}/asyncapi.json`);
    expect([response.status, response.headers.get('content-type')]).toEqual([200, 'application/json; charset=utf-8']);
    raw = await response.text();
    document = JSON.parse(raw) as Document;
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  it('passes the AsyncAPI parser with no remark but the newer-minor-version notice', async () => {
    const { parsed, diagnostics } = await parserDiagnostics(raw);
    expect(parsed).toBe(true);
    expect(diagnostics.map(({ severity, code, path }) => ({ severity, code, path }))).toEqual([
      { severity: 2, code: 'asyncapi-latest-version', path: ['asyncapi'] },
    ]);
    expect(document.asyncapi).toBe('3.0.0');
  });

  it('describes both channels, every pkg_id and every subscription', () => {
    expect(Object.fromEntries(Object.entries(document.channels).map(([key, channel]) => [key, channel.address]))).toEqual({
      legacy: '/web',
      trpc: '/trpc',
    });
    expect(Object.entries(document.operations).map(([key, operation]) => `${operation.action} ${key}`)).toEqual([
      'receive authenticate',
      'receive GET_AUTHORS',
      'receive GET_PAGINATED_AUTHORS',
      'receive CREATE_AUTHOR',
      'receive UPDATE_AUTHOR',
      'receive DELETE_AUTHOR',
      'send authorEvents',
      'send systemBroadcasts',
      'receive authors.onChange',
      'receive system.onBroadcast',
    ]);
  });

  it('takes each package\'s data from the shared zod schema', () => {
    for (const pkgId of Object.values(PkgID)) {
      const name = Object.keys(PkgID).find((key) => PkgID[key as keyof typeof PkgID] === pkgId)!;
      const payload = document.channels.legacy!.messages[`${name}.request`]!.payload as { properties: { data: object } };
      const { description: _optional, ...data } = payload.properties.data as { description?: string };
      expect(data).toEqual(toJsonSchema(legacyRequestDataSchemas[pkgId], 'input', 'draft-7'));
    }
  });

  describe('frames on /web', () => {
    let ws: LegacySocket;
    let seq = 0;
    const call = async (pkg_id: number, data: unknown, socket = ws) => {
      const frame = { pkg_id, req_id: `asyncapi-${++seq}`, data };
      socket.send(frame);
      return { request: frame, answer: await socket.next(answerTo(frame.req_id)) };
    };

    beforeAll(async () => {
      ws = await openLegacySocket(server.url, tokens.writer);
      expectMessage('legacy', 'authOk', await ws.next((frame) => frame.type === 'auth_ok'));
    });
    afterAll(() => ws?.socket.close());

    it('the auth frame and auth_ok', async () => {
      const socket = await openLegacySocket(server.url);
      const auth = expectMessage('legacy', 'auth', { type: 'auth', token: `Bearer ${tokens.reader}` });
      socket.send(auth);
      expectMessage('legacy', 'authOk', await socket.next());
      socket.socket.close();
    });

    it('each package\'s request and answer, and the broadcasts its changes cause', async () => {
      const listener = await openLegacySocket(server.url, tokens.reader);
      await listener.next((frame) => frame.type === 'auth_ok');
      const exchanges = [
        ['CREATE_AUTHOR', await call(PkgID.CREATE_AUTHOR, { name: 'Octavia Butler' })],
        ['GET_AUTHORS', await call(PkgID.GET_AUTHORS, { filters: { name: 'octavia' } })],
        ['GET_PAGINATED_AUTHORS', await call(PkgID.GET_PAGINATED_AUTHORS, { page: 1, per_page: 5 })],
        ['UPDATE_AUTHOR', await call(PkgID.UPDATE_AUTHOR, { id: 1, name: 'Octavia E. Butler' })],
        ['DELETE_AUTHOR', await call(PkgID.DELETE_AUTHOR, { id: 1 })],
      ] as const;
      for (const [name, { request, answer }] of exchanges) {
        expectMessage('legacy', `${name}.request`, request);
        expect(answer.status_code, JSON.stringify(answer)).toBe(0);
        expectMessage('legacy', `${name}.response`, answer);
      }
      expect((exchanges[2][1].answer.meta as { total: number }).total).toBe(1);

      const events = () => listener.frames.filter((frame) => frame.req_id === '00000000-0000-0000-0000-000000000000');
      await expect.poll(() => events().length).toBe(3);
      expect(events().map((frame) => (frame.data as { type: string }).type)).toEqual(['created', 'updated', 'deleted']);
      for (const frame of events()) expectMessage('legacy', 'authorEvent', frame);

      const admin = server.client(tokens.admin);
      await admin.system.broadcast.mutate({ message: 'maintenance at noon' });
      await expect.poll(() => events().length).toBe(4);
      expectMessage('legacy', 'systemBroadcast', events()[3]);
      listener.socket.close();
    });

    it('error answers: not found, unknown pkg_id, invalid data, permission denied, malformed frames', async () => {
      const reader = await openLegacySocket(server.url, tokens.reader);
      await reader.next((frame) => frame.type === 'auth_ok');
      const answers: Frame[] = [
        (await call(PkgID.DELETE_AUTHOR, { id: 424242 })).answer,
        (await call(99, {})).answer,
        (await call(PkgID.CREATE_AUTHOR, { name: '   ' })).answer,
        (await call(PkgID.CREATE_AUTHOR, { name: 'Not allowed' }, reader)).answer,
      ];
      ws.send('not json');
      ws.send({ pkg_id: 'one', req_id: 'x' });
      const malformed = await ws.next((frame) => frame.msg === 'pkg_id must be an integer');
      answers.push(ws.frames.find((frame) => frame.msg === 'Invalid JSON')!, malformed);
      expect(answers.map((frame) => [frame.status_code, (frame.data as { code: string }).code])).toEqual([
        [1, 'NOT_FOUND'],
        [1, 'NOT_FOUND'],
        [2, 'BAD_REQUEST'],
        [3, 'FORBIDDEN'],
        [2, 'BAD_REQUEST'],
        [2, 'BAD_REQUEST'],
      ]);
      expect((answers[2]!.data as { issues: unknown[] }).issues).toHaveLength(1);
      for (const frame of answers) expectMessage('legacy', 'error', frame);
      reader.socket.close();
    });

    it('a frame of another shape does not pass for a message', () => {
      const validate = ajv.compile(document.channels.legacy!.messages['CREATE_AUTHOR.response']!.payload);
      expect(validate({ pkg_id: 3, req_id: 'x', status_code: 0, meta: null, data: { id: 1, name: 'A' } })).toBe(false);
      expect(validate({ pkg_id: 4, req_id: 'x', status_code: 0, meta: null, data: { id: 1, name: 'A', created_at: '2025-01-01T00:00:00.000Z', updated_at: '2025-01-01T00:00:00.000Z' } })).toBe(false);
    });
  });

  it('tRPC subscription requests and their data frames', async () => {
    const socket = await openRawTrpcSocket(server.url, tokens.admin);
    const onChange = { id: 1, method: 'subscription', params: { path: 'authors.onChange', input: { json: {} } } };
    const onBroadcast = { id: 2, method: 'subscription', params: { path: 'system.onBroadcast', input: {} } };
    expectMessage('trpc', 'authors.onChange.subscribe', onChange);
    expectMessage('trpc', 'system.onBroadcast.subscribe', onBroadcast);
    const validate = ajv.compile(document.channels.trpc!.messages['system.onBroadcast.subscribe']!.payload);
    expect(validate({ ...onBroadcast, params: { path: 'system.onBroadcast' } })).toBe(false); // tRPC cannot decode that
    socket.socket.send(JSON.stringify(onChange));
    socket.socket.send(JSON.stringify(onBroadcast));
    await expect.poll(() => socket.messages.filter((message) => message.result?.type === 'started').length).toBe(2);

    const admin = server.client(tokens.admin);
    await admin.authors.create.mutate({ name: 'Ursula K. Le Guin' });
    await admin.system.broadcast.mutate({ message: 'hello' });
    const data = () => socket.messages.filter((message) => message.result?.type === 'data');
    await expect.poll(() => data().length).toBe(2);
    const [authorFrame, broadcastFrame] = [data().find((m) => m.id === 1), data().find((m) => m.id === 2)];
    expectMessage('trpc', 'authors.onChange.data', authorFrame);
    expectMessage('trpc', 'system.onBroadcast.data', broadcastFrame);
    socket.socket.close();
  });

  it('refuses, at start-up, a subscription it has no event schema for', () => {
    const extended = router({
      ...appRouter._def.record,
      extra: router({ onSomething: protectedProcedure.input(z.object({})).subscription(async function* () {}) }),
    });
    expect(() => buildAsyncApiDocument(extended as unknown as typeof appRouter, '0')).toThrow(
      'no event schema for the subscription(s) extra.onSomething',
    );
  });

  it('renders at /asyncapi from local files, allowing eval on that page alone', async () => {
    const page = await fetch(`${server.url}/asyncapi`);
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    const html = await page.text();
    expect(html).toContain('<script src="/asyncapi/asyncapi.js"></script>');
    const strict = SECURITY_HEADERS['Content-Security-Policy'];
    expect(page.headers.get('content-security-policy')).toBe(strict!.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'"));
    const docs = await fetch(`${server.url}/docs`);
    expect(docs.headers.get('content-security-policy')).toBe(strict);
    await docs.arrayBuffer();

    for (const [asset, type] of [['asyncapi.js', 'text/javascript; charset=utf-8'], ['asyncapi.css', 'text/css; charset=utf-8'], ['init.js', 'text/javascript; charset=utf-8']]) {
      const response = await fetch(`${server.url}/asyncapi/${asset}`);
      expect([asset, response.status, response.headers.get('content-type')]).toEqual([asset, 200, type]);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    const missing = await fetch(`${server.url}/asyncapi/package.json`);
    expect([missing.status, await missing.json()]).toEqual([404, { detail: 'Not Found' }]);
    const post = await fetch(`${server.url}/asyncapi.json`, { method: 'POST' });
    expect([post.status, await post.json()]).toEqual([405, { detail: 'Method Not Allowed' }]);
  });
});
