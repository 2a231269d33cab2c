// How a node reports: Zeek's reporter_warning / reporter_error (events, or stderr when nobody
// listens), and the limits a peer hits (counted by reason, warned once, rate-limited).
import { Warnings } from "../printable.js";
import type { Counter, MetricsRegistry } from "../telemetry/registry.js";
import { limitHits } from "../telemetry/zeek-metrics.js";

/** The node's event emitter, as far as reporting needs it. */
export interface ReportTarget {
  listenerCount(event: "reporter_warning" | "reporter_error"): number;
  emit(event: "reporter_warning" | "reporter_error", message: string): boolean;
}

/** @internal A node's reporter: plain and peer-controlled warnings, limit hits. */
export class NodeReporter {
  /**
   * Warnings whose text or frequency a peer controls (undecodable messages, hellos, limits):
   * rate-limited and bounded, so a peer can neither flood stderr nor grow a warn-once set.
   */
  readonly peerWarnings: Warnings;
  readonly peerErrors: Warnings;
  /** zeek_zmq_limit_hits_total{reason} of the node's own limits, created on first use. */
  private readonly limitCounters = new Map<string, Counter>();
  /** Prints the summaries of rate-limited peer warnings, so suppressed ones are announced even when nothing follows. */
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly prefix: string,
    private readonly target: ReportTarget,
    private readonly registry: MetricsRegistry,
  ) {
    this.peerWarnings = new Warnings((line) => this.warn(line));
    this.peerErrors = new Warnings((line) => this.report("reporter_error", line));
  }

  start(): void {
    this.timer = setInterval(() => {
      this.peerWarnings.flush();
      this.peerErrors.flush();
    }, 10_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  warn(message: string): void {
    this.report("reporter_warning", message);
  }

  report(kind: "reporter_warning" | "reporter_error", message: string): void {
    if (this.target.listenerCount(kind) > 0) this.target.emit(kind, message);
    else process.stderr.write(`${this.prefix} ${kind === "reporter_warning" ? "warning" : "error"}: ${message}\n`);
  }

  /** Counts a limit a peer hit in zeek_zmq_limit_hits_total{reason} and warns once per reason (rate-limited). */
  limitHit(reason: string, message: () => string): void {
    let c = this.limitCounters.get(reason);
    if (c === undefined) this.limitCounters.set(reason, (c = limitHits(this.registry, reason)));
    c.value++;
    this.peerWarnings.once(`limit:${reason}`, () => `${message()}; further ones are only counted in zeek_zmq_limit_hits_total{reason="${reason}"}`);
  }
}
