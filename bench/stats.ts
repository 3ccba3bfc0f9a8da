// Small numeric helpers for the load generators and the report.

/** The q-quantile (0..1) of `values` (sorted in place), nearest-rank; NaN when empty. */
export function quantile(values: number[] | Float64Array, q: number): number {
  if (values.length === 0) return Number.NaN;
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.floor(q * values.length))]!;
}

export function median(values: number[]): number {
  return quantile([...values], 0.5);
}

/** Latencies (ms) collected into a growable typed array, so a long run does not box millions of numbers. */
export class Latencies {
  private data = new Float64Array(1 << 16);
  length = 0;
  add(ms: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = ms;
  }
  quantile(q: number): number {
    return quantile(this.data.subarray(0, this.length), q);
  }
  /** A copy of the values (to send to another process). */
  values(): Float64Array {
    return this.data.slice(0, this.length);
  }
}
