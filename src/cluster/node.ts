// A cluster node of Zeek's ZeroMQ backend: its XPUB connects to the broker's XSUB (publishing
// 4-part messages, seeing every subscription in the cluster), its XSUB to the broker's XPUB
// (subscribing, receiving). The node composes its parts: the dispatcher (handlers, inbound hot
// path), discovery, monitoring, the reporter, logging (logging-wiring) and the embedded broker.
import { FORMAT as BIN_FORMAT } from "../codec/broker/bin.js";
import type { ZeekEvent } from "../codec/broker/event.js";
import type { EventDecl } from "../codec/broker/typed.js";
import { z } from "../codec/broker/types.js";
import { printable, quoted } from "../printable.js";
import { ClusterTelemetry, ZeroMqMetrics, zeekRegistry } from "../telemetry/zeek-metrics.js";
import type { MetricsRegistry } from "../telemetry/registry.js";
import { curveKeysFrom, XPub, XSub, type PackedMessage } from "../transport/index.js";
import type { DecodeError } from "../errors.js";
import type { Log, LogReceiver, LogSender, LogStream } from "../logging/index.js";
import { startNodeLogging, type StartedNodeLogging } from "./logging-wiring.js";
import type { BrokerThread } from "./broker-thread.js";
import { Inbound } from "./inbound.js";
import { startEmbeddedBroker, type EmbeddedBroker } from "./embedded-broker.js";
import type { HrwKey } from "./hrw.js";
import { findNode, type ClusterLayout, type PoolType } from "./layout.js";
import { monitorSocket } from "./monitoring.js";
import { NodeDiscovery } from "./node-discovery.js";
import { NodeReporter } from "./node-reporter.js";
import type { ClusterNodeConfig, EventFormat, MonitoringEvent } from "./node-types.js";
import { Publisher } from "./publisher.js";
import { DEBUG_THREAD, DEFAULT_NODE_OPTIONS, type NodeOptions } from "./options.js";
import { defaultPools, type Pool } from "./pools.js";
import { makeNodeId, nodeTopic, nodeidTopic, readyTopic, roleSubscriptions } from "./topics.js";
import { NodeHandlers, type StartOptions } from "./node-api.js";
import { LimitReporter } from "./limit-report.js";
import { ConfigError } from "../errors.js";
import { nodeStartHooks, type NodeHostContext } from "./node-parts.js";

/** Zeek's Cluster::LOG stream (cluster.log). */
const CLUSTER_LOG_COLUMNS = z.record({ ts: z.time, node: z.string, message: z.string });

export class ClusterNode extends NodeHandlers implements AsyncDisposable {
  readonly name: string;
  readonly nodeId: string;
  readonly options: NodeOptions;
  readonly registry: MetricsRegistry;
  readonly metrics: ZeroMqMetrics;
  readonly telemetry: ClusterTelemetry;
  readonly pools: Readonly<Record<PoolType, Pool>> | undefined;
  readonly eventFormat: EventFormat;
  private readonly layout: ClusterLayout | undefined;
  private readonly xpub: XPub;
  private readonly xsub: XSub;
  private readonly prefix: string;
  private readonly publisher: Publisher;
  private readonly inbound: Inbound;
  private readonly reporter: NodeReporter;
  private readonly discovery: NodeDiscovery | undefined;
  private readyCounter = 0;
  private expiryTimer: NodeJS.Timeout | undefined;
  private state: "new" | "starting" | "running" | "closed" = "new";
  private embedded: EmbeddedBroker | undefined;
  private logging: StartedNodeLogging | undefined;
  private clusterLog: LogStream<{ ts: number; node: string; message: string }> | undefined;
  /** Where this node's XPUB and XSUB connect (known once started); hosted parts connect there too. */
  private connectEndpoints: { xpub: string; xsub: string } | undefined;
  /** Hosted parts (node-parts.ts) to close first. */
  private readonly partClosers: (() => Promise<void>)[] = [];

