// SeriesHistogram against prom-client's own Histogram: the same observations into each, in a
// registry of its own, must scrape byte for byte the same (and read the same as JSON). A Prometheus
// server must not be able to tell which one wrote the page.
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SeriesHistogram } from '../server/src/observability/series-histogram';

const BUCKETS = [0.001, 0.005, 0.01, 0.25, 1, 10];

function pair<L extends string>(labelNames: readonly L[]) {
  const stock = new Registry();
  const ours = new Registry();
  const config = { name: 'request_duration_seconds', help: 'Request "duration" \\ by route', buckets: BUCKETS };
  const histogram = new Histogram({ ...config, labelNames: [...labelNames], registers: [stock] });
  const seriesHistogram = new SeriesHistogram({ ...config, labelNames, registers: [ours] });
  const same = async () => {
    expect(await ours.metrics()).toBe(await stock.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await stock.getMetricsAsJSON());
  };
  return { stock, ours, histogram, seriesHistogram, same };
}

// Bounds exactly, between them, below the first, above the last, zero and a negative value.
const VALUES = [0, -1, 0.001, 0.0010001, 0.004, 0.005, 0.2, 0.25, 0.9999, 1, 9.5, 10, 10.0001, 1e6];

describe('SeriesHistogram', () => {
  it('scrapes as prom-client does for the same observations over several label sets', async () => {
    const { histogram, seriesHistogram, same } = pair(['method', 'endpoint'] as const);
    // Each series' labels are given in the order the caller wrote them (prom-client keeps that order).
    const labelSets = [
      { method: 'GET', endpoint: '/trpc/authors.list' },
      { endpoint: '/authors/{id}', method: 'DELETE' },
      { method: 'POST', endpoint: '/web "legacy"\n\\' },
    ];
    const series = labelSets.map((labels) => seriesHistogram.bind(labels));
    await same(); // bound but never observed: not exported, as a prom-client child never observed
    VALUES.forEach((value, i) => {
      const at = i % labelSets.length;
      histogram.observe(labelSets[at]!, value);
      series[at]!.observe(value);
    });
    await same();
    // The same labels bind the same series, whatever object carries them.
    seriesHistogram.bind({ endpoint: '/trpc/authors.list', method: 'GET' }).observe(0.003);
    histogram.observe({ method: 'GET', endpoint: '/trpc/authors.list' }, 0.003);
    await same();
    expect(await seriesHistogram.get()).toMatchObject({ type: 'histogram', aggregator: 'sum' });
  });

  it('exports a histogram without labels before its first observation, and after a reset only what is observed again', async () => {
    const { stock, ours, histogram, seriesHistogram, same } = pair([] as const);
    await same();
    const series = seriesHistogram.bind({});
    for (const value of VALUES) {
      histogram.observe(value);
      series.observe(value);
    }
    await same();
    stock.resetMetrics();
    ours.resetMetrics();
    await same();
    histogram.observe(0.02);
    series.observe(0.02);
    await same();
  });

  it('refuses what prom-client refuses: an unknown label, a value that is not a finite number', () => {
    const { histogram, seriesHistogram } = pair(['method'] as const);
    expect(() => seriesHistogram.bind({ method: 'GET', route: '/' } as { method: string })).toThrow(/no label named route/);
    expect(() => histogram.observe({ method: 'GET', route: '/' } as { method: string }, 1)).toThrow();
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => seriesHistogram.bind({ method: 'GET' }).observe(value)).toThrow(TypeError);
      expect(() => histogram.observe({ method: 'GET' }, value)).toThrow(TypeError);
    }
  });
});
