// The central broker of Zeek's ZeroMQ backend (Zeek's proxy thread, zmq_proxy): an XSUB bound on
// listen_xsub_endpoint receives what node XPUBs publish and an XPUB bound on listen_xpub_endpoint
// fans it out to the node XSUBs by prefix; (un)subscriptions flow the other way. Frames are
// forwarded as received (no copies). Like zmq_proxy's blocking send, a subscriber at its HWM
// (with listen_xpub_nodrop) pauses forwarding instead of losing messages.
import { EventEmitter } from "node:events";
import { ProxyMetrics, zeekRegistry } from "../telemetry/zeek-metrics.js";
import { LimitReporter } from "./limit-report.js";
import type { MetricsRegistry } from "../telemetry/registry.js";
import { XPub, XSub, type CurveOption, type PackedMessage, type SocketEvents } from "../transport/index.js";
import { curveKeysFrom } from "../transport/curve-keys.js";
import { formatEndpoint, parseEndpoint } from "../transport/endpoint.js";
import { DEFAULT_LISTEN_XPUB_ENDPOINT, DEFAULT_LISTEN_XSUB_ENDPOINT, type NodeOptions } from "./options.js";

export interface BrokerOptions {
  /** `listen_xsub_endpoint`: node XPUBs connect here. @default "tcp://127.0.0.1:5556" */
  listenXsubEndpoint?: string;
  /** `listen_xpub_endpoint`: node XSUBs connect here. @default "tcp://127.0.0.1:5555" */
  listenXpubEndpoint?: string;
  /** `listen_xpub_nodrop`: pause forwarding instead of dropping at a subscriber's HWM. @default true */
  listenXpubNodrop?: boolean;
  /** ZMQ_IPV6 on both sockets. @default true */
  ipv6?: boolean;
  /** Per-peer high-water marks of both sockets (libzmq's default). @default 1000 */
  hwm?: number;
  /** CURVE server keys for both sockets (Zeek: the broker is a CURVE server when keys are set). */
  curve?: CurveOption | null;
  /** ZMTP heartbeats on both sockets (zeek-zmq extension): PING interval, 0 = off. @default 0 */
  heartbeatIntervalMs?: number;
  /** Heartbeat timeout; -1 = the interval. @default -1 */
  heartbeatTimeoutMs?: number;
  /** Messages forwarded per turn before yielding to the event loop. @default 1000 */
  batch?: number;
  registry?: MetricsRegistry;
  // Limits on what peers can make the broker hold (docs/limits.md); unset = the transport's defaults.
  /** `max_subscriptions_per_peer` (XPUB). @default 10000 */
  maxSubscriptionsPerPeer?: number;
  /** `max_topic_length` in bytes (XPUB). @default 4096 */
  maxTopicLength?: number;
  /** `max_subscription_bytes`: estimated memory of the XPUB's subscription table. @default 33554432 */
  maxSubscriptionBytes?: number;
  /** `max_subscription_backlog`: changes owed to publishers that do not read them (XSUB). @default 250000 */
  maxSubscriptionBacklog?: number;
  /** `max_connections` per socket. @default 10000 */
  maxConnections?: number;
  /** `idle_ping_interval_ms` (without heartbeats; 0 = off). @default 60000 */
  idlePingIntervalMs?: number;
  /** `idle_ping_timeout_ms`. @default 10000 */
  idlePingTimeoutMs?: number;
  /** Where warnings go (limits hit, descriptors exhausted). @default stderr, prefixed "zeek-zmq broker: warning: " */
  warn?: (line: string) => void;
}

export interface BrokerEvents {
  /** A connection of either socket (monitoring). */
  connection: [side: "xsub" | "xpub", event: keyof SocketEvents, detail: { endpoint: string; remote?: string }];
}

/**
 * The broker's settings among a node's options (for `zeek-zmq broker` and run_proxy_thread); with
 * Zeek's CURVE server keys set, the broker's sockets are CURVE servers.
 */
