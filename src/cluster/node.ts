// A cluster node of Zeek's ZeroMQ backend: its XPUB connects to the broker's XSUB (publishing
// 4-part messages, seeing every subscription in the cluster), its XSUB to the broker's XPUB
// (subscribing, receiving). Incoming events pass a bounded onloop queue before their handlers;
// discovery (hello -> node_up, unsubscription -> node_down) and ready-to-publish run on top.
import { EventEmitter } from "node:events";
import { FORMAT as BIN_FORMAT } from "../codec/broker/bin.js";
import { decodeEvent, writeEvent, type ZeekEvent } from "../codec/broker/event.js";
import { decodeJsonEvent, encodeJsonEvent, FORMAT as JSON_FORMAT } from "../codec/broker/json.js";
import { checkEvent, readEventName, type EventDecl } from "../codec/broker/typed.js";
import { ConfigError, DecodeError } from "../errors.js";
import { printable, quoted, Warnings } from "../printable.js";
import { ClusterTelemetry, limitHits, ZeroMqMetrics, zeekRegistry } from "../telemetry/zeek-metrics.js";
import type { Counter, Gauge, MetricsRegistry } from "../telemetry/registry.js";
import { parseEndpoint } from "../transport/endpoint.js";
import { curveKeysFrom, HandshakeError, XPub, XSub, type PackedMessage, type ZmtpSocket } from "../transport/index.js";
import { z } from "../codec/broker/types.js";
import { Log, LogReceiver, LogSender, type LogBatchConsumer, type LogStream } from "../logging/index.js";
import { wireNodeLogging } from "./logging-wiring.js";
import { brokerOptions, connectableEndpoint, isEphemeral } from "./broker.js";
import { startBrokerThread, type BrokerThread } from "./broker-thread.js";
import { LimitReporter } from "./limit-report.js";
import { EventFramer } from "./event-framer.js";
import { Discovery } from "./discovery.js";
import { OnLoopQueue } from "./onloop.js";
import type { ClusterLayout } from "./layout.js";
import { DEBUG_POLL, DEBUG_THREAD, DEFAULT_NODE_OPTIONS, type NodeOptions } from "./options.js";
import { CLUSTER_HELLO, ZEROMQ_HELLO, type AnyEventHandler, type ClusterNodeConfig, type ClusterNodeEvents, type EventFormat, type MonitoringEvent } from "./node-types.js";
import { defaultPools, type Pool } from "./pools.js";
import type { PoolType } from "./layout.js";
import { makeNodeId, nodeTopic, nodeidTopic, readyTopic, roleSubscriptions } from "./topics.js";
import type { HrwKey } from "./hrw.js";
import type { NodeWebSockets, WebSocketServer, WebSocketServerOptions } from "../websocket/index.js";

/** Zeek's Cluster::LOG stream (cluster.log). */
const CLUSTER_LOG_COLUMNS = z.record({ ts: z.time, node: z.string, message: z.string });

/** libzmq's monitor event number and value for a failed handshake (wire.md §1.10). */
function zmqMonitorCode(e: Error): [number, number] {
  if (!(e instanceof HandshakeError)) return [0x2000, 0x10000000]; // ZMTP_UNSPECIFIED
  switch (e.reason) {
    case "auth":
      return [0x4000, e.status ?? 400];
    case "mechanism-mismatch":
      return [0x2000, 0x11000002]; // ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
    case "crypto":
      return [0x2000, 0x11000001]; // ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
    case "socket-type":
      return [0x2000, 0x10000018]; // ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA
    case "protocol":
    case "version":
      return [0x2000, 0x10000000];
    default:
      return [0x0800, 0]; // HANDSHAKE_FAILED_NO_DETAIL (timeout, limit, peer's ERROR)
  }
}

// Handshake failures that mean the cluster is misconfigured (Zeek fatals on these, wire.md §1.10).
const FATAL_HANDSHAKE = new Set(["auth", "crypto", "mechanism-mismatch", "socket-type"]);

type Handler = (...args: never[]) => unknown;
interface Registration {
  decl: EventDecl<readonly unknown[]>;
  handlers: Handler[];
}

const LOG_PREFIX = (n: string) => `zeek-zmq[${n}]`;
const BIN_FORMAT_FRAME = Buffer.from(BIN_FORMAT, "latin1");

export class ClusterNode extends EventEmitter<ClusterNodeEvents> {
  readonly name: string;
  readonly nodeId: string;
  readonly options: NodeOptions;
  readonly registry: MetricsRegistry;
  readonly metrics: ZeroMqMetrics;
  readonly telemetry: ClusterTelemetry;
  readonly pools: Record<PoolType, Pool> | undefined;
  readonly eventFormat: EventFormat;

