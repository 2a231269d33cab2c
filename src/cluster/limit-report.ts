// Counting and reporting the limits peers hit on a component's sockets: every "limit" event of the
// transport becomes zeek_zmq_limit_hits_total{reason} and one warning per (reason, peer address),
// rate-limited; running out of file descriptors is reported loudly each time it starts and ends.
import { Warnings } from "../printable.js";
import type { Counter, MetricsRegistry } from "../telemetry/registry.js";
import { limitHits } from "../telemetry/zeek-metrics.js";
import type { LimitEvent, LimitReason, ZmtpSocket } from "../transport/index.js";

/** The address part of "address:port" (an attacker changes ports, not addresses). */
function host(remote: string): string {
  const i = remote.lastIndexOf(":");
  return i > 0 ? remote.slice(0, i) : remote;
}

export class LimitReporter {
  /** Hits per reason since start (what a broker thread reports to its node). */
  readonly totals = new Map<LimitReason, number>();
  private readonly counters = new Map<LimitReason, Counter>();
  private readonly warnings: Warnings;

  constructor(
    private readonly registry: MetricsRegistry,
    warn: (line: string) => void,
  ) {
    this.warnings = new Warnings(warn);
  }

  /** Counts and reports the limit events and descriptor exhaustion of `sock`, named `side` in warnings (e.g. "xpub"). */
  watch(side: string, sock: ZmtpSocket): void {
    sock.on("limit", (e) => this.hit(side, e));
    sock.on("accept:error", ({ endpoint, error }) => {
      const code = (error as NodeJS.ErrnoException).code ?? "";
      if (code === "EMFILE" || code === "ENFILE") {
        this.count("nofile");
        this.warnings.always(
          () =>
            `${side} ${endpoint}: out of file descriptors (${code}): new connections are closed unanswered until some are free; raise the process's descriptor limit (ulimit -n, LimitNOFILE) or lower max_connections`,
        );
      } else this.warnings.always(() => `${side} ${endpoint}: accepting a connection failed: ${error.message}`);
    });
    sock.on("accept:resumed", ({ endpoint }) => this.warnings.always(() => `${side} ${endpoint}: file descriptors are free again: accepting connections`));
  }

  hit(side: string, e: LimitEvent): void {
    this.count(e.reason);
    const who = host(e.remote);
    this.warnings.once(
      `${e.reason} ${side} ${who}`,
      () => `${side} ${e.endpoint}: peer ${e.remote}: ${e.detail} [${e.reason}; further hits by ${who} are only counted in zeek_zmq_limit_hits_total]`,
    );
  }

  private count(reason: LimitReason): void {
    let c = this.counters.get(reason);
    if (c === undefined) this.counters.set(reason, (c = limitHits(this.registry, reason)));
    c.value++;
    this.totals.set(reason, (this.totals.get(reason) ?? 0) + 1);
  }
}