export function brokerOptions(o: NodeOptions): BrokerOptions {
  const curve = curveKeysFrom(o).server;
  return {
    ...(curve ? { curve } : {}),
    listenXpubEndpoint: o.listenXpubEndpoint,
    listenXsubEndpoint: o.listenXsubEndpoint,
    listenXpubNodrop: o.listenXpubNodrop,
    ipv6: o.ipv6,
    heartbeatIntervalMs: o.heartbeatIntervalMs,
    heartbeatTimeoutMs: o.heartbeatTimeoutMs,
    maxSubscriptionsPerPeer: o.maxSubscriptionsPerPeer,
    maxTopicLength: o.maxTopicLength,
    maxSubscriptionBytes: o.maxSubscriptionBytes,
    maxSubscriptionBacklog: o.maxSubscriptionBacklog,
    maxConnections: o.maxConnections,
    idlePingIntervalMs: o.idlePingIntervalMs,
    idlePingTimeoutMs: o.idlePingTimeoutMs,
  };
}

/** True when a bind endpoint asks for any free port (`:*` or `:0`). */
export function isEphemeral(endpoint: string): boolean {
  try {
    const ep = parseEndpoint(endpoint);
    return ep.transport === "tcp" && ep.port === 0;
  } catch {
    return false;
  }
}

/** A bound endpoint others can connect to: a wildcard address (0.0.0.0, ::) becomes loopback. */
export function connectableEndpoint(bound: string): string {
  const ep = parseEndpoint(bound);
  if (ep.transport !== "tcp") return bound;
  const host = ep.host === "0.0.0.0" || ep.host === "*" ? "127.0.0.1" : ep.host === "::" ? "::1" : ep.host;
  return formatEndpoint({ ...ep, host });
}

const NO_BACKLOG: PackedMessage[] = [];

export class Broker extends EventEmitter<BrokerEvents> {
  readonly metrics: ProxyMetrics;
  readonly registry: MetricsRegistry;
  /** Limits peers hit, counted in zeek_zmq_limit_hits_total{reason}. */
  readonly limits: LimitReporter;
  /** The bound endpoints (real ports when port 0 was asked for). */
  xsubEndpoint = "";
  xpubEndpoint = "";
  private readonly xsub: XSub;
  private readonly xpub: XPub;
  private readonly batch: number;
  /** Messages the XPUB refused (nodrop at HWM), in order; forwarding waits for "drain". */
  private backlog: PackedMessage[] = NO_BACKLOG;
  private forwardScheduled = false;
  private forwarding = false;

  constructor(private readonly opts: BrokerOptions = {}) {
    super();
    const hwm = opts.hwm ?? 1000;
    const ipv6 = opts.ipv6 ?? true;
    this.batch = opts.batch ?? 1000;
    this.registry = opts.registry ?? zeekRegistry();
    this.metrics = new ProxyMetrics(this.registry);
    const hb = { heartbeatInterval: opts.heartbeatIntervalMs ?? 0, heartbeatTimeout: opts.heartbeatTimeoutMs ?? -1, ...(opts.curve ? { curve: opts.curve } : {}) };
    const both = {
      maxConnections: opts.maxConnections,
      idlePingInterval: opts.idlePingIntervalMs,
      idlePingTimeout: opts.idlePingTimeoutMs,
    };
    this.xsub = new XSub({ receiveHighWaterMark: hwm, sendHighWaterMark: hwm, ipv6, linger: 0, ...hb, ...both, maxSubscriptionBacklog: opts.maxSubscriptionBacklog });
    // changesOnly: the XSUB's reference count of a topic is then exactly its number of holders, so
    // a peer repeating a SUBSCRIBE cannot leave a topic subscribed at every publisher for ever.
    this.xpub = new XPub({
      verboser: true,
      changesOnly: true,
      noDrop: opts.listenXpubNodrop ?? true,
      sendHighWaterMark: hwm,
      receiveHighWaterMark: hwm,
      ipv6,
      linger: 0,
      ...hb,
      ...both,
      maxSubscriptionsPerPeer: opts.maxSubscriptionsPerPeer,
      maxTopicLength: opts.maxTopicLength,
      maxSubscriptionBytes: opts.maxSubscriptionBytes,
    });
    this.limits = new LimitReporter(this.registry, opts.warn ?? ((line) => void process.stderr.write(`zeek-zmq broker: warning: ${line}\n`)));
    this.limits.watch("xsub", this.xsub);
    this.limits.watch("xpub", this.xpub);
    this.xsub.on("readable", () => this.scheduleForward());
    this.xpub.on("drain", () => this.scheduleForward());
    this.xpub.on("readable", () => this.forwardSubscriptions());
    for (const [side, sock] of [["xsub", this.xsub], ["xpub", this.xpub]] as const)
      for (const ev of ["accepted", "disconnected", "handshake:error"] as const)
        sock.on(ev, (d: { endpoint: string; remote?: string }) => this.emit("connection", side, ev, d));
  }