  private readonly xpub: XPub;
  private readonly xsub: XSub;
  private readonly layout: ClusterLayout | undefined;
  private readonly discovery: Discovery | undefined;
  private readonly idFrame: Buffer;
  /** Builds outgoing messages: topic, node id, format and payload frames as one wire image. */
  private readonly framer: EventFramer;
  private readonly registrations = new Map<string, Registration>();
  private readonly anyHandlers: AnyEventHandler[] = [];
  /** Topics seen on the XPUB (Zeek's seen-set: `subscription` only on first sighting); at most max_seen_topics. */
  private readonly seenTopics = new Set<string>();
  /** Characters held by seenTopics: bounded too (max_seen_topics × 256), topics have no length limit. */
  private seenTopicChars = 0;
  /**
   * Warnings whose text or frequency a peer controls (undecodable messages, hellos, limits):
   * rate-limited and bounded, so a peer can neither flood stderr nor grow a warn-once set.
   */
  private readonly peerWarnings: Warnings;
  private readonly peerErrors: Warnings;
  /** zeek_zmq_limit_hits_total{reason} of the node's own limits, created on first use. */
  private readonly limitCounters = new Map<string, Counter>();
  private readonly readyWaiters = new Map<string, { ready: () => void; fail: (e: Error) => void }>();
  private readyCounter = 0;
  private expiryTimer: NodeJS.Timeout | undefined;
  /** Prints the summaries of rate-limited peer warnings, so suppressed ones are announced even when nothing follows. */
  private warningsTimer: NodeJS.Timeout | undefined;
  private warnedXpubDrop = false;
  private warnedOnloopDrop = false;
  private lastTopicFrame: Buffer | undefined;
  /** The registration of the last binary event dispatched (never a discovery event). */
  private lastRegistration: Registration | undefined;
  private lastTopic = "";
  /** Received messages (spans of network buffers) waiting for their handlers. */
  private readonly onloop: OnLoopQueue<PackedMessage>;
  private started = false;
  private closed = false;
  /** The embedded broker (run_proxy_thread). */
  broker: BrokerThread | undefined;
  /** The logging framework: `node.log.createStream(...)`; available after start(). */
  log!: Log;
  /** The PUSH side towards the loggers, if this node sends its logs. */
  logSender: LogSender | undefined;
  /** The PULL side, if this node is a log receiver (logger, or manager_is_logger). */
  logReceiver: LogReceiver | undefined;
  private logWriter: LogBatchConsumer | undefined;
  private clusterLog: LogStream<{ ts: number; node: string; message: string }> | undefined;
  private readonly loggingCfg: NonNullable<ClusterNodeConfig["logging"]>;
  /** Where this node's XPUB and XSUB connect (known once started); WebSocket clients' backends connect there too. */
  private connectEndpoints: { xpub: string; xsub: string } | undefined;
  private websockets: NodeWebSockets | undefined;

