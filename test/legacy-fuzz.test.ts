// Property-based fuzz of `/web`: thousands of random and mutated frames on one connection. The
// connection stays open, every frame is answered exactly once (by its req_id when one is readable),
// and a valid request afterwards still succeeds.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { answerTo, openLegacySocket } from './helpers/legacy-socket';
import { startTestServer, type TestServer } from './helpers/server';
import { hasPostgres } from './helpers/services';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ driver: hasPostgres ? 'postgres' : 'pglite' });
});
afterAll(() => server?.[Symbol.asyncDispose]());

const validFrame = fc.record({
  pkg_id: fc.integer({ min: 1, max: 5 }),
  data: fc.oneof(
    fc.record({ name: fc.string({ maxLength: 300 }) }, { requiredKeys: [] }),
    fc.record({ id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)), name: fc.string() }, { requiredKeys: [] }),
    fc.record({ page: fc.integer(), per_page: fc.integer(), cursor: fc.string(), filters: fc.anything() }, { requiredKeys: [] }),
    fc.record({ filters: fc.record({ name: fc.string(), id: fc.integer(), search_term: fc.string() }, { requiredKeys: [] }) }),
  ),
});

/** A frame as text plus the req_id its answer must carry (null when none is readable). */
const frameText = fc.oneof(
  // Well-formed envelopes around random data: answered by req_id.
  validFrame.map((frame) => ({ frame: frame as Record<string, unknown>, readable: true })),
  // Envelopes with mutated fields.
  fc
    .record({ pkg_id: fc.anything(), data: fc.anything(), extra: fc.anything() }, { requiredKeys: [] })
    .map((frame) => ({ frame: frame as Record<string, unknown>, readable: true })),
  // Not an envelope at all: answered with req_id null.
  fc.oneof(fc.string(), fc.jsonValue().map((value) => JSON.stringify(value)), fc.constant('{"pkg_id":'), fc.constant(''))
    .map((text) => ({ text, readable: false })),
);

it('survives thousands of random frames, answering each exactly once', async () => {
  const token = await server.tokenFor('admin');
  const ws = await openLegacySocket(server.url, token);
  await ws.next();
  const samples = fc.sample(frameText, { numRuns: 2000, seed: 20261126 });
  const expected = new Map<string, number>();
  let unreadable = 0;
  samples.forEach((sample, index) => {
    if ('text' in sample) {
      // A string that happens to parse as an object with a readable req_id would be answered by it.
      let parsed: unknown;
      try {
        parsed = JSON.parse(sample.text);
      } catch {
        parsed = undefined;
      }
      const reqId = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as { req_id?: unknown }).req_id : undefined;
      if (typeof reqId === 'string' || (typeof reqId === 'number' && Number.isFinite(reqId))) {
        expected.set(JSON.stringify(reqId), (expected.get(JSON.stringify(reqId)) ?? 0) + 1);
      } else unreadable++;
      ws.send(sample.text);
    } else {
      const reqId = `fuzz-${index}`;
      expected.set(JSON.stringify(reqId), 1);
      ws.send({ ...sample.frame, req_id: reqId });
    }
  });
  const total = samples.length;
  // Frames without a status_code are broadcasts (the fuzz creates authors), not answers.
  const answersSoFar = () => ws.frames.filter((frame) => 'status_code' in frame);
  await ws.next(() => answersSoFar().length >= total, 0, 110_000);
  const answers = answersSoFar();
  expect(answers).toHaveLength(total);
  const counted = new Map<string, number>();
  let nullAnswers = 0;
  for (const answer of answers) {
    expect(Object.keys(answer).sort()).toEqual(
      answer.status_code === 0 ? ['data', 'meta', 'pkg_id', 'req_id', 'status_code'] : ['data', 'meta', 'msg', 'pkg_id', 'req_id', 'status_code'],
    );
    if (answer.req_id === null) nullAnswers++;
    else counted.set(JSON.stringify(answer.req_id), (counted.get(JSON.stringify(answer.req_id)) ?? 0) + 1);
  }
  expect(counted).toEqual(expected);
  expect(nullAnswers).toBe(unreadable);
  expect(ws.socket.readyState).toBe(ws.socket.OPEN);

  ws.send({ pkg_id: 3, req_id: 'after-fuzz', data: { name: 'Still Serving' } });
  expect(await ws.next(answerTo('after-fuzz'))).toMatchObject({ status_code: 0, data: { name: 'Still Serving' } });
  ws.socket.close();
}, 150_000);
