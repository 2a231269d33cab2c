// A small metrics registry with Prometheus text exposition (format 0.0.4). Hot paths keep a
// reference to a Counter/Gauge and bump its plain `value` field: no lookup per increment.

export type Labels = Readonly<Record<string, string>>;

/** Monotonic counter. `value` is a plain field: `c.value++` is the cheapest increment. */
export class Counter {
  value = 0;
  inc(n = 1): void {
    this.value += n;
  }
}

export class Gauge {
  value = 0;
  set(v: number): void {
    this.value = v;
  }
  inc(n = 1): void {
    this.value += n;
  }
  dec(n = 1): void {
    this.value -= n;
  }
}

type Sample = { readonly read: () => number };
type MetricType = "counter" | "gauge";

interface Family {
  readonly name: string; // exposition name (counters end in _total)
  readonly help: string;
  readonly type: MetricType;
  readonly series: Map<string, { labels: string; metric: Counter | Gauge | Sample }>;
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** Labels of a family whose series differ by some label values (e.g. topic and handler). */
export class CounterFamily {
  private readonly cache = new Map<string, Counter>();
  constructor(
    private readonly registry: MetricsRegistry,
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  /** The counter for these label values (in labelNames order). Callers on hot paths should keep it. */
  withLabels(values: readonly string[]): Counter {
    const key = values.join("\u0000");
    let c = this.cache.get(key);
    if (c === undefined) {
      if (values.length !== this.labelNames.length)
        throw new RangeError(`${this.name}: expected ${this.labelNames.length} label values, got ${values.length}`);
      const labels: Record<string, string> = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i] as string));
      c = this.registry.counter(this.name, this.help, labels);
      this.cache.set(key, c);
    }
    return c;
  }
}

export class MetricsRegistry {
  private readonly families = new Map<string, Family>();
  private readonly constLabels: string;

  /** `constLabels` are added to every series, e.g. Zeek's `{node: "<Cluster::node>"}`. */
  constructor(opts: { constLabels?: Labels } = {}) {
    this.constLabels = this.renderLabels(opts.constLabels ?? {}, "");
  }

  private renderLabels(labels: Labels, prefix: string): string {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(labels)) {
      if (!LABEL_RE.test(k) || k.startsWith("__")) throw new RangeError(`invalid label name ${JSON.stringify(k)}`);
      parts.push(`${k}="${escapeLabelValue(v)}"`);
    }
    if (prefix !== "") parts.unshift(prefix);
    return parts.join(",");
  }

  private family(name: string, help: string, type: MetricType): Family {
    if (!NAME_RE.test(name)) throw new RangeError(`invalid metric name ${JSON.stringify(name)}`);
    const full = type === "counter" ? `${name}_total` : name;
    let f = this.families.get(full);
    if (f === undefined) {
      f = { name: full, help, type, series: new Map() };
      this.families.set(full, f);
    } else if (f.type !== type) throw new RangeError(`metric ${full} is already registered as a ${f.type}`);
    return f;
  }

  private register<T extends Counter | Gauge | Sample>(f: Family, labels: Labels, make: () => T): T {
    const rendered = this.renderLabels(labels, this.constLabels);
    const existing = f.series.get(rendered);
    if (existing !== undefined) return existing.metric as T;
    const metric = make();
    f.series.set(rendered, { labels: rendered, metric });
    return metric;
  }

  /** A counter exposed as `<name>_total` (Zeek's convention); registering twice returns the same one. */
  counter(name: string, help: string, labels: Labels = {}): Counter {
    const f = this.family(name, help, "counter");
    const m = this.register(f, labels, () => new Counter());
    if (!(m instanceof Counter)) throw new RangeError(`${f.name}${JSON.stringify(labels)} is a callback metric`);
    return m;
  }

  gauge(name: string, help: string, labels: Labels = {}): Gauge {
    const f = this.family(name, help, "gauge");
    const m = this.register(f, labels, () => new Gauge());
    if (!(m instanceof Gauge)) throw new RangeError(`${f.name}${JSON.stringify(labels)} is a callback metric`);
    return m;
  }

  /** A counter whose value is read at scrape time (e.g. the broker's frame statistics). */
  callbackCounter(name: string, help: string, read: () => number, labels: Labels = {}): void {
    this.register(this.family(name, help, "counter"), labels, () => ({ read }));
  }

  /** A gauge whose value is read at scrape time (e.g. a queue's length). */
  callbackGauge(name: string, help: string, read: () => number, labels: Labels = {}): void {
    this.register(this.family(name, help, "gauge"), labels, () => ({ read }));
  }

  counterFamily(name: string, help: string, labelNames: readonly string[]): CounterFamily {
    this.family(name, help, "counter");
    return new CounterFamily(this, name, help, labelNames);
  }

  /** Prometheus text exposition of every family with at least one series. */
  render(): string {
    let out = "";
    for (const f of this.families.values()) {
      if (f.series.size === 0) continue;
      out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
      for (const s of f.series.values()) {
        const m = s.metric;
        const v = m instanceof Counter || m instanceof Gauge ? m.value : m.read();
        out += s.labels === "" ? `${f.name} ${formatValue(v)}\n` : `${f.name}{${s.labels}} ${formatValue(v)}\n`;
      }
    }
    return out;
  }
}