  constructor(cfg: ClusterNodeConfig) {
    super();
    this.name = cfg.name;
    this.options = { ...DEFAULT_NODE_OPTIONS, ...cfg.options };
    this.layout = cfg.layout;
    this.eventFormat = cfg.eventFormat ?? BIN_FORMAT;
    this.loggingCfg = cfg.logging ?? {};
    this.nodeId = cfg.nodeId ?? makeNodeId(cfg.name);
    this.idFrame = Buffer.from(this.nodeId, "utf8");
    this.framer = new EventFramer(this.idFrame, Buffer.from(this.eventFormat, "latin1"));
    this.registry = cfg.registry ?? zeekRegistry(cfg.name);
    this.metrics = new ZeroMqMetrics(this.registry);
    const o = this.options;
    this.peerWarnings = new Warnings((line) => this.warn(line));
    this.peerErrors = new Warnings((line) => this.report("reporter_error", line));
    // Zeek's Cluster::Telemetry::core_metrics (default {INFO}); VERBOSE series are capped.
    this.telemetry = new ClusterTelemetry(this.registry, { info: o.coreMetrics.includes("INFO"), verbose: o.coreMetrics.includes("VERBOSE"), maxSeries: o.maxMetricSeries });
    this.registry.onSeriesLimit((family) =>
      this.peerWarnings.once(`series:${family}`, () => `metric ${family} reached its cap of series (max_metric_series ${o.maxMetricSeries} for core_metrics VERBOSE, 10000 otherwise): further topics/event names count in its "__overflow__" series and in zeek_zmq_limit_hits_total{reason="max_metric_series"}`),
    );
    const curve = curveKeysFrom(o).client;
    const hb = { heartbeatInterval: o.heartbeatIntervalMs, heartbeatTimeout: o.heartbeatTimeoutMs, ...(curve ? { curve } : {}) };
    this.xpub = new XPub({ verbose: true, noDrop: o.connectXpubNodrop, sendHighWaterMark: o.xpubSndhwm, linger: o.lingerMs, ipv6: o.ipv6, ...hb });
    // XSUB forces linger 0 in libzmq; subscriptions are replayed after reconnects.
    this.xsub = new XSub({ receiveHighWaterMark: o.xsubRcvhwm, linger: 0, ipv6: o.ipv6, ...hb });
    const inLayout = cfg.layout?.nodes.some((n) => n.name === cfg.name) ?? false;
    this.pools = inLayout ? defaultPools(cfg.layout!, cfg.name, o.nodeTopicPrefix) : undefined;
    // Whom this node sees up, one 0/1 series per layout peer (bounded by the layout): the web
    // console's "who sees whom" matrix reads it from /metrics.
    const peerUp = new Map<string, Gauge>();
    if ((cfg.discovery ?? inLayout) && cfg.layout)
      for (const n of cfg.layout.nodes)
        if (n.name !== cfg.name) peerUp.set(n.name, this.registry.gauge("zeek_zmq_node_up", "1 while this node sees the peer up (node_up, no node_down since), by peer", { peer: n.name }));
    if (cfg.discovery ?? inLayout) {
      this.discovery = new Discovery(
        {
          selfId: this.nodeId,
          nodeNames: cfg.layout?.nodes.map((n) => n.name) ?? [],
          nodeidTopicPrefix: o.nodeidTopicPrefix,
          helloExpirationMs: o.helloExpiration * 1000,
          maxPending: o.maxPendingHellos,
          maxIdLength: o.maxNodeIdLength,
        },
        {
          zeromqHello: (topic) => this.publish(topic, ZEROMQ_HELLO, [this.name, this.nodeId]),
          clusterHello: (topic) => this.publish(topic, CLUSTER_HELLO, [this.name, this.nodeId]),
          nodeUp: (name, id) => {
            this.clusterLog?.write({ ts: Date.now() / 1000, node: this.name, message: `got hello from ${name} (${id})` });
            for (const p of Object.values(this.pools ?? {})) p.markAlive(name);
            peerUp.get(name)?.set(1);
            this.emit("node_up", name, id);
          },
          nodeDown: (name, id) => {
            for (const p of Object.values(this.pools ?? {})) p.markDead(name);
            peerUp.get(name)?.set(0);
            this.emit("node_down", name, id);
          },
          // Zeek's discovery warnings, but a peer decides how many: rate-limited.
          warning: (m) => this.peerWarnings.always(() => m),
          error: (m) => this.peerErrors.always(() => m),
          refused: (reason, m) => this.limitHit(reason, m),
          invalid: (m) => {
            this.metrics.msgErrors.value++;
            this.peerWarnings.always(() => `${m()}; counted in zeek_cluster_zeromq_msg_errors_total`);
          },
        },
      );
    }
    this.onloop = new OnLoopQueue<PackedMessage>(
      { hwm: o.onloopQueueHwm, pollMaxMessages: o.pollMaxMessages, maxBytes: o.onloopQueueMaxBytes, sizeOf: messageBytes },
      (msg) => this.dispatch(msg),
      () => this.xsub.pending > 0 && this.pullXsub(),
    );
    this.registry.callbackGauge("zeek_zmq_onloop_queue_length", "Received events waiting in the onloop queue for their handlers", () => this.onloop.length);
    this.monitor("xpub", this.xpub);
    const limits = new LimitReporter(this.registry, (line) => this.warn(line));
    limits.watch("xpub", this.xpub);
    limits.watch("xsub", this.xsub);
    // Losing the broker (restart, partition, our own freeze) loses every peer: Zeek would never
    // notice, because a libzmq XPUB keeps its seen subscriptions; we start discovery over so
    // node_up comes again once the broker replays the cluster's subscriptions.
    this.xpub.on("disconnected", () => {
      if (this.closed) return; // our own close, not a lost broker
      this.seenTopics.clear();
      this.seenTopicChars = 0;
      this.discovery?.reset();
    });
    this.monitor("xsub", this.xsub);
    this.xsub.on("readable", () => this.pullXsub());
    this.xpub.on("readable", () => this.pullXpub());
    this.xpub.on("drain", () => this.emit("drain"));
  }

