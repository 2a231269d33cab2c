// A cluster node of Zeek's ZeroMQ backend, composed of its parts (built and joined in
// node-wiring): the links to the broker (broker-link), the handlers and their dispatcher
// (node-api), publishing (node-publishing), what arrives (inbound), discovery, the reporter,
// logging (logging-wiring), the embedded broker and hosted parts such as the WebSocket API
// (node-parts).
import { z } from "../codec/broker/types.js";
import { ConfigError } from "../errors.js";
import type { Log, LogReceiver, LogSender, LogStream } from "../logging/index.js";
import type { MetricsRegistry } from "../telemetry/registry.js";
import type { ClusterTelemetry, ZeroMqMetrics } from "../telemetry/zeek-metrics.js";
import type { BrokerLink } from "./broker-link.js";
import type { BrokerThread } from "./broker-thread.js";
import { startEmbeddedBroker, type EmbeddedBroker } from "./embedded-broker.js";
import type { Inbound } from "./inbound.js";
import type { ClusterLayout, PoolType } from "./layout.js";
import { startNodeLogging, type StartedNodeLogging } from "./logging-wiring.js";
import { readyWithin, type HandlerReports, type StartOptions } from "./node-api.js";
import type { NodeDiscovery } from "./node-discovery.js";
import { nodeStartHooks, type NodeHostContext } from "./node-parts.js";
import { NodePublishing } from "./node-publishing.js";
import type { NodeReporter } from "./node-reporter.js";
import type { ClusterNodeConfig, EventFormat } from "./node-types.js";
import { wireNode } from "./node-wiring.js";
import type { NodeOptions } from "./options.js";
import type { Pool } from "./pools.js";
import type { Publisher } from "./publisher.js";
import { readyTopic } from "./topics.js";

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
  private readonly link: BrokerLink;
  /** @internal */
  protected readonly prefix: string;
  /** @internal */
  protected readonly publisher: Publisher;
  private readonly inbound: Inbound;
  private readonly reporter: NodeReporter;
  private readonly discovery: NodeDiscovery | undefined;
  /** @internal */
  protected readonly reports: HandlerReports;
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
    const parts = wireNode(cfg, {
      events: this,
      dispatcher: this.dispatcher,
      publish: (topic, decl, args) => this.publish(topic, decl, args),
      clusterLog: (message) => this.clusterLine(message),
      fatal: (m) => this.fatal(m),
    });
    this.prefix = parts.prefix;
    this.options = parts.options;
    this.eventFormat = parts.eventFormat;
    this.nodeId = parts.nodeId;
    this.registry = parts.registry;
    this.metrics = parts.metrics;
    this.telemetry = parts.telemetry;
    this.reporter = parts.reporter;
    this.link = parts.link;
    this.pools = parts.pools;
    this.publisher = parts.publisher;
    this.discovery = parts.discovery;
    this.inbound = parts.inbound;
    this.reports = parts.reports;
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
      this.logging = await startNodeLogging({ node: this, config: this.cfg.logging ?? {}, layout: this.cfg.layout, report: (m) => this.reporter.warn(m) });
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
    return this.cfg.layout?.nodes.find((n) => n.name === this.name);
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
