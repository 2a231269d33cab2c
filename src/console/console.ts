// The console's engine: once a second it gathers every source into the model (scrapes, /proc,
// log directories, the supervisor), then hands one "tick" to the server: the rows that changed,
// one chart point, new events and cluster.log lines. Scrapes run in parallel (bounded) and the
// tick waits for them (each has a deadline below the second), so the page is at most about a
// second behind the nodes.
import { EventEmitter } from "node:events";
import { Agent } from "node:http";
import { addrToUri, type ClusterLayout } from "../cluster/layout.js";
import type { NodeOptions } from "../cluster/options.js";
import { printable } from "../printable.js";
import { LogDirWatcher } from "./logdir.js";
import { extractNodeMetrics } from "./metrics.js";
import { ClusterModel, type ModelLimits, type NodeRec, type SupervisedNode } from "./model.js";
import { ClusterObserver } from "./observer.js";
import { procStat } from "./procstat.js";
import { fetchText } from "./prometheus.js";
import { Tail, type TailOptions } from "./tail.js";

/** The supervisor of `zeek-zmq cluster`, as the console uses it. */
export interface SupervisorSource {
  readonly nodes: readonly SupervisedNode[];
  on(event: "change", listener: (child: SupervisedNode, what: string) => void): unknown;
}

export interface ConsoleSources {
  layout?: ClusterLayout;
  /**
   * Broker endpoints, CURVE keys, topic prefixes: how the console joins the cluster. Without
   * them the console serves the page and waits for join() (the broker's free ports are not known
   * yet under `zeek-zmq cluster`).
   */
  options?: NodeOptions;
  supervisor?: SupervisorSource;
  /** Explicit Prometheus URLs per node name (win over the layout's metricsPort). */
  metricsUrls?: Readonly<Record<string, string>>;
  /** A standalone broker's /metrics (`zeek-zmq broker --metrics-port`). */
  brokerMetricsUrl?: string;
  /** Zeek's Prometheus service discovery (the manager's /services.json): more nodes to scrape. */
  servicesUrl?: string;
  /** Log directories on this machine by node name (loggers'; under `cluster`, every node's). */
  logDirs?: Readonly<Record<string, string>>;
  title?: string;
  limits?: Partial<ModelLimits & { scrapeConcurrency: number; scrapeTimeoutMs: number; maxServiceTargets: number }>;
  tail?: Omit<TailOptions, "options">;
  /** Warnings about the console itself (unreachable endpoints are shown on the page instead). */
  report?: (line: string) => void;
}

export interface TickMessage {
  t: number;
  title: string;
  brokerConnected: boolean;
  names?: string[];
  rows: Record<string, unknown>[];
  point: number[];
  broker: Record<string, unknown> | null;
  loggers: Record<string, unknown>[];
  events: { t: number; level: string; text: string }[];
  clusterLog: { ts: number; node: string; message: string; from: string }[];
  console: Record<string, unknown>;
}

