import { describe, expect, it } from 'vitest';
import { createDeadline, TIMED_OUT } from '../server/src/state/deadline';

const LIMIT_MS = 40;
const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(resolve, ms, value));

describe('createDeadline', () => {
  it('passes on what the promise settles with in time: its value or its rejection', async () => {
    const deadline = createDeadline(LIMIT_MS);
    await expect(deadline.within(later(5, 'answer'))).resolves.toBe('answer');
    await expect(deadline.within(Promise.reject(new Error('store down')))).rejects.toThrow('store down');
  });

  it('gives up on a promise that never settles once the limit has passed, and ignores a late answer', async () => {
    const deadline = createDeadline(LIMIT_MS);
    const startedAt = performance.now();
    await expect(deadline.within(new Promise(() => {}))).resolves.toBe(TIMED_OUT);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(LIMIT_MS);
    await expect(deadline.within(later(LIMIT_MS * 3, 'too late'))).resolves.toBe(TIMED_OUT);
  });

  it('times out only the calls past their limit while later ones wait, then starts again after an idle spell', async () => {
    const deadline = createDeadline(LIMIT_MS);
    const stalled = deadline.within(new Promise(() => {}));
    await later(LIMIT_MS / 2, null);
    const answered = deadline.within(later(LIMIT_MS / 4, 'answered'));
    const alsoStalled = deadline.within(new Promise(() => {}));
    expect(await Promise.all([stalled, answered, alsoStalled])).toEqual([TIMED_OUT, 'answered', TIMED_OUT]);
    // Nothing is waiting now, so the sweep has stopped; a new call arms it again.
    await expect(deadline.within(new Promise(() => {}))).resolves.toBe(TIMED_OUT);
    await expect(deadline.within(later(1, 'quick'))).resolves.toBe('quick');
  });
});
