// A small metrics registry with Prometheus text exposition (format 0.0.4). Hot paths keep a
// reference to a Counter/Gauge and bump its plain `value` field: no lookup per increment.
// Label values often come from peers (topics, event names, log paths), so every family has a cap
// on its series and on the length of a label value: beyond either, the registry hands out the
// family's one overflow series (every label value "__overflow__") and counts the refusal in
// zeek_zmq_limit_hits_total{reason="max_metric_series"}. No code path can grow series without bound.

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
export type MetricType = "counter" | "gauge";

interface Family {
  readonly name: string; // exposition name (counters end in _total)
  help: string;
  readonly type: MetricType;
  readonly series: Map<string, { labels: string; metric: Counter | Gauge | Sample }>;
  /** Series beyond which new label sets go to the overflow series. */
  maxSeries: number;
  /** Refusals so far (the first one is announced to the limit listeners). */
  refused: number;
  /** The overflow series, once there is one. */
  overflow: Counter | Gauge | Sample | undefined;
}

/** Label value of the overflow series of a family that reached its cap. */
export const OVERFLOW_LABEL_VALUE = "__overflow__";
/** Series per family unless the registry or the family says otherwise; real clusters stay far below. */
export const DEFAULT_MAX_SERIES_PER_FAMILY = 10_000;
/** Longer label values (a topic, an event name, a path) go to the overflow series. */
export const DEFAULT_MAX_LABEL_VALUE_LENGTH = 1024;
/** `zeek_zmq_limit_hits_total{reason}`: the counter every component counts refused peers in. */
export const LIMIT_HITS_NAME = "zeek_zmq_limit_hits";
export const LIMIT_HITS_HELP = "Number of times a peer hit a resource limit and was refused or disconnected, by limit";
const LIMIT_HITS_TOTAL = `${LIMIT_HITS_NAME}_total`;
/** The reason label of series refused by a family's cap (the node option setting it). */
export const SERIES_LIMIT_REASON = "max_metric_series";

export interface MetricsRegistryOptions {
  /** Added to every series, e.g. Zeek's `{node: "<Cluster::node>"}`. */
  constLabels?: Labels;
  /** Cap of series per family (overridable per family). @default 10000 */
  maxSeriesPerFamily?: number;
  /** Label values longer than this go to the overflow series. @default 1024 */
  maxLabelValueLength?: number;
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

  /**
   * The counter for these label values (in labelNames order); the family's overflow counter once
   * the family is at its cap or a value is too long. Callers on hot paths should keep it.
   */
  withLabels(values: readonly string[]): Counter {
    const key = values.join("\u0000");
    let c = this.cache.get(key);
    if (c === undefined) {
      if (values.length !== this.labelNames.length)
        throw new RangeError(`${this.name}: expected ${this.labelNames.length} label values, got ${values.length}`);
      const refused = this.registry.refuseNewSeries(this.name, this.labelNames, values);
      if (refused !== undefined) return refused;
      const labels: Record<string, string> = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i] as string));
      c = this.registry.counter(this.name, this.help, labels);
      // Overflowed label sets are not remembered: the cache stays as small as the family.
      if (!this.registry.isOverflow(c)) this.cache.set(key, c);
    }
    return c;
  }

  /** True if `c` is this family's overflow series (the label set was refused). */
  isOverflow(c: Counter): boolean {
    return this.registry.isOverflow(c);
  }
}

export class MetricsRegistry {
  private readonly families = new Map<string, Family>();
  private readonly constLabels: string;
  private readonly maxSeries: number;
  private readonly maxLabelValueLength: number;
  /** Overflow series, so callers can tell a refused label set from a real one. */
  private readonly overflows = new WeakSet<object>();
  private readonly limitListeners: ((family: string) => void)[] = [];
  private limitHits: Counter | undefined;

  /** `constLabels` are added to every series, e.g. Zeek's `{node: "<Cluster::node>"}`. */
  constructor(opts: MetricsRegistryOptions = {}) {
    this.constLabels = this.renderLabels(opts.constLabels ?? {}, "");
    this.maxSeries = opts.maxSeriesPerFamily ?? DEFAULT_MAX_SERIES_PER_FAMILY;
    this.maxLabelValueLength = opts.maxLabelValueLength ?? DEFAULT_MAX_LABEL_VALUE_LENGTH;
    if (!(this.maxSeries >= 1) || !(this.maxLabelValueLength >= 1)) throw new RangeError("maxSeriesPerFamily and maxLabelValueLength must be at least 1");
  }