  /** Throws ConfigError when `cfg.layout` does not name `cfg.name`. */
  constructor(private readonly cfg: ClusterNodeConfig) {
    super();
    this.name = cfg.name;
    this.prefix = `zeek-zmq[${cfg.name}]`;
    if (cfg.layout) findNode(cfg.layout, cfg.name); // a node the layout does not know is a ConfigError
    const o = (this.options = { ...DEFAULT_NODE_OPTIONS, ...cfg.options });
    this.layout = cfg.layout;
    this.eventFormat = cfg.eventFormat ?? BIN_FORMAT;
    this.nodeId = cfg.nodeId ?? makeNodeId(cfg.name);
    const idFrame = Buffer.from(this.nodeId, "utf8");
    this.registry = cfg.registry ?? zeekRegistry(cfg.name);
    this.metrics = new ZeroMqMetrics(this.registry);
    const reporter = (this.reporter = new NodeReporter(this.prefix, this, this.registry));
    // Zeek's Cluster::Telemetry::core_metrics (default {INFO}); VERBOSE series are capped.
    this.telemetry = new ClusterTelemetry(this.registry, { info: o.coreMetrics.includes("INFO"), verbose: o.coreMetrics.includes("VERBOSE"), maxSeries: o.maxMetricSeries });
    this.registry.onSeriesLimit((family) =>
      reporter.peerWarnings.once(`series:${family}`, () => `metric ${family} reached its cap of series (max_metric_series ${o.maxMetricSeries} for core_metrics VERBOSE, 10000 otherwise): further topics/event names count in its "__overflow__" series and in zeek_zmq_limit_hits_total{reason="max_metric_series"}`),
    );
    const curve = curveKeysFrom(o).client;
    const hb = { heartbeatInterval: o.heartbeatIntervalMs, heartbeatTimeout: o.heartbeatTimeoutMs, ...(curve ? { curve } : {}) };
    this.xpub = new XPub({ verbose: true, noDrop: o.connectXpubNodrop, sendHighWaterMark: o.xpubSndhwm, linger: o.lingerMs, ipv6: o.ipv6, ...hb });
    // XSUB forces linger 0 in libzmq; subscriptions are replayed after reconnects.
    this.xsub = new XSub({ receiveHighWaterMark: o.xsubRcvhwm, linger: 0, ipv6: o.ipv6, ...hb });
    this.pools = cfg.layout ? defaultPools(cfg.layout, cfg.name, o.nodeTopicPrefix) : undefined;
    this.publisher = new Publisher(idFrame, this.eventFormat, this.xpub, this.metrics, this.telemetry, (m) => reporter.warn(m));
    if (cfg.discovery ?? cfg.layout !== undefined)
      this.discovery = new NodeDiscovery({
        name: this.name,
        nodeId: this.nodeId,
        options: o,
        layout: cfg.layout,
        registry: this.registry,
        pools: this.pools,
        reporter,
        msgErrors: this.metrics.msgErrors,
        publish: (topic, decl, args) => this.publish(topic, decl, args),
        clusterLog: (message) => this.clusterLog?.write({ ts: Date.now() / 1000, node: this.name, message }),
        nodeUp: (n, id) => this.emit("node_up", n, id),
        nodeDown: (n, id) => this.emit("node_down", n, id),
      });
    const dispatcher = this.dispatcher;
    const inbound = (this.inbound = new Inbound(this.xpub, this.xsub, idFrame, o, this.prefix, this.metrics, reporter, this.discovery?.discovery, {
      subscription: (topic) => this.emit("subscription", topic),
      unsubscription: (topic) => this.emit("unsubscription", topic),
      dispatch: (msg) => dispatcher.dispatch(msg),
    }));
    this.registry.callbackGauge("zeek_zmq_onloop_queue_length", "Received events waiting in the onloop queue for their handlers", () => inbound.onloop.length);
    this.monitor("xpub", this.xpub);
    const limits = new LimitReporter(this.registry, (line) => reporter.warn(line));
    limits.watch("xpub", this.xpub);
    limits.watch("xsub", this.xsub);
    // Losing the broker (restart, partition, our own freeze) loses every peer: Zeek would never
    // notice, because a libzmq XPUB keeps its seen subscriptions; we start discovery over so
    // node_up comes again once the broker replays the cluster's subscriptions.
    let xpubLosses = 0;
    this.xpub.on("disconnected", () => {
      xpubLosses++;
      if (this.state === "closed") return; // our own close, not a lost broker
      inbound.seen.clear();
      this.discovery?.discovery.reset();
    });
    // Losing only the XSUB link (the broker timed out our frozen process, say) lost our
    // subscriptions there: every peer saw node_down for us and greets us again. We drop them too,
    // and once the XSUB is back greet those our XPUB still sees, so both sides meet again. If the
    // XPUB link went as well (a broker restart), its replayed subscriptions do that.
    let rediscoverUnless: number | undefined;
    this.xsub.on("disconnected", () => {
      if (this.state === "closed" || this.discovery === undefined) return;
      this.discovery.discovery.reset();
      rediscoverUnless = xpubLosses;
    });
    this.xsub.on("connected", () => {
      if (rediscoverUnless === xpubLosses) inbound.rediscover();
      rediscoverUnless = undefined;
    });
    this.monitor("xsub", this.xsub);
    this.xpub.on("drain", () => this.emit("drain"));
  }

  /** The embedded broker (run_proxy_thread), once started. */
  get broker(): BrokerThread | undefined {
    return this.embedded?.thread;
  }

