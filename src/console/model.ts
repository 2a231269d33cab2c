// The console's picture of the cluster, rebuilt once a second from every source (docs/console.md,
// "Where each number comes from"): the layout (which nodes should exist), the console's own
// observer (who is connected to the broker, node ids), the supervisor when the console runs
// `cluster` (processes, restarts, each node's own peer list), each node's /metrics (rates,
// drops, queue, RSS/CPU, its view of its peers, broker and logger counters), /proc for local
// processes, and log directories. It hands out rows and points ready for the page; the server
// sends only what changed. Everything a peer can grow is bounded.
import type { ClusterLayout } from "../cluster/layout.js";
import { History, round } from "./history.js";
import type { ClusterLogLine, LogDirScan } from "./logdir.js";
import type { LogPathCounters, NodeMetrics } from "./metrics.js";
import type { ProcStat } from "./procstat.js";

/** What the console needs of a supervised node (src/cluster/supervisor.ts ChildView). */
export interface SupervisedNode {
  readonly name: string;
  readonly state: string;
  readonly pid: number | undefined;
  readonly restarts: number;
  readonly up: readonly string[];
  readonly inRate: number;
  readonly outRate: number;
  readonly drops: number;
  readonly lastExit: string | undefined;
  readonly restartAt: number | undefined;
  readonly id: string | undefined;
  readonly metricsUrl: string | undefined;
}

export interface ModelLimits {
  /** Nodes shown that are not in the layout (discovered through the broker). @default 256 */
  maxExtraNodes: number;
  /** Seconds of history kept for the charts. @default 300 */
  historySeconds: number;
  /** Console events and cluster.log lines kept for a page that connects later. @default 200 */
  maxLines: number;
  /** A node up this long without seeing an up peer (or unseen by one) is "half-connected". @default 5000 */
  halfConnectedGraceMs: number;
}

export const DEFAULT_MODEL_LIMITS: ModelLimits = { maxExtraNodes: 256, historySeconds: 300, maxLines: 200, halfConnectedGraceMs: 5000 };

interface Counters {
  t: number;
  m: NodeMetrics;
}

/** Per-second rate of a counter between two scrapes (a restarted node starts from 0). */
function rateOf(now: Counters, prev: Counters | undefined, key: keyof NodeMetrics): number | undefined {
  const v = now.m[key];
  if (typeof v !== "number") return undefined;
  if (prev === undefined) return undefined;
  const p = prev.m[key];
  const dt = (now.t - prev.t) / 1000;
  if (typeof p !== "number" || dt <= 0) return undefined;
  return v >= p ? (v - p) / dt : v / dt;
}

export class NodeRec {
  type: string;
  inLayout: boolean;
  index = 0;
  /** Live ids of this name seen by the console (more than one: a restart in progress or a duplicate). */
  readonly ids = new Set<string>();
  id: string | undefined;
  everSeen = false;
  upSince: number | undefined;
  downSince: number | undefined;
  metricsUrl: string | undefined;
  metricsSource: string | undefined;
  scrapeError: string | undefined;
  scraped: Counters | undefined;
  prevScraped: Counters | undefined;
  proc: { now: ProcStat; t: number; cpuPct: number | undefined } | undefined;
  sup: SupervisedNode | undefined;
  logDir: string | undefined;
  logScan: LogDirScan | undefined;
  logRates = new Map<string, number>();
  readonly history: History;

  constructor(
    readonly name: string,
    type: string,
    inLayout: boolean,
    historySeconds: number,
  ) {
    this.type = type;
    this.inLayout = inLayout;
    this.history = new History(historySeconds, 4);
  }

  get up(): boolean {
    return this.ids.size > 0;
  }
}

export interface ConsoleEvent {
  t: number;
  level: "info" | "warn" | "error";
  text: string;
}

export class ClusterModel {
  readonly nodes: NodeRec[] = [];
  private readonly byName = new Map<string, NodeRec>();
  readonly totals: History;
  /** Nodes not shown because maxExtraNodes was reached. */
  extraRefused = 0;
  readonly events: ConsoleEvent[] = [];
  readonly clusterLog: (ClusterLogLine & { from: string })[] = [];
  brokerConnected = false;
  broker: { source: string; now: Counters; prev: Counters | undefined } | undefined;
  private readonly limits: ModelLimits;
  private pendingEvents: ConsoleEvent[] = [];
  private pendingLog: (ClusterLogLine & { from: string })[] = [];

