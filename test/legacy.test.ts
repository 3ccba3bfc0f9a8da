// The legacy `/web` protocol (DESIGN §7), frame by frame: both auth styles and every close code,
// each pkg_id's success, each error class, malformed frames, pipelining, and broadcasts.
import { BROADCAST_REQ_ID } from '@authors/shared';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { answerTo, openLegacySocket, type LegacySocket } from './helpers/legacy-socket';
import { startTestServer, type TestServer } from './helpers/server';
import { createTestDatabase, hasPostgres, hasRedis, REDIS_URL, uniqueRedisPrefix } from './helpers/services';

const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const author = (id: number, name: string) => ({ id, name, created_at: ISO, updated_at: ISO });

describe('legacy /web protocol', () => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  let ws: LegacySocket;
  let seq = 0;
  /** Sends one request and resolves with its answer. */
  const call = async (pkg_id: unknown, data?: unknown, socket = ws) => {
    const req_id = `req-${++seq}`;
    socket.send(data === undefined ? { pkg_id, req_id } : { pkg_id, req_id, data });
    return socket.next(answerTo(req_id));
  };

  beforeAll(async () => {
    server = await startTestServer({ driver: 'pglite', env: { WS_MAX_CONNECTIONS_PER_USER: '3', WS_MAX_PAYLOAD: '4096' } });
    for (const user of ['admin', 'writer', 'reader', 'nobody']) tokens[user] = await server.tokenFor(user);
    ws = await openLegacySocket(server.url, tokens.writer);
    await ws.next((frame) => frame.type === 'auth_ok');
  });
  afterAll(async () => {
    ws?.socket.close();
    await server?.[Symbol.asyncDispose]();
  });
  beforeEach(async () => {
    await server.app.database.db.execute('TRUNCATE author RESTART IDENTITY');
  });

  describe('authentication and connection limits', () => {
    it('answers a query token with auth_ok before anything else', async () => {
      const socket = await openLegacySocket(server.url, tokens.reader);
      expect(await socket.next()).toEqual({ type: 'auth_ok' });
      socket.socket.close();
    });

    it('accepts a first auth frame within 5 s instead of a query token', async () => {
      const socket = await openLegacySocket(server.url);
      socket.send({ type: 'auth', token: `Bearer ${tokens.reader}` });
      expect(await socket.next()).toEqual({ type: 'auth_ok' });
      expect(await call(1, {}, socket)).toMatchObject({ status_code: 0, data: [] });
      socket.socket.close();
    });

    it('closes with 4001 for a bad token, in the query or in the auth frame', async () => {
      const query = await openLegacySocket(server.url, 'forged.token.here');
      expect(await query.closed).toEqual({ code: 4001, reason: 'Invalid token: malformed' });
      const frame = await openLegacySocket(server.url);
      frame.send({ type: 'auth', token: 'Bearer nope' });
      expect(await frame.closed).toEqual({ code: 4001, reason: 'Invalid token: malformed' });
      expect([...query.frames, ...frame.frames]).toEqual([]);
    });

    it('closes with 4001 when the first frame is not an auth frame', async () => {
      const socket = await openLegacySocket(server.url);
      socket.send({ pkg_id: 1, req_id: 'x', data: {} });
      expect(await socket.closed).toEqual({ code: 4001, reason: 'Authentication required' });
    });

    it('closes with 4002 when no auth frame arrives within 5 s', async () => {
      const socket = await openLegacySocket(server.url);
      expect(await socket.closed).toEqual({ code: 4002, reason: 'Authentication timeout' });
    }, 10_000);

    it('closes the connection over the per-user limit with 1008', async () => {
      const open = [];
      for (let i = 0; i < 3; i++) {
        const socket = await openLegacySocket(server.url, tokens.nobody);
        await socket.next();
        open.push(socket);
      }
      const over = await openLegacySocket(server.url, tokens.nobody);
      expect(await over.closed).toEqual({ code: 1008, reason: 'Maximum concurrent connections exceeded' });
      for (const socket of open) socket.socket.close();
    });

    it('closes with 1009 on a frame larger than WS_MAX_PAYLOAD', async () => {
      const socket = await openLegacySocket(server.url, tokens.reader);
      await socket.next();
      socket.send({ pkg_id: 3, req_id: 'big', data: { name: 'x'.repeat(5000) } });
      expect((await socket.closed).code).toBe(1009);
    });
  });

  describe('packages', () => {
    it('GET_AUTHORS (1) with filters nested or at top level, and search_term', async () => {
      for (const name of ['John Smith', 'Ann Johnson', 'Bob']) await call(3, { name });
      expect(await call(1, { filters: { name: 'john' } })).toEqual({
        pkg_id: 1,
        req_id: `req-${seq}`,
        status_code: 0,
        meta: null,
        data: [author(1, 'John Smith'), author(2, 'Ann Johnson')],
      });
      expect((await call(1, { search_term: 'BOB' })).data).toEqual([author(3, 'Bob')]);
      expect((await call(1, { id: 2 })).data).toEqual([author(2, 'Ann Johnson')]);
      expect((await call(1)).data).toHaveLength(3);
    });

    it('GET_PAGINATED_AUTHORS (2) answers items in data and pagination in meta', async () => {
      for (let i = 1; i <= 5; i++) await call(3, { name: `Author ${i}` });
      expect(await call(2, { page: 2, per_page: 2 })).toEqual({
        pkg_id: 2,
        req_id: `req-${seq}`,
        status_code: 0,
        meta: { page: 2, per_page: 2, total: 5, pages: 3, next_cursor: null, has_more: true },
        data: [author(3, 'Author 3'), author(4, 'Author 4')],
      });
      expect((await call(2, { per_page: 2, filters: { search_term: '5' } })).meta).toMatchObject({ total: 1 });
    });

    it('CREATE (3), UPDATE (4) and DELETE (5) answer the author', async () => {
      expect(await call(3, { name: ' Ada ' })).toEqual({ pkg_id: 3, req_id: `req-${seq}`, status_code: 0, meta: null, data: author(1, 'Ada') });
      expect((await call(4, { id: 1, name: 'Ada Lovelace' })).data).toEqual(author(1, 'Ada Lovelace'));
      expect((await call(5, { id: 1 })).data).toEqual(author(1, 'Ada Lovelace'));
      expect((await call(1)).data).toEqual([]);
    });
  });

  describe('errors', () => {
    const failure = (pkg_id: number, status_code: number, code: string, msg: string) => ({
      pkg_id,
      req_id: `req-${seq}`,
      status_code,
      meta: null,
      data: { msg, code },
      msg,
    });

    it('not found is status 1', async () => {
      expect(await call(5, { id: 999 })).toEqual(failure(5, 1, 'NOT_FOUND', 'Author 999 not found'));
    });

    it('schema validation is status 2 with the issues in data', async () => {
      const answer = await call(3, { name: '   ' });
      expect(answer).toEqual({
        pkg_id: 3,
        req_id: `req-${seq}`,
        status_code: 2,
        meta: null,
        data: { msg: 'Invalid data', code: 'BAD_REQUEST', issues: [expect.objectContaining({ path: ['name'], code: 'too_small' })] },
        msg: 'Invalid data',
      });
    });

    it('a conflict is status 2', async () => {
      await call(3, { name: 'Taken' });
      expect(await call(3, { name: 'Taken' })).toEqual(failure(3, 2, 'CONFLICT', 'An author named "Taken" already exists'));
    });

    it('a missing role is status 3', async () => {
      const reader = await openLegacySocket(server.url, tokens.reader);
      await reader.next();
      expect(await call(3, { name: 'Nope' }, reader)).toEqual(failure(3, 3, 'FORBIDDEN', 'Missing required role: create-author'));
      reader.socket.close();
    });

    it('an unknown pkg_id is status 1', async () => {
      expect(await call(99, {})).toEqual(failure(99, 1, 'NOT_FOUND', 'No handler found for pkg_id 99'));
    });

    it('malformed frames get status 2 echoing what could be read, and the connection stays open', async () => {
      const before = ws.frames.length;
      const cases: [unknown, unknown, unknown, string][] = [
        ['not json', null, null, 'Invalid JSON'],
        [[1, 2], null, null, 'Frame must be a JSON object'],
        [{ pkg_id: 'one', req_id: 'm1' }, null, 'm1', 'pkg_id must be an integer'],
        [{ pkg_id: 1.5, req_id: 7 }, null, 7, 'pkg_id must be an integer'],
        [{ pkg_id: 1 }, 1, null, 'req_id must be a string or a number'],
        [{ pkg_id: 1, req_id: { x: 1 } }, 1, null, 'req_id must be a string or a number'],
        [{ pkg_id: 1, req_id: 'm2', data: [] }, 1, 'm2', 'data must be a JSON object'],
      ];
      for (const [frame] of cases) ws.send(frame);
      for (let i = 0; i < cases.length; i++) await ws.next(() => ws.frames.length >= before + i + 1, before);
      expect(ws.frames.slice(before)).toEqual(
        cases.map(([, pkg_id, req_id, msg]) => ({ pkg_id, req_id, status_code: 2, meta: null, data: { msg, code: 'BAD_REQUEST' }, msg })),
      );
      expect((await call(1)).status_code).toBe(0);
    });
  });

  it('answers 50 pipelined requests, each exactly once, matched by req_id', async () => {
    const before = ws.frames.length;
    const sent = Array.from({ length: 50 }, (_, i) => ({
      pkg_id: i % 3 === 0 ? 3 : i % 3 === 1 ? 1 : 2,
      req_id: `pipe-${i}`,
      data: i % 3 === 0 ? { name: `Piped ${i}` } : {},
    }));
    for (const frame of sent) ws.send(frame);
    await ws.next(() => ws.frames.slice(before).filter((frame) => 'status_code' in frame).length >= 50, before);
    const answers = ws.frames.slice(before).filter((frame) => 'status_code' in frame);
    expect(answers.map((frame) => frame.req_id).sort()).toEqual(sent.map((frame) => frame.req_id).sort());
    expect(answers.every((frame) => frame.status_code === 0)).toBe(true);
  });
});

describe.skipIf(!hasPostgres || !hasRedis)('legacy broadcasts across instances', () => {
  it('delivers author events and admin broadcasts made over HTTP on another instance', async () => {
    await using database = await createTestDatabase();
    const env = { DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix(), PUBLIC_URL: 'http://authors.test' };
    await using a = await startTestServer({ env });
    await using b = await startTestServer({ env });
    const listener = await openLegacySocket(b.url, await b.tokenFor('reader'));
    await listener.next();
    const admin = await a.clientAs('admin');
    const created = await admin.authors.create.mutate({ name: 'Broadcast Me' });
    await admin.system.broadcast.mutate({ message: 'maintenance at noon' });
    await listener.next((frame) => (frame.data as { type?: string } | undefined)?.type === 'broadcast');
    expect(listener.frames.slice(1)).toEqual([
      {
        pkg_id: 1,
        req_id: BROADCAST_REQ_ID,
        data: { type: 'created', author: { ...created, created_at: created.created_at.toISOString(), updated_at: created.updated_at.toISOString() } },
      },
      { pkg_id: 1, req_id: BROADCAST_REQ_ID, data: { type: 'broadcast', message: 'maintenance at noon', from: 'admin' } },
    ]);
    listener.socket.close();
  });
});