  /** Connects to the broker, subscribes like a Zeek node of this role and waits until ready to publish. */
  async start(options: { signal?: AbortSignal } = {}): Promise<this> {
    if (this.started) throw new Error(`${LOG_PREFIX(this.name)}: start() called twice`);
    this.started = true;
    const o = this.options;
    let connectXpub = o.connectXpubEndpoint;
    let connectXsub = o.connectXsubEndpoint;
    if (o.runProxyThread) {
      try {
        this.broker = await startBrokerThread({ ...brokerOptions(o), debug: (o.debugFlags & DEBUG_THREAD) !== 0 }, this.registry, (e) =>
          this.fatal(`the broker (run_proxy_thread) failed: ${e.message}; the cluster has no broker without it`),
        );
      } catch (e) {
        throw new ConfigError("run_proxy_thread", (e as Error).message, { cause: e });
      }
      const xpub = connectableEndpoint(this.broker.xpubEndpoint);
      const xsub = connectableEndpoint(this.broker.xsubEndpoint);
      // With free ports (":*" / ":0") the node connects where its own broker really listens.
      if (isEphemeral(o.listenXpubEndpoint)) connectXsub = xpub;
      if (isEphemeral(o.listenXsubEndpoint)) connectXpub = xsub;
      const port = (e: string) => {
        const ep = parseEndpoint(e);
        return ep.transport === "tcp" ? ep.port : ep.path;
      };
      if (port(connectXsub) !== port(xpub) || port(connectXpub) !== port(xsub))
        this.warn(`this node runs the broker (xpub ${xpub}, xsub ${xsub}) but connects to connect_xsub_endpoint ${connectXsub}, connect_xpub_endpoint ${connectXpub}`);
      this.emit("broker", { xpub, xsub });
    }
    await this.startLogging();
    this.connectEndpoints = { xpub: connectXpub, xsub: connectXsub };
    this.warningsTimer = setInterval(() => {
      this.peerWarnings.flush();
      this.peerErrors.flush();
    }, 10_000);
    this.warningsTimer.unref();
    this.xpub.connect(connectXpub);
    this.xsub.connect(connectXsub);
    if (this.discovery) {
      const topics = this.layout
        ? roleSubscriptions(this.layout, this.name, this.nodeId, this.options)
        : [nodeidTopic(this.nodeId, this.options.nodeidTopicPrefix), nodeTopic(this.name, this.options.nodeTopicPrefix)];
      for (const t of topics) this.subscribe(t);
      const every = Math.max(100, Math.min(1000, (this.options.helloExpiration * 1000) / 4));
      this.expiryTimer = setInterval(() => this.discovery!.expire(Date.now()), every);
      this.expiryTimer.unref();
    }
    await this.ready(options.signal);
    // A layout node with `websocket:` options hosts the WebSocket API, as a Zeek manager calling listen_websocket.
    const ws = this.layout?.nodes.find((n) => n.name === this.name)?.websocket;
    if (ws !== undefined) {
      const { websocketOptionsFromObject } = await import("../websocket/index.js");
      await this.listenWebsocket(websocketOptionsFromObject(ws, `${this.layout!.source}: node "${this.name}"`));
    }
    return this;
  }

  /**
   * `Cluster::listen_websocket(options)`: serves Zeek's WebSocket API (docs/websocket.md). Each
   * client becomes its own cluster participant `<node id>-websocket-<n>`; this node raises
   * Cluster::websocket_client_added/lost and writes them to cluster.log. Listening again with
   * the same options returns the same server. Call after start().
   */
  async listenWebsocket(options: WebSocketServerOptions): Promise<WebSocketServer> {
    if (this.connectEndpoints === undefined || this.closed) throw new ConfigError("listen_websocket", `${LOG_PREFIX(this.name)}: call listenWebsocket() after start() and before close()`);
    const { NodeWebSockets } = await import("../websocket/index.js");
    this.websockets ??= new NodeWebSockets({
      name: this.name,
      nodeId: this.nodeId,
      options: this.options,
      registry: this.registry,
      eventFormat: this.eventFormat,
      brokerEndpoints: () => this.connectEndpoints!,
      declaration: (name) => this.registrations.get(name)?.decl,
      raise: (decl, args) => {
        const reg = this.registrations.get(decl.name);
        if (reg) void this.runHandlers(reg, args);
      },
      clusterLog: (message) => {
        this.clusterLog ??= this.log.createStream({ id: "Cluster::LOG", columns: CLUSTER_LOG_COLUMNS, path: "cluster" });
        this.clusterLog.write({ ts: Date.now() / 1000, node: this.name, message });
      },
      report: (kind, message) => this.report(kind === "warning" ? "reporter_warning" : "reporter_error", message),
    });
    return this.websockets.listen(options);
  }

  /**
   * Logging as Zeek sets it up: a log receiver binds its PULL socket and writes what arrives (and
   * its own logs) to files; other nodes PUSH their batches to every logger.
   */
  private async startLogging(): Promise<void> {
    const report = (m: string) => this.warn(m);
    const inLayout = this.layout !== undefined && this.layout.nodes.some((n) => n.name === this.name);
    const wired = wireNodeLogging({
      options: this.options,
      nodeId: this.nodeId,
      config: this.loggingCfg,
      registry: this.registry,
      msgErrors: this.metrics.msgErrors,
      report,
      ...(inLayout ? { layout: { layout: this.layout!, nodeName: this.name } } : {}),
    });
    const sink = wired.sink;
    this.logWriter = wired.consumer;
    this.logSender = wired.sender;
    this.logReceiver = wired.receiver;
    if (this.logReceiver) await this.logReceiver.start();
    if (this.logSender?.socket) this.monitor("log-push", this.logSender.socket);
    this.log = new Log({ sink, flushInterval: this.loggingCfg.flushInterval ?? 1, writeBufferSize: this.loggingCfg.writeBufferSize ?? 1000 });
    if (this.discovery) this.clusterLog = this.log.createStream({ id: "Cluster::LOG", columns: CLUSTER_LOG_COLUMNS, path: "cluster" });
  }

