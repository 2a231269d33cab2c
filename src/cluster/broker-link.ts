// A node's two links to the central broker: its XPUB connects to the broker's XSUB (publishing,
// seeing every subscription in the cluster), its XSUB to the broker's XPUB (subscribing,
// receiving). Built from the node's options, with monitoring events, limit reports, and what
// losing either link means for the node's view of its peers.
import type { MetricsRegistry } from "../telemetry/registry.js";
import { curveKeysFrom, XPub, XSub, type ZmtpSocket } from "../transport/index.js";
import { LimitReporter } from "./limit-report.js";
import { monitorSocket } from "./monitoring.js";
import type { MonitoringEvent } from "./node-types.js";
import { DEBUG_THREAD, type NodeOptions } from "./options.js";

/** What the links report to their node. Link losses are not reported once close() has begun. */
export interface BrokerLinkHooks {
  monitoring(ev: MonitoringEvent): void;
  /** A misconfiguration (bad CURVE keys, wrong peer): the node cannot work. */
  fatal(message: string): void;
  warn(message: string): void;
  /** The XPUB link dropped: every peer is unreachable; the broker replays their subscriptions on reconnect. */
  xpubLost(): void;
  /** The XSUB link dropped: the broker forgot our subscriptions, so every peer saw us go down. */
  xsubLost(): void;
  /** The XSUB link is back after xsubLost() and the XPUB link stayed up meanwhile. */
  xsubBackAlone(): void;
}

/** @internal */
export class BrokerLink {
  readonly xpub: XPub;
  readonly xsub: XSub;
  private closing = false;
  private xpubLosses = 0;
  /** xpubLosses when the XSUB link dropped, until it is back. */
  private xsubLostAt: number | undefined;

  constructor(
    private readonly o: NodeOptions,
    registry: MetricsRegistry,
    /** `zeek-zmq[name]`, for debug lines. */
    private readonly prefix: string,
    private readonly hooks: BrokerLinkHooks,
  ) {
    const curve = curveKeysFrom(o).client;
    const hb = { heartbeatInterval: o.heartbeatIntervalMs, heartbeatTimeout: o.heartbeatTimeoutMs, ...(curve ? { curve } : {}) };
    this.xpub = new XPub({ verbose: true, noDrop: o.connectXpubNodrop, sendHighWaterMark: o.xpubSndhwm, linger: o.lingerMs, ipv6: o.ipv6, ...hb });
    // XSUB forces linger 0 in libzmq; subscriptions are replayed after reconnects.
    this.xsub = new XSub({ receiveHighWaterMark: o.xsubRcvhwm, linger: 0, ipv6: o.ipv6, ...hb });
    const limits = new LimitReporter(registry, (line) => hooks.warn(line));
    limits.watch("xpub", this.xpub);
    limits.watch("xsub", this.xsub);
    this.monitor("xpub", this.xpub);
    this.monitor("xsub", this.xsub);
    this.xpub.on("disconnected", () => {
      this.xpubLosses++;
      if (!this.closing) hooks.xpubLost();
    });
    this.xsub.on("disconnected", () => {
      if (this.closing) return;
      this.xsubLostAt = this.xpubLosses;
      hooks.xsubLost();
    });
    this.xsub.on("connected", () => {
      if (this.xsubLostAt === this.xpubLosses && !this.closing) hooks.xsubBackAlone();
      this.xsubLostAt = undefined;
    });
  }

  connect(xpubEndpoint: string, xsubEndpoint: string): void {
    this.xpub.connect(xpubEndpoint);
    this.xsub.connect(xsubEndpoint);
  }

  /** Forwards a socket's monitoring events (the node's log PUSH socket too); a misconfigured handshake is fatal. */
  monitor(socket: MonitoringEvent["socket"], sock: ZmtpSocket): void {
    monitorSocket(socket, sock, {
      event: (ev) => {
        if (this.o.debugFlags & DEBUG_THREAD) process.stderr.write(`${this.prefix} monitor: ${JSON.stringify(ev)}\n`);
        this.hooks.monitoring(ev);
      },
      fatal: (m) => this.hooks.fatal(m),
      warn: (m) => this.hooks.warn(m),
    });
  }

  /** Stops reporting: what follows is our own close, not a lost broker. */
  beginClose(): void {
    this.closing = true;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([this.xpub.close(), this.xsub.close()]);
  }
}
