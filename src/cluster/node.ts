// A cluster node of Zeek's ZeroMQ backend, composed of its parts: the links to the broker
// (broker-link), the handlers and their dispatcher (node-api), publishing (node-publishing),
// what arrives (inbound), discovery, the reporter, logging (logging-wiring), the embedded broker
// and hosted parts such as the WebSocket API (node-parts).
import { FORMAT as BIN_FORMAT } from "../codec/broker/bin.js";
import { z } from "../codec/broker/types.js";
import { ConfigError } from "../errors.js";
import type { Log, LogReceiver, LogSender, LogStream } from "../logging/index.js";
import type { MetricsRegistry } from "../telemetry/registry.js";
import { ClusterTelemetry, ZeroMqMetrics, zeekRegistry } from "../telemetry/zeek-metrics.js";
import { BrokerLink } from "./broker-link.js";
import type { BrokerThread } from "./broker-thread.js";
import { startEmbeddedBroker, type EmbeddedBroker } from "./embedded-broker.js";
import { Inbound } from "./inbound.js";
import { findNode, type ClusterLayout, type PoolType } from "./layout.js";
import { startNodeLogging, type StartedNodeLogging } from "./logging-wiring.js";
import { readyWithin, type HandlerReports, type StartOptions } from "./node-api.js";
import { NodeDiscovery } from "./node-discovery.js";
import { nodeStartHooks, type NodeHostContext } from "./node-parts.js";
import { NodePublishing } from "./node-publishing.js";
import { NodeReporter } from "./node-reporter.js";
import type { ClusterNodeConfig, EventFormat } from "./node-types.js";
import { DEFAULT_NODE_OPTIONS, type NodeOptions } from "./options.js";
import { defaultPools, type Pool } from "./pools.js";
import { Publisher } from "./publisher.js";
import { makeNodeId, readyTopic } from "./topics.js";

/** Zeek's Cluster::LOG stream (cluster.log). */
const CLUSTER_LOG_COLUMNS = z.record({ ts: z.time, node: z.string, message: z.string });

