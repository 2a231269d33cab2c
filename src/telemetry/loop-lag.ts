// Event-loop lag per scrape window. perf_hooks.monitorEventLoopDelay cannot serve here: its
// reset() also forgets when it last sampled, so a block that starts within one sampling interval
// after a scrape is never recorded. This sampler keeps its clock across windows: a timer every
// `resolutionMs` records how late it fired, into log-linear buckets (16 per power of two, so a
// percentile is off by at most 1/16) that a scrape reads and clears.

const SUB = 16;
const OCTAVES = 32; // 1 µs .. 2^32 µs (71 minutes)

export interface LagReading {
  /** Seconds. */
  mean: number;
  p99: number;
  max: number;
}

/** @internal */
export class LoopLagSampler {
  private readonly buckets = new Uint32Array(SUB * OCTAVES);
  private last = performance.now();
  private count = 0;
  private sumMs = 0;
  private maxMs = 0;

  constructor(private readonly resolutionMs: number) {
    setInterval(() => this.tick(), resolutionMs).unref();
  }

  /** Records one lateness, in ms (exposed for tests). */
  record(lateMs: number): void {
    this.count++;
    this.sumMs += lateMs;
    if (lateMs > this.maxMs) this.maxMs = lateMs;
    this.buckets[bucketOf(lateMs * 1000)]!++;
  }

  /** The window since the previous take(), which starts a new one. */
  take(): LagReading {
    const n = this.count;
    const r = n === 0 ? { mean: 0, p99: 0, max: 0 } : { mean: this.sumMs / n / 1000, p99: this.percentileMs(0.99) / 1000, max: this.maxMs / 1000 };
    this.buckets.fill(0);
    this.count = 0;
    this.sumMs = 0;
    this.maxMs = 0;
    return r;
  }

  private tick(): void {
    const now = performance.now();
    this.record(Math.max(0, now - this.last - this.resolutionMs));
    this.last = now;
  }

  /** The upper bound of the bucket holding the q-quantile, capped by the maximum seen. */
  private percentileMs(q: number): number {
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return Math.min(this.maxMs, upperUs(i) / 1000);
    }
    return this.maxMs;
  }
}

/** Bucket of a lateness in µs: below 16 µs one per µs, then 16 per power of two. */
function bucketOf(us: number): number {
  if (us < SUB) return Math.max(0, Math.floor(us));
  const octave = Math.floor(Math.log2(us)); // ≥ 4
  const sub = Math.floor((us / 2 ** octave - 1) * SUB);
  return Math.min(SUB * OCTAVES - 1, (octave - 3) * SUB + sub);
}

function upperUs(bucket: number): number {
  if (bucket < SUB) return bucket + 1;
  const octave = Math.floor(bucket / SUB) + 3;
  return 2 ** octave * (1 + ((bucket % SUB) + 1) / SUB);
}
