// The event tail, main-thread side: the pages with the tail open (each with its topic prefix),
// the subscriber thread (tail-worker.ts) started while at least one is open, and the guard that
// stops the tail when the subscriber falls behind the broker anyway.
import { Worker } from "node:worker_threads";
import type { NodeOptions } from "../cluster/options.js";
import { curveKeysFrom } from "../transport/index.js";
import type { TailCommand, TailSample, TailWindow, TailWorkerData } from "./tail-worker.js";

export interface TailUpdate {
  /** Messages per second matching this client's prefix over the last window. */
  rate: number;
  /** Matching messages since this client opened the tail. */
  total: number;
  samples: TailSample[];
  /** Busiest topics, events per second. */
  topics: [topic: string, rate: number][];
}

export interface TailClient {
  readonly prefix: string;
  update(u: TailUpdate): void;
  /** The tail was stopped for everyone (the reason is for people). */
  stopped(reason: string): void;
}

export interface TailOptions {
  options: Pick<NodeOptions, "connectXsubEndpoint" | "nodeidTopicPrefix" | "ipv6"> & Parameters<typeof curveKeysFrom>[0];
  /** @default 250 */
  windowMs?: number;
  /** Samples per window and prefix (so at most 4x this many lines per second reach a page). @default 4 */
  samplesPerWindow?: number;
  /** @default 10000 */
  receiveHighWaterMark?: number;
  /** Windows in a row with a full inbound queue before the tail is stopped. @default 3 */
  maxFullWindows?: number;
  /** Keep the thread this long after the last client left. @default 10000 */
  idleMs?: number;
}

/** Cluster-wide tail statistics, for the console's own health line. */
export interface TailStats {
  running: boolean;
  prefixes: number;
  /** Subscriber thread CPU over the last window, in % of one core. */
  cpuPct: number;
  /** Messages per second received (all prefixes). */
  rate: number;
  stoppedReason: string | undefined;
}

export class Tail {
  private readonly clients = new Map<TailClient, { total: number }>();
  private worker: Worker | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private fullWindows = 0;
  private closed = false;
  readonly stats: TailStats = { running: false, prefixes: 0, cpuPct: 0, rate: 0, stoppedReason: undefined };

  constructor(private readonly opts: TailOptions) {}

  /**
   * The subscription that delivers `prefix`. Zeek nodes take any subscription starting with
   * "<nodeid_topic_prefix>." for a node's id and say hello to it, so such prefixes are subscribed
   * without the dot and filtered here.
   */
  subscriptionFor(prefix: string): string {
    const p = this.opts.options.nodeidTopicPrefix;
    return prefix.startsWith(`${p}.`) ? p : prefix;
  }

  add(client: TailClient): void {
    this.clients.set(client, { total: 0 });
    this.stats.stoppedReason = undefined;
    this.fullWindows = 0;
    this.sync();
  }

  remove(client: TailClient): void {
    if (this.clients.delete(client)) this.sync();
  }

  get size(): number {
    return this.clients.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    await this.stopWorker();
  }

  private sync(): void {
    if (this.closed) return;
    const prefixes = [...new Set([...this.clients.keys()].map((c) => c.prefix))];
    this.stats.prefixes = prefixes.length;
    clearTimeout(this.idleTimer);
    if (prefixes.length > 0 && this.worker === undefined) this.startWorker();
    const cmd: TailCommand = { type: "set", prefixes, subscriptions: [...new Set(prefixes.map((p) => this.subscriptionFor(p)))] };
    this.worker?.postMessage(cmd);
    if (prefixes.length === 0) {
      this.idleTimer = setTimeout(() => void this.stopWorker(), this.opts.idleMs ?? 10_000);
      this.idleTimer.unref();
    }
  }

  private startWorker(): void {
    const o = this.opts.options;
    const data: TailWorkerData = {
      endpoint: o.connectXsubEndpoint,
      curve: curveKeysFrom(o).client,
      ipv6: o.ipv6,
      receiveHighWaterMark: this.opts.receiveHighWaterMark ?? 10_000,
      windowMs: this.opts.windowMs ?? 250,
      samplesPerWindow: this.opts.samplesPerWindow ?? 4,
    };
    const w = new Worker(new URL("./tail-worker.js", import.meta.url), { workerData: data });
    w.unref();
    w.on("message", (m: TailWindow) => this.onWindow(m));
    w.on("error", (e) => this.stopAll(`the tail's subscriber failed: ${e.message}`));
    w.on("exit", () => {
      if (this.worker === w) {
        this.worker = undefined;
        this.stats.running = false;
      }
    });
    this.worker = w;
    this.stats.running = true;
  }

  private async stopWorker(): Promise<void> {
    const w = this.worker;
    if (w === undefined) return;
    this.worker = undefined;
    this.stats.running = false;
    this.stats.rate = this.stats.cpuPct = 0;
    const exited = new Promise((r) => w.once("exit", r));
    w.postMessage({ type: "stop" } satisfies TailCommand);
    const timer = setTimeout(() => void w.terminate(), 2000);
    await exited;
    clearTimeout(timer);
  }

  private onWindow(w: TailWindow): void {
    const secs = Math.max(w.ms, 1) / 1000;
    this.stats.cpuPct = w.cpuUs / 1e4 / secs;
    let all = 0;
    for (const [, n] of w.counts) all += n;
    this.stats.rate = all / secs;
    if (w.full > 0) {
      // The broker waits for us (listen_xpub_nodrop): a few windows of that and we leave.
      if (++this.fullWindows >= (this.opts.maxFullWindows ?? 3)) {
        this.stopAll(`stopped: the console's subscriber fell behind at ${Math.round(this.stats.rate)} events/s, and with listen_xpub_nodrop the broker would slow down the whole cluster to wait for it; narrow the topic prefix and start again`);
        return;
      }
    } else this.fullWindows = 0;
    const counts = new Map(w.counts);
    for (const [client, st] of this.clients) {
      const n = counts.get(client.prefix) ?? 0;
      st.total += n;
      client.update({
        rate: n / secs,
        total: st.total,
        samples: w.samples.filter((s) => s.prefix === client.prefix),
        topics: w.topics.filter(([t]) => t.startsWith(client.prefix) || t === "(other topics)").map(([t, k]) => [t, Math.round(k / secs)] as [string, number]),
      });
    }
  }

  private stopAll(reason: string): void {
    this.stats.stoppedReason = reason;
    const clients = [...this.clients.keys()];
    this.clients.clear();
    this.sync();
    for (const c of clients) c.stopped(reason);
  }
}