export class ClusterNode extends NodePublishing implements AsyncDisposable {
  readonly name: string;
  readonly nodeId: string;
  readonly options: NodeOptions;
  readonly registry: MetricsRegistry;
  readonly metrics: ZeroMqMetrics;
  readonly telemetry: ClusterTelemetry;
  readonly pools: Readonly<Record<PoolType, Pool>> | undefined;
  readonly eventFormat: EventFormat;
  private readonly layout: ClusterLayout | undefined;
  private readonly link: BrokerLink;
  /** @internal */
  protected readonly prefix: string;
  /** @internal */
  protected readonly publisher: Publisher;
  private readonly inbound: Inbound;
  private readonly reporter: NodeReporter;
  private readonly discovery: NodeDiscovery | undefined;
  private readyCounter = 0;
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
    reporter.watchSeriesCap(o.maxMetricSeries);
    const link = (this.link = new BrokerLink(o, this.registry, this.prefix, {
      monitoring: (ev) => this.emit("monitoring_event", ev),
      fatal: (m) => this.fatal(m),
      warn: (m) => reporter.warn(m),
      // Losing the broker (restart, partition, our own freeze) loses every peer: Zeek would never
      // notice, because a libzmq XPUB keeps its seen subscriptions; we start discovery over so
      // node_up comes again once the broker replays the cluster's subscriptions.
      xpubLost: () => {
        this.inbound.seen.clear();
        this.discovery?.discovery.reset();
      },
      // Only the XSUB link went (the broker timed out our frozen process, say): every peer saw
      // node_down for us and greets us again; we drop them too and, once back, greet those our
      // XPUB still sees, so both sides meet again.
      xsubLost: () => this.discovery?.discovery.reset(),
      xsubBackAlone: () => this.inbound.rediscover(),
    }));
    this.pools = cfg.layout ? defaultPools(cfg.layout, cfg.name, o.nodeTopicPrefix) : undefined;
    this.publisher = new Publisher(idFrame, this.eventFormat, link.xpub, this.metrics, this.telemetry, (m) => reporter.warn(m));
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
        clusterLog: (message) => this.clusterLine(message),
        nodeUp: (n, id) => this.emit("node_up", n, id),
        nodeDown: (n, id) => this.emit("node_down", n, id),
      });
    const dispatcher = this.dispatcher;
    const inbound = (this.inbound = new Inbound(link.xpub, link.xsub, idFrame, o, this.prefix, this.metrics, reporter, this.discovery?.discovery, {
      subscription: (topic) => this.emit("subscription", topic),
      unsubscription: (topic) => this.emit("unsubscription", topic),
      dispatch: (msg) => dispatcher.dispatch(msg),
    }));
    this.registry.callbackGauge("zeek_zmq_onloop_queue_length", "Received events waiting in the onloop queue for their handlers", () => inbound.onloop.length);
    link.xpub.on("drain", () => this.emit("drain"));
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
      if (this.logging.sender?.socket) this.link.monitor("log-push", this.logging.sender.socket);
      if (this.discovery) this.clusterLine(undefined);
      this.reporter.start();
      const at = (this.connectEndpoints = { xpub: this.embedded?.connectXpub ?? o.connectXpubEndpoint, xsub: this.embedded?.connectXsub ?? o.connectXsubEndpoint });
      this.link.connect(at.xpub, at.xsub);
      this.discovery?.start((t) => this.subscribe(t));
      await readyWithin(
        (signal) => this.ready(signal),
        options,
        (ms) =>
          `${this.prefix}: not ready to publish after ${ms} ms: no broker answered at connect_xpub_endpoint ${at.xpub} / connect_xsub_endpoint ${at.xsub}. Start the broker (zeek-zmq broker) or set run_proxy_thread, and check the endpoints.`,
      );
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
      clusterLog: (message) => this.clusterLine(message),
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
    this.link.beginClose();
    this.discovery?.stop();
    this.reporter.stop();
    this.inbound.onloop.close();
    this.inbound.failProbes(new Error(`${this.prefix}: closed before it was ready to publish`));
    this.emit("closed");
    await Promise.all([this.link.close(), this.logging?.close()]);
    await this.embedded?.thread.close();
  }

  /** `await using node = new ClusterNode(...)`: closes the node at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal */
  protected readonly reports: HandlerReports = {
    incoming: (topic, name) => this.telemetry.onIncomingEvent(topic, name),
    undecodable: (topic, format, sender, e) => {
      this.metrics.msgErrors.value++;
      this.reporter.undecodable(topic, format, sender, e);
    },
    handlerFailed: (name, e) => this.reporter.handlerFailed(name, e),
    discovery: (name, format, payload, event, msg) => this.discovery !== undefined && this.discovery.hello(name, format, payload, event, msg),
    eventsDropped: (name, max) => {
      this.metrics.onloopDrops.value++;
      this.reporter.peerWarnings.once(`events:${name}`, () => `events(${name}): the loop falls behind, ${max} events wait; further ones are dropped and counted in zeek_cluster_zeromq_onloop_drops_total`);
    },
  };

  /** A line of Zeek's cluster.log (Cluster::LOG); without a message, creates the stream only. */
  private clusterLine(message: string | undefined): void {
    this.clusterLog ??= this.log.createStream({ id: "Cluster::LOG", columns: CLUSTER_LOG_COLUMNS, path: "cluster" });
    if (message !== undefined) this.clusterLog.write({ ts: Date.now() / 1000, node: this.name, message });
  }

  private fatal(message: string): void {
    if (this.state === "closed") return;
    if (this.listenerCount("fatal") > 0) this.emit("fatal", message);
    else this.reporter.report("reporter_error", `fatal: ${message}`);
    void this.close();
  }
}

export { CLUSTER_HELLO, ZEROMQ_HELLO, type AnyEventHandler, type ClusterNodeConfig, type ClusterNodeEvents, type EventFormat, type MonitoringEvent } from "./node-types.js";
export type { EventsOptions, StartOptions } from "./node-api.js";
