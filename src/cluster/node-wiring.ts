// How a ClusterNode's parts are built from its config and joined to each other, before anything
// connects (what Zeek's ZeroMQ backend does when it is created and initialised): the options,
// the metrics and telemetry, the reporter, the links to the broker and what losing them means,
// the publish path, discovery, what arrives and where the dispatcher's reports go. start()
// connects the parts; close() stops them.
import type { EventEmitter } from "node:events";
import { FORMAT as BIN_FORMAT } from "../codec/broker/bin.js";
import type { EventDecl } from "../codec/broker/typed.js";
import type { MetricsRegistry } from "../telemetry/registry.js";
import { ClusterTelemetry, ZeroMqMetrics, zeekRegistry } from "../telemetry/zeek-metrics.js";
import { BrokerLink } from "./broker-link.js";
import type { EventDispatcher } from "./dispatcher.js";
import { Inbound } from "./inbound.js";
import { findNode, type PoolType } from "./layout.js";
import type { HandlerReports } from "./node-api.js";
import { NodeDiscovery } from "./node-discovery.js";
import { NodeReporter } from "./node-reporter.js";
import type { ClusterNodeConfig, ClusterNodeEvents, EventFormat } from "./node-types.js";
import { DEFAULT_NODE_OPTIONS, type NodeOptions } from "./options.js";
import { defaultPools, type Pool } from "./pools.js";
import { Publisher } from "./publisher.js";
import { makeNodeId } from "./topics.js";

/** @internal What the parts use of their node. */
export interface NodeWiringHost {
  /** Where the parts' events go (node_up, subscription, drain, monitoring_event, reporter_*). */
  readonly events: EventEmitter<ClusterNodeEvents>;
  /** The node's handler table: what arrives is dispatched there. */
  readonly dispatcher: EventDispatcher;
  /** The node's publish(), for discovery's hellos. */
  publish(topic: string, decl: EventDecl<readonly [string, string]>, args: readonly [string, string]): boolean;
  /** A line of Zeek's cluster.log. */
  clusterLog(message: string): void;
  /** A misconfiguration the node cannot work with (Reporter::fatal). */
  fatal(message: string): void;
}

/** @internal A node's parts, built and joined, not yet connected. */
export interface NodeWiring {
  /** `zeek-zmq[name]`, for errors and warnings. */
  readonly prefix: string;
  /** Zeek's defaults with the config's options over them. */
  readonly options: NodeOptions;
  readonly eventFormat: EventFormat;
  readonly nodeId: string;
  readonly registry: MetricsRegistry;
  readonly metrics: ZeroMqMetrics;
  readonly telemetry: ClusterTelemetry;
  readonly reporter: NodeReporter;
  readonly link: BrokerLink;
  /** With a layout only. */
  readonly pools: Readonly<Record<PoolType, Pool>> | undefined;
  readonly publisher: Publisher;
  /** With a layout, unless `cfg.discovery` is false; or with `cfg.discovery` true. */
  readonly discovery: NodeDiscovery | undefined;
  readonly inbound: Inbound;
  /** What the dispatcher and events() report, into the metrics, the reporter and discovery. */
  readonly reports: HandlerReports;
}

/**
 * @internal Builds the parts of node `cfg.name` (no socket connects). Throws ConfigError when
 * `cfg.layout` does not name `cfg.name`, before anything is built or registered.
 */