  /** `Cluster::subscribe(prefix)`: receive every event whose topic starts with `prefix`. */
  subscribe(prefix: string): void {
    this.xsub.send([Buffer.concat([Buffer.of(1), Buffer.from(prefix, "utf8")])]);
  }

  /** `Cluster::unsubscribe(prefix)`. */
  unsubscribe(prefix: string): void {
    this.xsub.send([Buffer.concat([Buffer.of(0), Buffer.from(prefix, "utf8")])]);
  }

  /**
   * Resolves once this node can publish without losing messages to the XPUB's sender-side
   * filtering: a fresh internal topic was subscribed, came back through the broker to the own
   * XPUB (so the broker's cached subscriptions have arrived too), and is unsubscribed again.
   */
  ready(signal?: AbortSignal): Promise<void> {
    const topic = readyTopic(this.options.internalTopicPrefix, this.nodeId, ++this.readyCounter);
    return new Promise<void>((resolve, reject) => {
      const abort = () => {
        this.readyWaiters.delete(topic);
        reject(signal!.reason);
      };
      if (signal?.aborted) return abort();
      signal?.addEventListener("abort", abort, { once: true });
      this.readyWaiters.set(topic, {
        ready: () => {
          signal?.removeEventListener("abort", abort);
          this.unsubscribe(topic);
          resolve();
        },
        fail: (e) => {
          signal?.removeEventListener("abort", abort);
          reject(e);
        },
      });
      this.subscribe(topic);
    });
  }

  /** Handles `decl` events: `handler(...args)` with the declared JS types. May return a promise. */
  on<A extends readonly unknown[]>(decl: EventDecl<A>, handler: (...args: NoInfer<A>) => unknown): this;
  on<K extends keyof ClusterNodeEvents>(event: K, listener: (...args: ClusterNodeEvents[K]) => void): this;
  on(what: unknown, handler: (...args: never[]) => unknown): this {
    if (typeof what === "string" || typeof what === "symbol") return super.on(what as keyof ClusterNodeEvents, handler as never);
    const decl = what as EventDecl<readonly unknown[]>;
    let reg = this.registrations.get(decl.name);
    if (reg === undefined) this.registrations.set(decl.name, (reg = { decl, handlers: [] }));
    else if (reg.decl.signature !== decl.signature) throw new Error(`${decl.name} is already handled with signature ${reg.decl.signature}`);
    reg.handlers.push(handler);
    return this;
  }

  /** Handles every event received, self-describing (tools such as `zeek-zmq tap`). */
  onAnyEvent(handler: AnyEventHandler): this {
    this.anyHandlers.push(handler);
    return this;
  }

  /**
   * `Cluster::publish(topic, event, args...)`. Returns false when the XPUB is at its high-water
   * mark (the event is dropped and counted in zeek_cluster_zeromq_xpub_drops_total).
   */
  publish<A extends readonly unknown[]>(topic: string, decl: EventDecl<A>, args: A): boolean {
    const f = this.framer;
    f.begin(topic);
    try {
      if (this.eventFormat === BIN_FORMAT) decl.write(f.w, args);
      else f.w.bytes(encodeJsonEvent(decl.toEvent(args)));
    } catch (e) {
      f.abort();
      throw e;
    }
    return this.send(topic, decl.name, f.end());
  }

  /** Publishes a self-describing event. */
  publishEvent(topic: string, event: ZeekEvent): boolean {
    const f = this.framer;
    f.begin(topic);
    try {
      if (this.eventFormat === BIN_FORMAT) writeEvent(f.w, event);
      else f.w.bytes(encodeJsonEvent(event));
    } catch (e) {
      f.abort();
      throw e;
    }
    return this.send(topic, event.name, f.end());
  }

  /** `Cluster::publish_hrw(pool, key, ...)`: to the pool member rendezvous hashing picks for `key`. */
  publishHrw<A extends readonly unknown[]>(pool: PoolType, key: HrwKey, decl: EventDecl<A>, args: A): boolean {
    const topic = this.pool(pool).hrw(key);
    return topic === "" ? false : this.publish(topic, decl, args);
  }

  /** `Cluster::publish_rr(pool, key, ...)`: round-robin over the pool's live members, per key. */
  publishRr<A extends readonly unknown[]>(pool: PoolType, key: string, decl: EventDecl<A>, args: A): boolean {
    const topic = this.pool(pool).rr(key);
    return topic === "" ? false : this.publish(topic, decl, args);
  }

