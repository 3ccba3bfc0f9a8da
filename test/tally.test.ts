import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createTallies } from '../server/src/observability/tally';

function tallied() {
  const registry = new Registry();
  const tallies = createTallies<'transport'>();
  const counter = new Counter({
    name: 'messages_total',
    help: 'test',
    labelNames: ['transport'],
    registers: [registry],
    collect() {
      tallies.flushInto(this);
    },
  });
  const read = async () => (await registry.getMetricsAsJSON())[0]!.values.map(({ labels, value }) => [labels.transport, value]);
  return { tallies, counter, read };
}

describe('createTallies', () => {
  it('shows every count at each read, per label set, and adds later counts to earlier ones', async () => {
    const { tallies, read } = tallied();
    const ws = tallies.tally({ transport: 'ws' });
    const legacy = tallies.tally({ transport: 'legacy' });
    ws.add();
    ws.add(41);
    legacy.add(3);
    expect(await read()).toEqual([
      ['ws', 42],
      ['legacy', 3],
    ]);
    expect(await read()).toEqual([
      ['ws', 42],
      ['legacy', 3],
    ]);
    legacy.add();
    expect(await read()).toEqual([
      ['ws', 42],
      ['legacy', 4],
    ]);
  });

  it('adds to what was counted on the counter directly', async () => {
    const { tallies, counter, read } = tallied();
    counter.inc({ transport: 'ws' }, 5);
    tallies.tally({ transport: 'ws' }).add(2);
    expect(await read()).toEqual([['ws', 7]]);
  });

  it('shows nothing for a label set that was never counted', async () => {
    const { tallies, read } = tallied();
    tallies.tally({ transport: 'ws' });
    expect(await read()).toEqual([]);
  });
});