  constructor(
    readonly layout: ClusterLayout | undefined,
    limits: Partial<ModelLimits> = {},
  ) {
    this.limits = { ...DEFAULT_MODEL_LIMITS, ...limits };
    this.totals = new History(this.limits.historySeconds, 6);
    for (const n of layout?.nodes ?? []) this.add(n.name, n.type, true);
  }

  node(name: string): NodeRec | undefined {
    return this.byName.get(name);
  }

  private add(name: string, type: string, inLayout: boolean): NodeRec | undefined {
    if (!inLayout && this.nodes.length - (this.layout?.nodes.length ?? 0) >= this.limits.maxExtraNodes) {
      this.extraRefused++;
      return undefined;
    }
    const rec = new NodeRec(name, type, inLayout, this.limits.historySeconds);
    rec.index = this.nodes.length;
    this.nodes.push(rec);
    this.byName.set(name, rec);
    return rec;
  }

  /** A node that is not in the layout (discovered), added if the bound allows. */
  nodeOrExtra(name: string): NodeRec | undefined {
    return this.byName.get(name) ?? this.add(name, "?", false);
  }

  event(level: ConsoleEvent["level"], text: string, t = Date.now()): void {
    const e = { t, level, text };
    this.events.push(e);
    if (this.events.length > this.limits.maxLines) this.events.shift();
    this.pendingEvents.push(e);
    if (this.pendingEvents.length > this.limits.maxLines) this.pendingEvents.shift();
  }

  // ---- inputs ------------------------------------------------------------------------------

  /** The observer saw a node id subscribe. */
  idUp(id: string, name: string | undefined): void {
    if (name === undefined) return;
    const rec = this.nodeOrExtra(name);
    if (rec === undefined) return;
    const wasUp = rec.up;
    rec.ids.add(id);
    rec.id = id;
    if (!wasUp) {
      rec.everSeen = true;
      rec.upSince = Date.now();
      rec.downSince = undefined;
      this.event("info", `${name}: up (node id ${id})`);
    } else if (rec.ids.size > 1) this.event("warn", `${name}: a second node id ${id} while ${[...rec.ids].find((x) => x !== id)} is still connected (restart in progress, or two nodes with one name)`);
  }

  /** The observer saw a node id unsubscribe. */
  idDown(id: string, name: string | undefined): void {
    if (name === undefined) return;
    const rec = this.byName.get(name);
    if (rec === undefined || !rec.ids.delete(id)) return;
    if (rec.ids.size > 0) {
      rec.id = [...rec.ids].at(-1);
      return;
    }
    rec.downSince = Date.now();
    rec.upSince = undefined;
    this.event("warn", `${name}: down (node id ${id} left the broker)`);
  }

  supervised(children: readonly SupervisedNode[]): void {
    for (const c of children) {
      const rec = this.byName.get(c.name);
      if (rec === undefined) continue;
      rec.sup = c;
    }
  }

  scraped(rec: NodeRec, t: number, m: NodeMetrics): void {
    rec.prevScraped = rec.scraped;
    rec.scraped = { t, m };
    rec.scrapeError = undefined;
    if (m.proxy) {
      const prev = this.broker?.source === rec.name ? this.broker.now : undefined;
      this.broker = { source: rec.name, now: { t, m }, prev };
    }
  }

  brokerScraped(source: string, t: number, m: NodeMetrics): void {
    const prev = this.broker?.source === source ? this.broker.now : undefined;
    this.broker = { source, now: { t, m }, prev };
  }

  procSampled(rec: NodeRec, t: number, s: ProcStat): void {
    const before = rec.proc;
    const cpuPct = before && t > before.t && s.cpuSeconds >= before.now.cpuSeconds ? ((s.cpuSeconds - before.now.cpuSeconds) / ((t - before.t) / 1000)) * 100 : undefined;
    rec.proc = { now: s, t, cpuPct };
  }