  /** Binds both sockets; resolves with the real endpoints. */
  async start(): Promise<{ xsub: string; xpub: string }> {
    this.xsubEndpoint = await this.xsub.bind(this.opts.listenXsubEndpoint ?? DEFAULT_LISTEN_XSUB_ENDPOINT);
    this.xpubEndpoint = await this.xpub.bind(this.opts.listenXpubEndpoint ?? DEFAULT_LISTEN_XPUB_ENDPOINT);
    return { xsub: this.xsubEndpoint, xpub: this.xpubEndpoint };
  }

  close(): Promise<unknown> {
    return Promise.all([this.xsub.close(), this.xpub.close()]);
  }

  /** Forwards at once on "readable" (latency); a batch limit hands the rest to the next turn. */
  private scheduleForward(): void {
    if (this.forwarding) return;
    this.forwarding = true;
    try {
      this.forward();
    } finally {
      this.forwarding = false;
    }
  }

  private continueLater(): void {
    if (this.forwardScheduled) return;
    this.forwardScheduled = true;
    setImmediate(() => {
      this.forwardScheduled = false;
      this.scheduleForward();
    });
  }

  /** Published messages: XSUB -> XPUB, in batches; stops at a refused send until "drain". */
  private forward(): void {
    if (this.backlog.length > 0) {
      const sent = this.send(this.backlog);
      this.countSent(this.backlog, sent);
      if (sent < this.backlog.length) {
        this.backlog = this.backlog.slice(sent);
        return;
      }
      this.backlog = NO_BACKLOG;
    }
    // Forwarded as received (spans of the network chunks): no view per frame.
    const msgs = this.xsub.receivePacked(this.batch);
    let frames = 0;
    let bytes = 0;
    for (let i = 0; i < msgs.length; i++) {
      frames += msgs[i]!.frameCount;
      bytes += msgs[i]!.byteLength;
    }
    const m = this.metrics;
    m.frontendMessagesReceived.value += frames;
    m.frontendBytesReceived.value += bytes;
    const sent = this.send(msgs);
    if (sent === msgs.length) {
      // The common case: the whole batch went out, so the received totals are the sent ones.
      m.backendMessagesSent.value += frames;
      m.backendBytesSent.value += bytes;
    } else {
      // A subscriber at its HWM (nodrop): keep the rest in order; nothing more is read from
      // the XSUB meanwhile, so publishers feel the backpressure.
      this.countSent(msgs, sent);
      this.backlog = msgs.slice(sent);
      return;
    }
    if (this.xsub.pending > 0) this.continueLater();
  }

  /** Sends `msgs` in order until the XPUB refuses one; returns how many went out. */
  private send(msgs: PackedMessage[]): number {
    for (let i = 0; i < msgs.length; i++) if (!this.xpub.send(msgs[i]!)) return i;
    return msgs.length;
  }

  private countSent(msgs: PackedMessage[], n: number): void {
    const m = this.metrics;
    for (let i = 0; i < n; i++) {
      m.backendMessagesSent.value += msgs[i]!.frameCount;
      m.backendBytesSent.value += msgs[i]!.byteLength;
    }
  }

  /** Subscriptions: XPUB -> XSUB (which reference-counts and forwards to every publisher). */
  private forwardSubscriptions(): void {
    const m = this.metrics;
    for (const msg of this.xpub.receivePacked()) {
      const bytes = msg.byteLength;
      m.backendMessagesReceived.value += msg.frameCount;
      m.backendBytesReceived.value += bytes;
      this.xsub.send(msg);
      m.frontendMessagesSent.value += msg.frameCount;
      m.frontendBytesSent.value += bytes;
    }
  }
}