/** The layout's metricsPort as a URL (a wildcard host is scraped on loopback). */
function layoutMetricsUrl(host: string, port: number): string {
  const h = host === "0.0.0.0" || host === "*" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${addrToUri(h)}:${port}/metrics`;
}

export class ClusterConsole extends EventEmitter<{ tick: [TickMessage] }> {
  readonly model: ClusterModel;
  observer: ClusterObserver | undefined;
  tail: Tail | undefined;
  readonly title: string;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4, maxFreeSockets: 64 });
  private readonly watchers = new Map<NodeRec, LogDirWatcher>();
  private readonly lastRows = new Map<NodeRec, string>();
  private namesKey = "";
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private closed = false;
  private brokerMetrics: { url: string; error?: string } | undefined;
  /** The last full message (every row), for pages that connect between ticks. */
  private last: TickMessage | undefined;
  private readonly tickCost = { cpuUs: 0, wallMs: 0 };
  private readonly concurrency: number;
  private readonly timeoutMs: number;

  constructor(private readonly src: ConsoleSources) {
    super();
    this.setMaxListeners(0);
    this.model = new ClusterModel(src.layout, src.limits);
    this.title = src.title ?? (src.layout ? `zeek-zmq console: ${src.layout.source}` : "zeek-zmq console");
    this.concurrency = src.limits?.scrapeConcurrency ?? 16;
    this.timeoutMs = src.limits?.scrapeTimeoutMs ?? 800;
    for (const n of src.layout?.nodes ?? []) {
      const rec = this.model.node(n.name)!;
      const url = src.metricsUrls?.[n.name] ?? (n.metricsPort !== undefined ? layoutMetricsUrl(n.host, n.metricsPort) : undefined);
      if (url !== undefined) {
        rec.metricsUrl = url;
        rec.metricsSource = src.metricsUrls?.[n.name] !== undefined ? "option" : "layout metricsPort";
      }
    }
    for (const [name, dir] of Object.entries(src.logDirs ?? {})) {
      const rec = this.model.nodeOrExtra(name);
      if (rec === undefined) continue;
      rec.logDir = dir;
      this.watchers.set(rec, new LogDirWatcher(dir));
    }
    if (src.brokerMetricsUrl !== undefined) this.brokerMetrics = { url: src.brokerMetricsUrl };
    src.supervisor?.on("change", (c, what) => {
      const level = /^(crashed|exited)/.test(what) ? "error" : /^(restarting|stopping|stopped)/.test(what) ? "warn" : "info";
      // The matrix shows node_up/node_down, the observer reports nodes coming up.
      if (/^(node_(up|down) |up \()/.test(what)) return;
      this.model.event(level, `${c.name}: ${what}`);
    });
  }

  /** Starts gathering (and joins the cluster if the options are known). */
  start(): void {
    if (this.src.options) this.join(this.src.options);
    void this.tick();
  }

  /** Joins the cluster through the broker these options name (once). */
  join(options: NodeOptions): void {
    if (this.observer !== undefined || this.closed) return;
    const observer = new ClusterObserver({ options, layoutNames: this.src.layout?.nodes.map((n) => n.name) ?? [] });
    this.tail = new Tail({ options, ...this.src.tail });
    observer.on("up", (id, name) => this.model.idUp(id, name));
    observer.on("named", (id, name) => this.model.idUp(id, name));
    observer.on("down", (id, name) => this.model.idDown(id, name));
    observer.on("broker", (c) => {
      this.model.brokerConnected = c;
      this.model.event(c ? "info" : "error", c ? `console: connected to the broker (${options.connectXsubEndpoint})` : `console: lost the broker (${options.connectXsubEndpoint}); node states are unknown until it is back`);
    });
    this.observer = observer;
    observer.start();
    this.model.event("info", `console: joining the cluster through the broker at ${options.connectXsubEndpoint} / ${options.connectXpubEndpoint}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await Promise.all([this.observer?.close(), this.tail?.close()]);
    this.agent.destroy();
  }

  /** Every row, the history and the retained lines: what a page gets when it connects. */
  snapshot(): TickMessage & { history: (number | null)[][]; names: string[] } {
    const now = Date.now();
    // Before the first tick: the rows as they are, without taking this second's sample or events.
    const base: TickMessage = this.last ?? { t: now, title: this.title, brokerConnected: this.model.brokerConnected, rows: [], point: [], broker: null, loggers: this.model.loggers(now), events: [], clusterLog: [], console: {} };
    return {
      ...base,
      names: this.model.nodes.map((n) => n.name),
      rows: this.model.nodes.map((n, i) => ({ i, ...(JSON.parse(this.lastRows.get(n) ?? JSON.stringify(this.model.row(n, now))) as Record<string, unknown>) })),
      history: this.model.totals.toJSON(),
      events: this.model.events.slice(),
      clusterLog: this.model.clusterLog.slice(),
    };
  }

  /** A node's own history (in/s, out/s, drops/s, CPU %). */
  history(name: string): (number | null)[][] | undefined {
    return this.model.node(name)?.history.toJSON();
  }

  private async tick(): Promise<void> {
    if (this.closed || this.running) return;
    this.running = true;
    const started = Date.now();
    const cpu0 = process.cpuUsage();
    try {
      await this.gather();
      const msg = this.build(Date.now(), false);
      this.emit("tick", msg);
    } catch (e) {
      this.src.report?.(`zeek-zmq console: internal error while gathering: ${(e as Error).stack ?? String(e)}`);
    } finally {
      const c = process.cpuUsage(cpu0);
      this.tickCost.cpuUs = c.user + c.system;
      this.tickCost.wallMs = Date.now() - started;
      this.running = false;
      if (!this.closed) {
        this.timer = setTimeout(() => void this.tick(), Math.max(50, 1000 - (Date.now() - started)));
        this.timer.unref();
      }
    }
  }

  private async gather(): Promise<void> {
    const m = this.model;
    const sup = this.src.supervisor;
    if (sup) {
      m.supervised(sup.nodes);
      for (const c of sup.nodes) {
        const rec = m.node(c.name);
        if (rec !== undefined && this.src.metricsUrls?.[c.name] === undefined && c.metricsUrl !== undefined) {
          rec.metricsUrl = c.metricsUrl;
          rec.metricsSource = "supervisor";
        }
      }
    }
    if (this.src.servicesUrl !== undefined) await this.discoverServices(this.src.servicesUrl);
    const jobs: (() => Promise<void>)[] = [];
    for (const rec of m.nodes) {
      if (rec.metricsUrl !== undefined && (rec.up || rec.sup?.state === "up" || !rec.everSeen)) jobs.push(() => this.scrape(rec));
      const pid = rec.sup?.pid;
      if (pid !== undefined)
        jobs.push(async () => {
          const s = await procStat(pid);
          if (s) m.procSampled(rec, Date.now(), s);
        });
      const w = this.watchers.get(rec);
      if (w) jobs.push(async () => m.logScanned(rec, await w.scan()));
    }
    if (this.brokerMetrics) jobs.push(() => this.scrapeBroker());
    await runLimited(jobs, this.concurrency);
  }

  private async scrape(rec: NodeRec): Promise<void> {
    const url = rec.metricsUrl!;
    try {
      const text = await fetchText(url, { agent: this.agent, timeoutMs: this.timeoutMs });
      const { metrics } = extractNodeMetrics(text, rec.name);
      if (rec.metricsUrl === url) this.model.scraped(rec, Date.now(), metrics);
    } catch (e) {
      rec.scrapeError = printable((e as Error).message, 200);
    }
  }

  private async scrapeBroker(): Promise<void> {
    const b = this.brokerMetrics!;
    try {
      const { metrics } = extractNodeMetrics(await fetchText(b.url, { agent: this.agent, timeoutMs: this.timeoutMs }));
      b.error = undefined;
      if (metrics.proxy) this.model.brokerScraped(b.url, Date.now(), metrics);
      else b.error = "no zeek_cluster_zeromq_proxy_* counters";
    } catch (e) {
      b.error = printable((e as Error).message, 200);
    }
  }

  /** Zeek's /services.json: [{targets: ["host:port", ...], labels: {...}}]; node names come from the scraped series' labels. */
  private servicesChecked = 0;
  private async discoverServices(url: string): Promise<void> {
    if (Date.now() - this.servicesChecked < 10_000) return;
    this.servicesChecked = Date.now();
    const max = this.src.limits?.maxServiceTargets ?? 1000;
    let targets: string[] = [];
    try {
      const doc = JSON.parse(await fetchText(url, { agent: this.agent, timeoutMs: this.timeoutMs, maxBytes: 1024 * 1024 })) as unknown;
      if (!Array.isArray(doc)) throw new Error("not a list of target groups");
      for (const g of doc) for (const t of (g as { targets?: unknown }).targets instanceof Array ? (g as { targets: unknown[] }).targets : []) if (typeof t === "string" && targets.length < max) targets.push(t);
    } catch (e) {
      this.model.event("warn", `console: ${url}: ${printable((e as Error).message, 200)}`);
      return;
    }
    targets = targets.filter((t) => /^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(t));
    const known = new Set(this.model.nodes.map((n) => n.metricsUrl));
    await runLimited(
      targets
        .map((t) => `http://${t}/metrics`)
        .filter((u) => !known.has(u))
        .map((u) => async () => {
          try {
            const { labelledNode } = extractNodeMetrics(await fetchText(u, { agent: this.agent, timeoutMs: this.timeoutMs }));
            if (labelledNode === undefined) return;
            const rec = this.model.nodeOrExtra(labelledNode);
            if (rec !== undefined && rec.metricsUrl === undefined) {
              rec.metricsUrl = u;
              rec.metricsSource = "services.json";
            }
          } catch {
            // Unreachable targets are retried at the next discovery.
          }
        }),
      this.concurrency,
    );
  }

  private build(now: number, full: boolean): TickMessage {
    const m = this.model;
    const rows = m.nodes.map((n) => m.row(n, now));
    const point = m.sample(Math.floor(now / 1000), rows);
    const changed: Record<string, unknown>[] = [];
    rows.forEach((r, i) => {
      const rec = m.nodes[i]!;
      const text = JSON.stringify(r);
      if (full || this.lastRows.get(rec) !== text) changed.push({ i, ...r });
      this.lastRows.set(rec, text);
    });
    const names = m.nodes.map((n) => n.name);
    const key = names.join("\n");
    const namesChanged = key !== this.namesKey;
    this.namesKey = key;
    const t = this.tail?.stats ?? { running: false, prefixes: 0, rate: 0, cpuPct: 0, stoppedReason: undefined };
    const msg: TickMessage = {
      t: now,
      title: this.title,
      brokerConnected: m.brokerConnected,
      ...(namesChanged || full ? { names } : {}),
      rows: changed,
      point,
      broker: m.brokerRow() ?? (this.brokerMetrics?.error ? { source: this.brokerMetrics.url, error: this.brokerMetrics.error } : null),
      loggers: m.loggers(now),
      events: m.takeEvents(),
      clusterLog: m.takeClusterLog(),
      console: {
        tickCpuMs: Math.round(this.tickCost.cpuUs / 100) / 10,
        tickWallMs: this.tickCost.wallMs,
        extraRefused: m.extraRefused,
        idsRefused: this.observer?.counters.idsRefused ?? 0,
        hellos: this.observer?.counters.hellos ?? 0,
        tail: { running: t.running, prefixes: t.prefixes, rate: Math.round(t.rate), cpuPct: Math.round(t.cpuPct * 10) / 10, stopped: t.stoppedReason ?? null },
      },
    };
    this.last = msg;
    return msg;
  }
}

/** Runs `jobs` with at most `limit` at once; never rejects (jobs handle their own errors). */
async function runLimited(jobs: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const j = jobs[next++]!;
      await j().catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
}