  /** Names of the nodes that are up, with their ids. */
  nodesUp(): Map<string, string> {
    const out = new Map<string, string>();
    for (const n of this.discovery?.upNodes() ?? []) out.set(n, this.discovery!.idOf(n)!);
    return out;
  }

  /** Messages waiting in the onloop queue. */
  get onloopLength(): number {
    return this.onloop.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.websockets?.close();
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    clearInterval(this.warningsTimer);
    this.onloop.close();
    for (const w of this.readyWaiters.values()) w.fail(new Error(`${LOG_PREFIX(this.name)}: closed before it was ready to publish`));
    this.readyWaiters.clear();
    this.log?.close();
    await Promise.all([this.xpub.close(), this.xsub.close(), this.logSender?.close(), this.logReceiver?.close()]);
    await this.logWriter?.shutdown();
    await this.broker?.close();
  }

  private pool(type: PoolType): Pool {
    const p = this.pools?.[type];
    if (!p) throw new Error(`${LOG_PREFIX(this.name)}: pools need a layout that names this node`);
    return p;
  }

  private send(topic: string, name: string, msg: PackedMessage): boolean {
    if (!this.xpub.send(msg)) {
      this.metrics.xpubDrops.value++;
      if (!this.warnedXpubDrop) {
        this.warnedXpubDrop = true;
        this.warn("xpub: warn: dropped a message due to hwm (xpub_sndhwm); further drops are only counted in zeek_cluster_zeromq_xpub_drops_total");
      }
      return false;
    }
    this.telemetry.onOutgoingEvent(topic, name);
    return true;
  }

  // ---- receiving -------------------------------------------------------------------------

  /** XPUB: (un)subscription notifications, handled at once (they bypass the onloop HWM). */
  private pullXpub(): void {
    for (const msg of this.xpub.receive()) {
      if (msg.length !== 1) {
        this.metrics.msgErrors.value++;
        continue;
      }
      const f = msg[0]!;
      if (f.length === 0 || f[0]! > 1) continue; // not a (un)subscription: ignored, as Zeek does
      const topic = f.toString("utf8", 1);
      if (f[0] === 1) {
        if (!this.seenTopics.has(topic)) {
          this.rememberTopic(topic);
          this.emit("subscription", topic);
          this.discovery?.onSubscription(topic, Date.now());
        }
        const waiter = this.readyWaiters.get(topic);
        if (waiter) {
          this.readyWaiters.delete(topic);
          waiter.ready();
        }
      } else {
        if (this.seenTopics.delete(topic)) this.seenTopicChars -= topic.length;
        this.emit("unsubscription", topic);
        this.discovery?.onUnsubscription(topic);
      }
    }
  }

  /**
   * Adds `topic` to the seen-set unless it is full (max_seen_topics topics, or 256 characters per
   * allowed topic on average): then the subscription is still handled, only not remembered, so a
   * repeat raises `subscription` again (as if it were new) instead of growing the set.
   */
  private rememberTopic(topic: string): void {
    const max = this.options.maxSeenTopics;
    if (this.seenTopics.size >= max || this.seenTopicChars + topic.length > max * 256) {
      this.limitHit("max_seen_topics", () => `${this.seenTopics.size} subscriptions (${this.seenTopicChars} characters) are remembered from the broker (max_seen_topics ${max}); ${quoted(topic, 64)} and further new ones are handled but not remembered`);
      return;
    }
    this.seenTopics.add(topic);
    this.seenTopicChars += topic.length;
  }

  /** Counts a limit a peer hit in zeek_zmq_limit_hits_total{reason} and warns once per reason (rate-limited). */
  private limitHit(reason: string, message: () => string): void {
    let c = this.limitCounters.get(reason);
    if (c === undefined) this.limitCounters.set(reason, (c = limitHits(this.registry, reason)));
    c.value++;
    this.peerWarnings.once(`limit:${reason}`, () => `${message()}; further ones are only counted in zeek_zmq_limit_hits_total{reason="${reason}"}`);
  }

  /**
   * XSUB: messages into the onloop queue. With onloop_queue_hwm > 0 everything available is
   * taken and what does not fit is dropped (counted); with 0 nothing is dropped and the queue
   * takes only what the dispatcher can use, leaving the rest to TCP backpressure.
   */
  private pullXsub(): void {
    const batch = this.xsub.receivePacked(this.onloop.room());
    if (this.options.debugFlags & DEBUG_POLL) process.stderr.write(`${LOG_PREFIX(this.name)} poll: xsub ${batch.length} messages\n`);
    for (let i = 0; i < batch.length; i++) {
      const msg = batch[i]!;
      if (msg.frameCount !== 4) {
        this.metrics.msgErrors.value++;
        continue;
      }
      if (msg.frameEquals(1, this.idFrame)) continue; // our own message, echoed by the broker
      const queued = this.onloop.push(msg);
      if (queued !== true) {
        this.metrics.onloopDrops.value++;
        if (queued === "bytes")
          this.limitHit("onloop_queue_max_bytes", () => `onloop queue holds ${this.onloop.bytes} bytes (onloop_queue_max_bytes ${this.options.onloopQueueMaxBytes}): dropping incoming events (a ${messageBytes(msg)}-byte one from sender ${quoted(msg.frame(1).toString("utf8"), 64)}); drops count in zeek_cluster_zeromq_onloop_drops_total`);
        else if (!this.warnedOnloopDrop) {
          this.warnedOnloopDrop = true;
          this.warn("onloop queue full (onloop_queue_hwm): dropping incoming events; further drops are only counted in zeek_cluster_zeromq_onloop_drops_total");
        }
      }
    }
    this.onloop.schedule();
  }