export function wireNode(cfg: ClusterNodeConfig, host: NodeWiringHost): NodeWiring {
  const prefix = `zeek-zmq[${cfg.name}]`;
  if (cfg.layout) findNode(cfg.layout, cfg.name); // a node the layout does not know is a ConfigError
  const o: NodeOptions = { ...DEFAULT_NODE_OPTIONS, ...cfg.options };
  const eventFormat = cfg.eventFormat ?? BIN_FORMAT;
  const nodeId = cfg.nodeId ?? makeNodeId(cfg.name);
  const idFrame = Buffer.from(nodeId, "utf8");
  const { events, dispatcher } = host;
  const registry = cfg.registry ?? zeekRegistry(cfg.name);
  const metrics = new ZeroMqMetrics(registry);
  const reporter = new NodeReporter(prefix, events, registry);
  // Zeek's Cluster::Telemetry::core_metrics (default {INFO}); VERBOSE series are capped.
  const telemetry = new ClusterTelemetry(registry, { info: o.coreMetrics.includes("INFO"), verbose: o.coreMetrics.includes("VERBOSE"), maxSeries: o.maxMetricSeries });
  reporter.watchSeriesCap(o.maxMetricSeries);
  const link = new BrokerLink(o, registry, prefix, {
    monitoring: (ev) => events.emit("monitoring_event", ev),
    fatal: (m) => host.fatal(m),
    warn: (m) => reporter.warn(m),
    // Losing the broker (restart, partition, our own freeze) loses every peer: Zeek would never
    // notice, because a libzmq XPUB keeps its seen subscriptions; we start discovery over so
    // node_up comes again once the broker replays the cluster's subscriptions.
    xpubLost: () => {
      inbound.seen.clear();
      discovery?.discovery.reset();
    },
    // Only the XSUB link went (the broker timed out our frozen process, say): every peer saw
    // node_down for us and greets us again; we drop them too and, once back, greet those our
    // XPUB still sees, so both sides meet again.
    xsubLost: () => discovery?.discovery.reset(),
    xsubBackAlone: () => inbound.rediscover(),
  });
  const pools = cfg.layout ? defaultPools(cfg.layout, cfg.name, o.nodeTopicPrefix) : undefined;
  const publisher = new Publisher(idFrame, eventFormat, link.xpub, metrics, telemetry, (m) => reporter.warn(m));
  const discovery =
    (cfg.discovery ?? cfg.layout !== undefined)
      ? new NodeDiscovery({
          name: cfg.name,
          nodeId,
          options: o,
          layout: cfg.layout,
          registry,
          pools,
          reporter,
          msgErrors: metrics.msgErrors,
          publish: (topic, decl, args) => host.publish(topic, decl, args),
          clusterLog: (message) => host.clusterLog(message),
          nodeUp: (n, id) => events.emit("node_up", n, id),
          nodeDown: (n, id) => events.emit("node_down", n, id),
        })
      : undefined;
  const inbound = new Inbound(link.xpub, link.xsub, idFrame, o, prefix, metrics, reporter, discovery?.discovery, {
    subscription: (topic) => events.emit("subscription", topic),
    unsubscription: (topic) => events.emit("unsubscription", topic),
    dispatch: (msg) => dispatcher.dispatch(msg),
  });
  registry.callbackGauge("zeek_zmq_onloop_queue_length", "Received events waiting in the onloop queue for their handlers", () => inbound.onloop.length);
  link.xpub.on("drain", () => events.emit("drain"));
  const reports: HandlerReports = {
    incoming: (topic, name) => telemetry.onIncomingEvent(topic, name),
    undecodable: (topic, format, sender, e) => {
      metrics.msgErrors.value++;
      reporter.undecodable(topic, format, sender, e);
    },
    handlerFailed: (name, e) => reporter.handlerFailed(name, e),
    discovery: (name, format, payload, event, msg) => discovery !== undefined && discovery.hello(name, format, payload, event, msg),
    eventsDropped: (name, max) => {
      metrics.onloopDrops.value++;
      reporter.peerWarnings.once(`events:${name}`, () => `events(${name}): the loop falls behind, ${max} events wait; further ones are dropped and counted in zeek_cluster_zeromq_onloop_drops_total`);
    },
  };
  return { prefix, options: o, eventFormat, nodeId, registry, metrics, telemetry, reporter, link, pools, publisher, discovery, inbound, reports };
}
