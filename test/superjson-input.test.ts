// Decoding tRPC input (trpc/superjson-input.ts, the input side of every tRPC transport's transformer):
// big integers are bounded before superjson hands their text to `BigInt`, which reads decimal text in
// more than linear time (0.12–0.36 s of CPU for a 1 MiB digit string).
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { BIGINT_TOO_LONG_MESSAGE, deserializeInput, MAX_BIGINT_DIGITS } from '../server/src/trpc/superjson-input';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof TRPCError ? { code: error.code, message: error.message } : error;
  }
  return undefined;
};

describe('big integers in superjson input', () => {
  const digits = (count: number) => '7'.repeat(count);

  it(`decode up to ${MAX_BIGINT_DIGITS} digits`, () => {
    const input = deserializeInput({ json: { n: `-${digits(MAX_BIGINT_DIGITS)}` }, meta: { values: { n: ['bigint'] }, v: 1 } });
    expect(input).toEqual({ n: -BigInt(digits(MAX_BIGINT_DIGITS)) });
  });

  it('are BAD_REQUEST past that, before BigInt reads them (a 1 MiB digit string included)', () => {
    for (const text of [digits(MAX_BIGINT_DIGITS + 1), ` +${digits(MAX_BIGINT_DIGITS + 1)} `, digits(1024 * 1024)]) {
      const payload = { json: { name: 'x', nested: [{ n: text }] }, meta: { values: { 'nested.0.n': ['bigint'] }, v: 1 } };
      expect(refusal(() => deserializeInput(payload))).toEqual({ code: 'BAD_REQUEST', message: BIGINT_TOO_LONG_MESSAGE });
    }
  });

  it('leave long digit strings alone when nothing is a bigint', () => {
    const long = digits(MAX_BIGINT_DIGITS * 10);
    expect(deserializeInput({ json: { message: long } })).toEqual({ message: long });
    expect(deserializeInput({ json: { message: long, at: '2026-01-01T00:00:00.000Z' }, meta: { values: { at: ['Date'] } } })).toEqual({
      message: long,
      at: new Date('2026-01-01T00:00:00.000Z'),
    });
  });
});