  /** Decodes and runs the handlers of one message; returns a promise only if a handler did. */
  private dispatch(msg: PackedMessage): Promise<unknown> | undefined {
    const topic = this.topicText(msg);
    const isBin = msg.frameEquals(2, BIN_FORMAT_FRAME);
    let format = BIN_FORMAT;
    try {
      // A run of one handled event (the common case) is decoded without looking up its name.
      const last = this.lastRegistration;
      if (isBin && last !== undefined && this.anyHandlers.length === 0) {
        const args = last.decl.tryDecode(msg.buf, msg.spans[6], msg.spans[7]);
        if (args !== undefined) {
          this.telemetry.onIncomingEvent(topic, last.decl.name);
          return this.runHandlers(last, args);
        }
      }
      let name: string;
      let event: ZeekEvent | undefined;
      const payload = msg.frame(3);
      if (!isBin) format = msg.frame(2).toString("latin1");
      if (format === BIN_FORMAT) name = readEventName(payload);
      else if (format === JSON_FORMAT) name = (event = decodeJsonEvent(payload)).name;
      else throw new DecodeError("message", "invalid", 0, `unknown event format ${JSON.stringify(format.slice(0, 40))}`);
      const reg = this.registrations.get(name);
      let hello = false;
      if (this.discovery && name.charCodeAt(0) === 0x43 /* C */ && (hello = this.discoveryEvent(name, format, payload, event, msg))) this.lastRegistration = undefined;
      else if (isBin) this.lastRegistration = reg;
      const args = reg ? (event ? reg.decl.fromEvent(event) : reg.decl.decode(payload)) : undefined;
      if (this.anyHandlers.length > 0) event ??= decodeEvent(payload);
      // Nobody decoded it: a malformed payload is still an error, handler or not (no values built).
      else if (reg === undefined && event === undefined && !hello) checkEvent(payload);
      this.telemetry.onIncomingEvent(topic, name); // decoded events only
      let pending = reg ? this.runHandlers(reg, args!) : undefined;
      if (event !== undefined && this.anyHandlers.length > 0) {
        for (const h of this.anyHandlers) {
          const r = this.call(name, h, [topic, event, format as EventFormat]);
          if (r !== undefined) pending = pending ? Promise.all([pending, r]) : r;
        }
      }
      return pending;
    } catch (e) {
      if (!(e instanceof DecodeError)) {
        this.handlerFailed(topic, e);
        return undefined;
      }
      this.metrics.msgErrors.value++;
      // Hostile peers must not flood stderr (rate-limited) nor forge lines (every peer string escaped).
      this.peerWarnings.always(
        () => `dropped undecodable ${printable(format, 40)} message on ${quoted(topic, 128)} from sender ${quoted(msg.frame(1).toString("utf8"), 128)}: ${printable(e.message, 256)} (all are counted in zeek_cluster_zeromq_msg_errors_total)`,
      );
      return undefined;
    }
  }

  private runHandlers(reg: Registration, args: readonly unknown[]): Promise<unknown> | undefined {
    const hs = reg.handlers;
    if (hs.length === 1) return this.call(reg.decl.name, hs[0]!, args);
    let pending: Promise<unknown>[] | undefined;
    for (let i = 0; i < hs.length; i++) {
      const r = this.call(reg.decl.name, hs[i]!, args);
      if (r !== undefined) (pending ??= []).push(r);
    }
    return pending ? Promise.all(pending) : undefined;
  }

  /** Runs one handler; a throw or rejection is reported (reporter_error) and does not stop the others. */
  private call(name: string, h: Handler | AnyEventHandler, args: readonly unknown[]): Promise<unknown> | undefined {
    try {
      const f = h as (...a: readonly unknown[]) => unknown;
      // Spread calls cost more than direct ones on this hot path: common arities are direct.
      const n = args.length;
      const r = n === 1 ? f(args[0]) : n === 2 ? f(args[0], args[1]) : n === 3 ? f(args[0], args[1], args[2]) : n === 4 ? f(args[0], args[1], args[2], args[3]) : f(...args);
      return r instanceof Promise ? r.catch((e: unknown) => this.handlerFailed(name, e)) : undefined;
    } catch (e) {
      this.handlerFailed(name, e);
      return undefined;
    }
  }

