// A Prometheus histogram whose label sets are bound once: a series counts an observation into its
// bucket with a few comparisons and additions. prom-client's Histogram hashes the labels on every
// observe(), a bound child's too (`histogram.labels(…)`), and allocates while doing it: with three
// durations observed per request (HTTP, procedure, query), that was ~2 % of a create's CPU and
// ~1.5 KB of its garbage in a profile (bench W6). Written by hand because prom-client has no way to
// add to a histogram other than one hashed observation at a time. It registers in prom-client's
// registry like any metric and the registry writes it, so a scrape reads byte for byte what
// prom-client's Histogram would (test/series-histogram.test.ts sends both the same observations).
import type { Metric, Registry } from 'prom-client';

export interface HistogramSeries {
  observe(value: number): void;
}

/** What prom-client's registry reads from a metric; its typings describe only its own classes. */
export interface ExportedHistogram {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  /** Buckets carry `exemplar: null` as prom-client's do without exemplars (its JSON shows it). */
  values: { metricName: string; labels: Record<string, string | number>; value: number; exemplar?: null }[];
}

export interface SeriesHistogramConfiguration<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  /** Upper bounds, ascending; `+Inf` is implied. */
  buckets: readonly number[];
  registers: readonly Registry[];
}

/** Every label's value: a series has them all. */
type Labels<L extends string> = Readonly<Record<L, string | number>>;

interface Series extends HistogramSeries {
  labels: Record<string, string | number>;
  /** Observations per bucket (not cumulative); the last one is above every bound. */
  counts: number[];
  sum: number;
  count: number;
  /** Exported: observed since the last reset (or, without labels, from the start), as prom-client does. */
  shown: boolean;
}

export class SeriesHistogram<L extends string = never> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly labelNames: readonly L[];
  private readonly buckets: readonly number[];
  private readonly series = new Map<string, Series>();

  constructor({ name, help, labelNames = [], buckets, registers }: SeriesHistogramConfiguration<L>) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
    this.buckets = buckets;
    // The registry needs only name, get() and reset(), which this has (see ExportedHistogram).
    for (const registry of registers) registry.registerMetric(this as unknown as Metric);
    // As prom-client's: a histogram without labels is exported (with zeros) before its first observation.
    if (labelNames.length === 0) this.seriesOf({} as Labels<L>).shown = true;
  }

  /**
   * The series of one label set, to keep and observe into: take it once per label set (per
   * procedure and transport, say), not per observation. The same labels give the same series.
   */
  bind(labels: Labels<L>): HistogramSeries {
    return this.seriesOf(labels);
  }

  private seriesOf(labels: Labels<L>): Series {
    for (const name of Object.keys(labels)) {
      if (!this.labelNames.includes(name as L)) throw new Error(`${this.name}: no label named ${name}`);
    }
    const key = JSON.stringify(this.labelNames.map((name) => labels[name]));
    let series = this.series.get(key);
    if (!series) {
      const { buckets } = this;
      const created: Series = {
        labels: { ...labels },
        counts: new Array<number>(buckets.length + 1).fill(0),
        sum: 0,
        count: 0,
        shown: false,
        observe(value) {
          if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
          let bucket = 0;
          while (bucket < buckets.length && value > buckets[bucket]!) bucket++;
          created.counts[bucket]! += 1;
          created.sum += value;
          created.count += 1;
          created.shown = true;
        },
      };
      this.series.set(key, (series = created));
    }
    return series;
  }

  /** What the registry reads on a scrape: cumulative buckets, `+Inf`, sum and count per series. */
  async get(): Promise<ExportedHistogram> {
    const values: ExportedHistogram['values'] = [];
    const bucketName = `${this.name}_bucket`;
    for (const { labels, counts, sum, count, shown } of this.series.values()) {
      if (!shown) continue;
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += counts[i]!;
        values.push({ metricName: bucketName, labels: { le: bound, ...labels }, value: cumulative, exemplar: null });
      });
      values.push({ metricName: bucketName, labels: { le: '+Inf', ...labels }, value: count, exemplar: null });
      values.push({ metricName: `${this.name}_sum`, labels: { ...labels }, value: sum });
      values.push({ metricName: `${this.name}_count`, labels: { ...labels }, value: count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** `registry.resetMetrics()`: as prom-client's, no series is exported until observed again (bound ones stay valid). */
  reset(): void {
    for (const series of this.series.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
      series.shown = false;
    }
  }
}
