// How a node reports: Zeek's reporter_warning / reporter_error (events, or stderr when nobody
// listens), and the limits a peer hits (counted by reason, warned once, rate-limited).
import type { DecodeError } from "../errors.js";
import { printable, quoted, Warnings } from "../printable.js";
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

  /** An undecodable message (counted by the caller). Every string in it is the peer's: escaped, rate-limited. */
  undecodable(topic: string, format: string, sender: Buffer, e: DecodeError): void {
    this.peerWarnings.always(
      () => `dropped undecodable ${printable(format, 40)} message on ${quoted(topic, 128)} from sender ${quoted(sender.toString("utf8"), 128)}: ${printable(e.message, 256)} (all are counted in zeek_cluster_zeromq_msg_errors_total)`,
    );
  }

  /** A handler threw; `name` is the event's name or the topic, which a peer may have chosen: escaped. */
  handlerFailed(name: string, e: unknown): void {
    this.report("reporter_error", `handler for ${printable(name, 256)} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }

  /** Warns once per metric family that reached its cap of series (Cluster::Telemetry::core_metrics VERBOSE). */
  watchSeriesCap(maxMetricSeries: number): void {
    this.registry.onSeriesLimit((family) =>
      this.peerWarnings.once(`series:${family}`, () => `metric ${family} reached its cap of series (max_metric_series ${maxMetricSeries} for core_metrics VERBOSE, 10000 otherwise): further topics/event names count in its "__overflow__" series and in zeek_zmq_limit_hits_total{reason="max_metric_series"}`),
    );
  }
}