  /** The topic as text; a run of messages on one topic decodes it once. */
  private topicText(msg: PackedMessage): string {
    if (this.lastTopicFrame !== undefined && msg.frameEquals(0, this.lastTopicFrame)) return this.lastTopic;
    const frame = msg.frame(0);
    this.lastTopicFrame = Buffer.from(frame); // a copy: the frame is a view into a network buffer
    return (this.lastTopic = frame.toString("utf8"));
  }

  /** Feeds the hello events to discovery; true if `name` was one. */
  private discoveryEvent(name: string, format: string, payload: Buffer, event: ZeekEvent | undefined, msg: PackedMessage): boolean {
    const decl = name === ZEROMQ_HELLO.name ? ZEROMQ_HELLO : name === CLUSTER_HELLO.name ? CLUSTER_HELLO : undefined;
    if (!decl) return false;
    const [n, id] = (format === BIN_FORMAT ? decl.decode(payload) : decl.fromEvent(event!)) as [string, string];
    // A Zeek node says hello with its own id, the one in the message's sender frame: a hello
    // naming another id is forged (it would make us hello, or raise node_down, for someone else).
    if (!msg.frameEquals(1, Buffer.from(id, "utf8"))) {
      this.metrics.msgErrors.value++;
      this.peerWarnings.always(() => `ignoring ${name}(${quoted(n, 64)}, ${quoted(id, 64)}) sent by node id ${quoted(msg.frame(1).toString("utf8"), 64)}: a node says hello with its own id; counted in zeek_cluster_zeromq_msg_errors_total`);
      return true;
    }
    if (decl === ZEROMQ_HELLO) this.discovery!.onZeromqHello(n, id, Date.now());
    else this.discovery!.onClusterHello(n, id);
    return true;
  }

  /** Forwards a socket's monitoring events; a misconfiguration (bad CURVE keys, wrong peer) is fatal. */
  private monitor(socket: MonitoringEvent["socket"], sock: ZmtpSocket): void {
    const emit = (ev: MonitoringEvent) => {
      if (this.options.debugFlags & DEBUG_THREAD) process.stderr.write(`${LOG_PREFIX(this.name)} monitor: ${JSON.stringify(ev)}\n`);
      this.emit("monitoring_event", ev);
    };
    sock.on("connected", (d) => emit({ socket, event: "connected", endpoint: d.endpoint, remote: d.remote, number: 0x0001, value: 0 }));
    sock.on("disconnected", (d) =>
      emit({ socket, event: "disconnected", endpoint: d.endpoint, remote: d.remote, number: 0x0200, value: 0, ...(d.error ? { detail: d.error.message } : {}) }),
    );
    sock.on("handshake", (d) => emit({ socket, event: "handshake_succeeded", endpoint: d.endpoint, remote: d.remote, number: 0x1000, value: 0 }));
    sock.on("handshake:error", (d) => {
      const reason = d.error instanceof HandshakeError ? d.error.reason : "protocol";
      const [number, value] = zmqMonitorCode(d.error);
      emit({ socket, event: "handshake_failed", endpoint: d.endpoint, remote: d.remote, reason, detail: d.error.message, number, value });
      const msg = `${socket} handshake with ${d.endpoint} failed (${reason}): ${d.error.message}`;
      if (FATAL_HANDSHAKE.has(reason)) this.fatal(`${msg}. Check the CURVE keys (curve_server_publickey, curve_client_publickey/secretkey) and that ${d.endpoint} is the broker/logger socket this option names.`);
      else this.warn(msg);
    });
  }

  private fatal(message: string): void {
    if (this.closed) return;
    if (this.listenerCount("fatal") > 0) this.emit("fatal", message);
    else this.report("reporter_error", `fatal: ${message}`);
    void this.close();
  }

  /** `name` is the event's name or the topic, which a peer may have chosen: escaped. */
  private handlerFailed(name: string, e: unknown): void {
    this.report("reporter_error", `handler for ${printable(name, 256)} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }

  private warn(message: string): void {
    this.report("reporter_warning", message);
  }

  private report(kind: "reporter_warning" | "reporter_error", message: string): void {
    if (this.listenerCount(kind) > 0) this.emit(kind, message);
    else process.stderr.write(`${LOG_PREFIX(this.name)} ${kind === "reporter_warning" ? "warning" : "error"}: ${message}\n`);
  }
}

/** A received message's size in bytes (its frames and what lies between them), for onloop_queue_max_bytes. */
function messageBytes(msg: PackedMessage): number {
  const s = msg.spans;
  return s[s.length - 1]! - s[0]!;
}

export { CLUSTER_HELLO, ZEROMQ_HELLO, type AnyEventHandler, type ClusterNodeConfig, type ClusterNodeEvents, type EventFormat, type MonitoringEvent } from "./node-types.js";