  /**
   * Caps the series of family `name` (as registered, counters without `_total`) at `maxSeries`,
   * e.g. from a user's option; the registry's default applies otherwise.
   */
  limitSeries(name: string, type: MetricType, maxSeries: number): void {
    if (!(maxSeries >= 1)) throw new RangeError(`${name}: maxSeries must be at least 1`);
    this.family(name, "", type).maxSeries = maxSeries;
  }

  /** Called (once per family) when a family first refuses a label set: a place to warn. */
  onSeriesLimit(listener: (family: string) => void): void {
    this.limitListeners.push(listener);
  }

  /** True if `metric` is an overflow series handed out instead of a refused label set. */
  isOverflow(metric: Counter | Gauge): boolean {
    return this.overflows.has(metric);
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
      f = { name: full, help, type, series: new Map(), maxSeries: this.maxSeries, refused: 0, overflow: undefined };
      this.families.set(full, f);
    } else if (f.type !== type) throw new RangeError(`metric ${full} is already registered as a ${f.type}`);
    // A family first named by limitSeries() gets its help text from its first registration.
    if (f.help === "" && help !== "") f.help = help;
    return f;
  }

  private register<T extends Counter | Gauge | Sample>(f: Family, labels: Labels, make: () => T): T {
    const rendered = this.renderLabels(labels, this.constLabels);
    const existing = f.series.get(rendered);
    if (existing !== undefined) return existing.metric as T;
    // zeek_zmq_limit_hits_total is exempt: its reasons are option names, a set fixed in code.
    if (f.name !== LIMIT_HITS_TOTAL) {
      let tooLong = false;
      for (const k in labels) if (labels[k]!.length > this.maxLabelValueLength) tooLong = true;
      // The overflow series itself may take the one place beyond the cap.
      if (tooLong || f.series.size >= f.maxSeries) return this.overflow(f, labels, make);
    }
    const metric = make();
    f.series.set(rendered, { labels: rendered, metric });
    return metric;
  }

  /** The family's overflow series for a refused label set; counts the refusal. */
  private overflow<T extends Counter | Gauge | Sample>(f: Family, labels: Labels | readonly string[], make: () => T): T {
    if (f.overflow === undefined) {
      const names = Array.isArray(labels) ? (labels as readonly string[]) : Object.keys(labels);
      if (names.length === 0) throw new RangeError(`${f.name}: an unlabelled series cannot overflow`);
      const over: Record<string, string> = {};
      for (const n of names) over[n] = OVERFLOW_LABEL_VALUE;
      const rendered = this.renderLabels(over, this.constLabels);
      f.overflow = make();
      f.series.set(rendered, { labels: rendered, metric: f.overflow });
      this.overflows.add(f.overflow);
    }
    this.limitHits ??= this.counter(LIMIT_HITS_NAME, LIMIT_HITS_HELP, { reason: SERIES_LIMIT_REASON });
    this.limitHits.value++;
    if (f.refused++ === 0) for (const l of this.limitListeners) l(f.name);
    return f.overflow as T;
  }

  /**
   * For CounterFamily: a new label set of counter family `name` (labels `labelNames`) when the
   * family is at its cap or a value is too long: the overflow counter, the refusal counted,
   * without rendering the labels (a peer may be sending new label sets as fast as it can).
   */
  refuseNewSeries(name: string, labelNames: readonly string[], values: readonly string[]): Counter | undefined {
    const f = this.families.get(`${name}_total`);
    if (f === undefined) return undefined;
    let tooLong = false;
    for (const v of values) if (v.length > this.maxLabelValueLength) tooLong = true;
    if (!tooLong && f.series.size < f.maxSeries) return undefined;
    const m = this.overflow(f, labelNames, () => new Counter());
    if (!(m instanceof Counter)) throw new RangeError(`${f.name} overflows into a callback metric`);
    return m;
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

  /** A gauge whose value is read at scrape time (e.g. the process's resident memory). */
  callbackGauge(name: string, help: string, read: () => number, labels: Labels = {}): void {
    this.register(this.family(name, help, "gauge"), labels, () => ({ read }));
  }

  /** Counters differing by `labelNames`; at most `maxSeries` of them (the registry's cap if not given). */
  counterFamily(name: string, help: string, labelNames: readonly string[], maxSeries?: number): CounterFamily {
    this.family(name, help, "counter");
    if (maxSeries !== undefined) this.limitSeries(name, "counter", maxSeries);
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