  /** The logging framework (`node.log.createStream(...)`); throws before start(). */
  get log(): Log {
    if (this.logging === undefined) throw new Error(`${this.prefix}: node.log is available once start() has begun`);
    return this.logging.log;
  }

  /** The PUSH side towards the loggers, if this node sends its logs. */
  get logSender(): LogSender | undefined {
    return this.logging?.sender;
  }

  /** The PULL side, if this node is a log receiver (logger, or manager_is_logger). */
  get logReceiver(): LogReceiver | undefined {
    return this.logging?.receiver;
  }

  /**
   * Connects to the broker, subscribes like a Zeek node of its role and waits until ready to
   * publish. With `timeoutMs` (or an aborted `signal`) it fails with an error naming the
   * endpoints, and the node is closed.
   */
  async start(options: StartOptions = {}): Promise<this> {
    if (this.state !== "new") throw new Error(`${this.prefix}: start() called twice`);
    this.state = "starting";
    const o = this.options;
    try {
      if (o.runProxyThread) {
        this.embedded = await startEmbeddedBroker(o, this.registry, (e) => this.fatal(`the broker (run_proxy_thread) failed: ${e.message}; the cluster has no broker without it`), (m) => this.reporter.warn(m));
        this.emit("broker", this.embedded.endpoints);
      }
      this.logging = await startNodeLogging({ node: this, config: this.cfg.logging ?? {}, layout: this.layout, report: (m) => this.reporter.warn(m) });
      if (this.logging.sender?.socket) this.monitor("log-push", this.logging.sender.socket);
      if (this.discovery) this.clusterLog = this.logging.log.createStream({ id: "Cluster::LOG", columns: CLUSTER_LOG_COLUMNS, path: "cluster" });
      this.reporter.start();
      const connectXpub = this.embedded?.connectXpub ?? o.connectXpubEndpoint;
      const connectXsub = this.embedded?.connectXsub ?? o.connectXsubEndpoint;
      this.connectEndpoints = { xpub: connectXpub, xsub: connectXsub };
      this.xpub.connect(connectXpub);
      this.xsub.connect(connectXsub);
      if (this.discovery) {
        const topics = this.layout ? roleSubscriptions(this.layout, this.name, this.nodeId, o) : [nodeidTopic(this.nodeId, o.nodeidTopicPrefix), nodeTopic(this.name, o.nodeTopicPrefix)];
        for (const t of topics) this.subscribe(t);
        const every = Math.max(100, Math.min(1000, (o.helloExpiration * 1000) / 4));
        this.expiryTimer = setInterval(() => this.discovery!.discovery.expire(Date.now()), every);
        this.expiryTimer.unref();
      }
      const signal = options.timeoutMs === undefined ? options.signal : AbortSignal.any([AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])]);
      try {
        await this.ready(signal);
      } catch (e) {
        if (!(e instanceof DOMException && e.name === "TimeoutError") || options.signal?.aborted) throw e;
        throw new Error(
          `${this.prefix}: not ready to publish after ${options.timeoutMs} ms: no broker answered at connect_xpub_endpoint ${connectXpub} / connect_xsub_endpoint ${connectXsub}. Start the broker (zeek-zmq broker) or set run_proxy_thread, and check the endpoints.`,
          { cause: e },
        );
      }
      this.state = "running";
      for (const hook of nodeStartHooks()) await hook(this);
      return this;
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  /** `Cluster::subscribe(prefix)`: receive every event whose topic starts with `prefix`. */
  subscribe(prefix: string): void {
    this.inbound.subscribe(prefix);
  }

  /** `Cluster::unsubscribe(prefix)`. */
  unsubscribe(prefix: string): void {
    this.inbound.unsubscribe(prefix);
  }

  /**
   * Resolves once this node can publish without losing messages to the XPUB's sender-side
   * filtering: a fresh internal topic was subscribed, came back through the broker to the own
   * XPUB (so the broker's cached subscriptions have arrived too), and is unsubscribed again.
   */
  ready(signal?: AbortSignal): Promise<void> {
    return this.inbound.probe(readyTopic(this.options.internalTopicPrefix, this.nodeId, ++this.readyCounter), signal);
  }

  /**
   * `Cluster::publish(topic, event, args...)`. Returns false when the XPUB is at its high-water
   * mark (the event is dropped and counted in zeek_cluster_zeromq_xpub_drops_total).
   */
  publish<A extends readonly unknown[]>(topic: string, decl: EventDecl<A>, args: A): boolean {
    return this.publisher.send(topic, decl as EventDecl<readonly unknown[]>, args);
  }

  /** Publishes a self-describing event (as publish() does a typed one). */
  publishEvent(topic: string, event: ZeekEvent): boolean {
    return this.publisher.send(topic, undefined, event);
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
    const d = this.discovery?.discovery;
    return new Map((d?.upNodes() ?? []).map((n) => [n, d!.idOf(n)!]));
  }