  logScanned(rec: NodeRec, scan: LogDirScan): void {
    rec.logScan = scan;
    for (const f of scan.newlyRotated) this.event("info", `${rec.name}: rotated ${f}`);
    for (const l of scan.clusterLog) {
      const line = { ...l, from: rec.name };
      this.clusterLog.push(line);
      this.pendingLog.push(line);
    }
    while (this.clusterLog.length > this.limits.maxLines) this.clusterLog.shift();
    while (this.pendingLog.length > this.limits.maxLines) this.pendingLog.shift();
  }

  // ---- outputs -----------------------------------------------------------------------------

  /** The node's own view of its peers: from its supervisor report, else its node_up gauges. */
  viewOf(rec: NodeRec): Map<string, boolean> | undefined {
    if (rec.sup !== undefined && rec.sup.state === "up") return new Map(this.nodes.map((n) => [n.name, rec.sup!.up.includes(n.name)]));
    if (!rec.up) return undefined;
    return rec.scraped?.m.peersUp;
  }

  /** One row of the node table. */
  row(rec: NodeRec, now: number): Record<string, unknown> {
    const s = rec.scraped;
    const m = s?.m;
    // A node that left has no rates (its last scrape is history, not now).
    const stale = s !== undefined && (now - s.t > 3500 || (!rec.up && rec.everSeen));
    const rate = (k: keyof NodeMetrics) => (s && !stale ? rateOf(s, rec.prevScraped, k) : undefined);
    const sup = rec.sup;
    // The supervisor's rates only for nodes without metrics (its status interval can be short).
    const supRates = sup?.state === "up" && rec.metricsUrl === undefined;
    const inRate = rate("eventsIn") ?? (supRates ? sup.inRate : undefined);
    const outRate = rate("eventsOut") ?? (supRates ? sup.outRate : undefined);
    const view = this.viewOf(rec);
    let viewText: string | undefined;
    const missing: string[] = [];
    let sees = 0;
    let peersUp = 0;
    if (view !== undefined) {
      viewText = "";
      for (const n of this.nodes) {
        if (n === rec) {
          viewText += "-";
          continue;
        }
        const v = view.get(n.name);
        viewText += v === undefined ? "?" : v ? "1" : "0";
        if (v) sees++;
        if (n.up) {
          peersUp++;
          const grace = now - Math.max(rec.upSince ?? now, n.upSince ?? now) < this.limits.halfConnectedGraceMs;
          if (!v && !grace && missing.length < 10) missing.push(n.name);
        }
      }
    }
    const cpu = m?.cpuSeconds !== undefined ? rate("cpuSeconds") : undefined;
    const procState = sup === undefined ? undefined : sup.state === "restarting" && sup.restartAt !== undefined ? `restarting in ${Math.max(0, (sup.restartAt - now) / 1000).toFixed(1)} s` : sup.state;
    const num = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? null : round(v));
    return {
      name: rec.name,
      type: rec.type,
      state: rec.up ? "up" : rec.everSeen ? "down" : "never",
      proc: procState ?? null,
      pid: sup?.pid ?? null,
      restarts: sup?.restarts ?? null,
      lastExit: sup?.lastExit ?? null,
      id: rec.id ?? null,
      ids: rec.ids.size,
      upSince: rec.upSince ?? null,
      downSince: rec.downSince ?? null,
      in: num(inRate),
      out: num(outRate),
      xpubDrops: num(m?.xpubDrops),
      onloopDrops: num(m?.onloopDrops),
      drops: m === undefined && sup?.state === "up" ? sup.drops : null,
      dropRate: num(sumDefined(rate("xpubDrops"), rate("onloopDrops"))),
      msgErrors: num(m?.msgErrors),
      queue: num(m?.queue),
      onloopBlocks: num(m?.onloopBlocks),
      limitHits: num(m?.limitHits),
      rss: num(m?.rssBytes ?? rec.proc?.now.rssBytes),
      cpu: num(cpu !== undefined ? cpu * 100 : rec.proc?.cpuPct),
      startTime: num(m?.startTimeSeconds),
      view: viewText ?? null,
      sees: view === undefined ? null : `${sees}/${this.nodes.length - 1}`,
      peersUp,
      missing,
      metrics: rec.metricsUrl === undefined ? "none" : rec.scrapeError !== undefined ? `error: ${rec.scrapeError}` : stale ? "stale" : s === undefined ? "waiting" : "ok",
      metricsUrl: rec.metricsUrl ?? null,
      logDir: rec.logDir ?? null,
    };
  }

  /** Loggers (and every node with a log directory or log counters): per path rates, files. */
  loggers(now: number): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const rec of this.nodes) {
      const paths = rec.scraped?.m.logPaths;
      const isLogger = rec.type === "logger" || (rec.type === "manager" && this.layout?.managerIsLogger === true && this.layout.nodes.some((n) => n.name === rec.name && n.port !== undefined));
      const dirKnown = rec.logScan !== undefined && rec.logScan.error === undefined;
      if (!isLogger && paths === undefined && !dirKnown) continue;
      const prev = rec.prevScraped?.m.logPaths;
      const dt = rec.scraped && rec.prevScraped ? (rec.scraped.t - rec.prevScraped.t) / 1000 : 0;
      const stale = rec.scraped !== undefined && now - rec.scraped.t > 3500;
      const rows: [string, number | null, number, number, number][] = [];
      for (const [path, c] of paths ?? new Map<string, LogPathCounters>()) {
        const p = prev?.get(path);
        const r = p && dt > 0 && !stale ? round(Math.max(0, c.written - p.written) / dt) : null;
        rows.push([path, r, c.written, c.received, c.dropped]);
      }
      rows.sort((a, b) => (a[0] < b[0] ? -1 : 1));
      const scan = rec.logScan;
      out.push({
        name: rec.name,
        type: rec.type,
        paths: rows,
        dir: scan?.dir ?? null,
        dirError: scan?.error ?? null,
        files: scan?.files.map((f) => [f.name, f.bytes, round(f.rate), f.mtimeMs]) ?? [],
        rotated: scan?.rotatedCount ?? 0,
        lastRotated: scan?.lastRotated ?? null,
      });
    }
    return out;
  }

  brokerRow(): Record<string, unknown> | null {
    const b = this.broker;
    if (b === undefined) return null;
    const now = b.now.m.proxy!;
    const prev = b.prev?.m.proxy;
    const dt = b.prev ? (b.now.t - b.prev.t) / 1000 : 0;
    const rates = now.map((v, i) => (prev && dt > 0 ? round(Math.max(0, v - prev[i]!) / dt) : null));
    return { source: b.source, totals: now, rates, at: b.now.t };
  }

  /** Appends this second's totals to the history; returns the point. */
  sample(tSeconds: number, rows: Record<string, unknown>[]): number[] {
    let inSum = 0;
    let outSum = 0;
    let drops = 0;
    for (let i = 0; i < this.nodes.length; i++) {
      const r = rows[i]!;
      inSum += (r["in"] as number | null) ?? 0;
      outSum += (r["out"] as number | null) ?? 0;
      drops += (r["dropRate"] as number | null) ?? 0;
      this.nodes[i]!.history.push(tSeconds, [r["in"] as number, r["out"] as number, r["dropRate"] as number, r["cpu"] as number].map((v) => v ?? Number.NaN));
    }
    const b = this.brokerRow();
    const fwd = (b?.["rates"] as (number | null)[] | undefined)?.[6] ?? Number.NaN;
    let records = 0;
    let anyLogger = false;
    for (const l of this.loggers(tSeconds * 1000))
      for (const p of l["paths"] as [string, number | null][]) {
        if (p[1] !== null) {
          records += p[1];
          anyLogger = true;
        }
      }
    const up = this.nodes.filter((n) => n.up).length;
    const point = [inSum, outSum, drops, fwd, anyLogger ? records : Number.NaN, up];
    this.totals.push(tSeconds, point);
    return [tSeconds, ...point.map((v) => (Number.isFinite(v) ? round(v) : Number.NaN))];
  }

  takeEvents(): ConsoleEvent[] {
    const e = this.pendingEvents;
    this.pendingEvents = [];
    return e;
  }

  takeClusterLog(): (ClusterLogLine & { from: string })[] {
    const l = this.pendingLog;
    this.pendingLog = [];
    return l;
  }
}

function sumDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
}
