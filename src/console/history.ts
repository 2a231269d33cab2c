// Fixed-size history of per-second samples (the console's charts): a ring of timestamps and one
// ring per series, so memory is set once and never grows.

export class History {
  private readonly t: Float64Array;
  private readonly series: Float64Array[];
  private next = 0;
  private count = 0;

  constructor(
    readonly length: number,
    readonly width: number,
  ) {
    this.t = new Float64Array(length);
    this.series = Array.from({ length: width }, () => new Float64Array(length).fill(Number.NaN));
  }

  /** Appends one point (seconds since the epoch, one value per series; NaN = unknown). */
  push(tSeconds: number, values: readonly number[]): void {
    this.t[this.next] = tSeconds;
    for (let i = 0; i < this.width; i++) this.series[i]![this.next] = values[i] ?? Number.NaN;
    this.next = (this.next + 1) % this.length;
    if (this.count < this.length) this.count++;
  }

  /** Oldest first: [times, series 0, series 1, ...]; unknown values as null (JSON). */
  toJSON(): (number | null)[][] {
    const out: (number | null)[][] = [[]];
    for (let s = 0; s < this.width; s++) out.push([]);
    const start = (this.next - this.count + this.length) % this.length;
    for (let k = 0; k < this.count; k++) {
      const i = (start + k) % this.length;
      out[0]!.push(this.t[i]!);
      for (let s = 0; s < this.width; s++) {
        const v = this.series[s]![i]!;
        out[s + 1]!.push(Number.isFinite(v) ? round(v) : null);
      }
    }
    return out;
  }
}

/** Three significant decimals are plenty for a rate on a page. */
export function round(v: number): number {
  return Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 1000) / 1000;
}