  /** Messages waiting in the onloop queue. */
  get onloopLength(): number {
    return this.inbound.onloop.length;
  }

  /** @internal What a hosted part (node-parts.ts) may use of this node; after start(). */
  hostContext(): NodeHostContext {
    const at = this.connectEndpoints;
    if (at === undefined || this.state === "closed") throw new ConfigError("listen_websocket", `${this.prefix}: call this after start() and before close()`);
    return {
      name: this.name,
      nodeId: this.nodeId,
      options: this.options,
      registry: this.registry,
      eventFormat: this.eventFormat,
      brokerEndpoints: () => at,
      declaration: (name) => this.dispatcher.declaration(name),
      raise: (decl, args) => this.dispatcher.raise(decl, args),
      clusterLog: (message) => {
        this.clusterLog ??= this.log.createStream({ id: "Cluster::LOG", columns: CLUSTER_LOG_COLUMNS, path: "cluster" });
        this.clusterLog.write({ ts: Date.now() / 1000, node: this.name, message });
      },
      report: (kind, message) => this.reporter.report(kind === "warning" ? "reporter_warning" : "reporter_error", message),
      onClose: (close) => void this.partClosers.push(close),
    };
  }

  /** The layout entry of this node, if any. @internal */
  layoutEntry(): ClusterLayout["nodes"][number] | undefined {
    return this.layout?.nodes.find((n) => n.name === this.name);
  }

  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    for (const close of this.partClosers.splice(0)) await close();
    clearInterval(this.expiryTimer);
    this.reporter.stop();
    this.inbound.onloop.close();
    this.inbound.failProbes(new Error(`${this.prefix}: closed before it was ready to publish`));
    this.emit("closed");
    await Promise.all([this.xpub.close(), this.xsub.close(), this.logging?.close()]);
    await this.embedded?.thread.close();
  }

  /** `await using node = new ClusterNode(...)`: closes the node at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal */
  protected incoming(topic: string, name: string): void {
    this.telemetry.onIncomingEvent(topic, name);
  }

  /** @internal Hostile peers must not flood stderr (rate-limited) nor forge lines (every peer string escaped). */
  protected undecodable(topic: string, format: string, sender: Buffer, e: DecodeError): void {
    this.metrics.msgErrors.value++;
    this.reporter.peerWarnings.always(
      () => `dropped undecodable ${printable(format, 40)} message on ${quoted(topic, 128)} from sender ${quoted(sender.toString("utf8"), 128)}: ${printable(e.message, 256)} (all are counted in zeek_cluster_zeromq_msg_errors_total)`,
    );
  }

  /** @internal */
  protected discoveryEvent(name: string, format: string, payload: Buffer, event: ZeekEvent | undefined, msg: PackedMessage): boolean {
    return this.discovery !== undefined && this.discovery.hello(name, format, payload, event, msg);
  }

  /** @internal */
  protected eventsDropped(name: string, max: number): void {
    this.metrics.onloopDrops.value++;
    this.reporter.peerWarnings.once(`events:${name}`, () => `events(${name}): the loop falls behind, ${max} events wait; further ones are dropped and counted in zeek_cluster_zeromq_onloop_drops_total`);
  }

  private pool(type: PoolType): Pool {
    const p = this.pools?.[type];
    if (!p) throw new Error(`${this.prefix}: pools need a layout that names this node`);
    return p;
  }

  /** Forwards a socket's monitoring events; a misconfiguration (bad CURVE keys, wrong peer) is fatal. */
  private monitor(socket: MonitoringEvent["socket"], sock: XPub | XSub | NonNullable<LogSender["socket"]>): void {
    monitorSocket(socket, sock, {
      event: (ev) => {
        if (this.options.debugFlags & DEBUG_THREAD) process.stderr.write(`${this.prefix} monitor: ${JSON.stringify(ev)}\n`);
        this.emit("monitoring_event", ev);
      },
      fatal: (m) => this.fatal(m),
      warn: (m) => this.reporter.warn(m),
    });
  }

  private fatal(message: string): void {
    if (this.state === "closed") return;
    if (this.listenerCount("fatal") > 0) this.emit("fatal", message);
    else this.reporter.report("reporter_error", `fatal: ${message}`);
    void this.close();
  }

  /** @internal `name` is the event's name or the topic, which a peer may have chosen: escaped. */
  protected handlerFailed(name: string, e: unknown): void {
    this.reporter.report("reporter_error", `handler for ${printable(name, 256)} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
}

export { CLUSTER_HELLO, ZEROMQ_HELLO, type AnyEventHandler, type ClusterNodeConfig, type ClusterNodeEvents, type EventFormat, type MonitoringEvent } from "./node-types.js";
export type { EventsOptions, StartOptions } from "./node-api.js";
