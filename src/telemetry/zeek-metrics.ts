// Zeek's cluster metrics under Zeek's names (src/cluster/backend/zeromq/ZeroMQ.cc,
// src/cluster/Telemetry.cc, base/frameworks/cluster/telemetry.zeek; wire.md §6.1).

import { type Counter, type CounterFamily, LIMIT_HITS_HELP, LIMIT_HITS_NAME, MetricsRegistry } from "./registry.js";

/** A registry labelled like Zeek's: every series carries `node="<Cluster::node>"` (Telemetry::metrics_endpoint_label). */
export function zeekRegistry(nodeName?: string): MetricsRegistry {
  return new MetricsRegistry(nodeName === undefined || nodeName === "" ? {} : { constLabels: { node: nodeName } });
}

/** The ZeroMQ backend's own counters. Bump `.value` directly on hot paths. */
export class ZeroMqMetrics {
  /** `zeek_cluster_zeromq_xpub_drops_total`: publications abandoned on EAGAIN at the XPUB HWM. */
  readonly xpubDrops: Counter;
  /** `zeek_cluster_zeromq_onloop_drops_total`: received events dropped, onloop queue full. */
  readonly onloopDrops: Counter;
  /** `zeek_cluster_zeromq_msg_errors_total`: messages with the wrong number of parts. */
  readonly msgErrors: Counter;

  constructor(registry: MetricsRegistry) {
    this.xpubDrops = registry.counter("zeek_cluster_zeromq_xpub_drops", "Number of published events dropped due to XPUB socket HWM.");
    this.onloopDrops = registry.counter("zeek_cluster_zeromq_onloop_drops", "Number of received events dropped due to OnLoop queue full.");
    this.msgErrors = registry.counter("zeek_cluster_zeromq_msg_errors", "Number of events with the wrong number of message parts.");
  }
}

/** Name and help of the proxy counters, in zmq_proxy STATISTICS order. */
export const PROXY_STATISTICS: readonly (readonly [name: string, help: string])[] = (["frontend", "backend"] as const).flatMap((side) =>
  (["received", "sent"] as const).flatMap((dir) =>
    (["messages", "bytes"] as const).map((what) => [`zeek_cluster_zeromq_proxy_${side}_${what}_${dir}`, `Number of ${what} ${dir} by the ${side} socket`] as const),
  ),
);

/**
 * The broker's (Zeek's proxy thread) statistics, in zmq_proxy STATISTICS order. As in libzmq,
 * "messages" count frames. Frontend = the broker's XSUB, backend = its XPUB.
 */
export class ProxyMetrics {
  readonly frontendMessagesReceived: Counter;
  readonly frontendBytesReceived: Counter;
  readonly frontendMessagesSent: Counter;
  readonly frontendBytesSent: Counter;
  readonly backendMessagesReceived: Counter;
  readonly backendBytesReceived: Counter;
  readonly backendMessagesSent: Counter;
  readonly backendBytesSent: Counter;

  constructor(registry: MetricsRegistry) {
    const [fmr, fbr, fms, fbs, bmr, bbr, bms, bbs] = PROXY_STATISTICS.map(([name, help]) => registry.counter(name, help)) as [Counter, Counter, Counter, Counter, Counter, Counter, Counter, Counter];
    this.frontendMessagesReceived = fmr;
    this.frontendBytesReceived = fbr;
    this.frontendMessagesSent = fms;
    this.frontendBytesSent = fbs;
    this.backendMessagesReceived = bmr;
    this.backendBytesReceived = bbr;
    this.backendMessagesSent = bms;
    this.backendBytesSent = bbs;
  }

  /** The 8 values in STATISTICS order. */
  statistics(): number[] {
    return [
      this.frontendMessagesReceived.value, this.frontendBytesReceived.value, this.frontendMessagesSent.value, this.frontendBytesSent.value,
      this.backendMessagesReceived.value, this.backendBytesReceived.value, this.backendMessagesSent.value, this.backendBytesSent.value,
    ];
  }
}

/** `Cluster::Telemetry::topic_normalizations` as the ZeroMQ backend extends it, in order; first match wins. */
export const ZEROMQ_TOPIC_NORMALIZATIONS: readonly (readonly [RegExp, string])[] = Object.freeze([
  [/^zeek\/cluster\/nodeid\/.*/, "zeek/cluster/nodeid/__normalized__"],
  [/^zeek\.cluster\.nodeid\..*/, "zeek.cluster.nodeid.__normalized__"],
] as const);

/** Zeek's TableTopicNormalizer: the first matching pattern's replacement, else the topic. "" means "do not count". */
export function normalizeTopic(topic: string, normalizations: readonly (readonly [RegExp, string])[] = ZEROMQ_TOPIC_NORMALIZATIONS): string {
  for (const [re, to] of normalizations) if (re.test(topic)) return to;
  return topic;
}

/** Zeek's `Cluster::Telemetry::Type`: what `Cluster::Telemetry::core_metrics` may contain. */
export type CoreMetricsType = "INFO" | "VERBOSE";
/** Zeek's default: `Cluster::Telemetry::core_metrics = { INFO }` (no per-topic series). */
export const DEFAULT_CORE_METRICS: readonly CoreMetricsType[] = Object.freeze(["INFO"]);

export interface ClusterTelemetryOptions {
  /** Zeek's INFO level (on by default in Zeek): unlabelled totals. @default true */
  info?: boolean;
  /**
   * Zeek's VERBOSE level (Zeek: `redef Cluster::Telemetry::core_metrics += { VERBOSE }`): one
   * series per normalised topic and handler. Off by default, as in Zeek: topics and event names
   * come from peers. @default false
   */
  verbose?: boolean;
  /** VERBOSE: series per direction; further topic/handler pairs count in the overflow series. @default the registry's cap (10000) */
  maxSeries?: number;
  normalizations?: readonly (readonly [RegExp, string])[];
}

/** Topics longer than this are normalised on every sighting instead of being cached (the cache holds topics). */
const NORM_CACHE_MAX_TOPIC = 1024;
const NORM_CACHE_SIZE = 4096;

/**
 * Zeek's core cluster telemetry: `zeek_cluster_core_{outgoing,incoming}_events_total` (INFO) and
 * `zeek_cluster_core_verbose_{outgoing,incoming}_events_total{topic,handler}` (VERBOSE), topics
 * normalised so unique nodeid topics share one series. VERBOSE series are capped (maxSeries):
 * beyond the cap, events count in `{topic="__overflow__",handler="__overflow__"}` and the refusal
 * in `zeek_zmq_limit_hits_total{reason="max_metric_series"}`.
 */
export class ClusterTelemetry {
  private readonly outInfo: Counter | undefined;
  private readonly inInfo: Counter | undefined;
  private readonly outVerbose: CounterFamily | undefined;
  private readonly inVerbose: CounterFamily | undefined;
  private readonly normalizations: readonly (readonly [RegExp, string])[];
  // raw topic -> normalised topic; bounded in entries and in the length of the topics it keeps.
  private readonly normCache = new Map<string, string>();
  // normalised topic -> handler -> series; only real series (never the overflow), so bounded by the cap.
  private readonly outSeries = new Map<string, Map<string, Counter>>();
  private readonly inSeries = new Map<string, Map<string, Counter>>();

  constructor(registry: MetricsRegistry, opts: ClusterTelemetryOptions = {}) {
    this.normalizations = opts.normalizations ?? ZEROMQ_TOPIC_NORMALIZATIONS;
    if (opts.info ?? true) {
      this.outInfo = registry.counter("zeek_cluster_core_outgoing_events", "Number of outgoing events");
      this.inInfo = registry.counter("zeek_cluster_core_incoming_events", "Number of incoming events");
    }
    if (opts.verbose ?? false) {
      const labels = ["topic", "handler"];
      this.outVerbose = registry.counterFamily("zeek_cluster_core_verbose_outgoing_events", "Number of outgoing events with topic and handler information", labels, opts.maxSeries);
      this.inVerbose = registry.counterFamily("zeek_cluster_core_verbose_incoming_events", "Number of incoming events with topic and handler information", labels, opts.maxSeries);
    }
  }

  /** True if the per-topic (VERBOSE) series are kept. */
  get verbose(): boolean {
    return this.inVerbose !== undefined;
  }

  /** An event published to `topic` (handler = the event's name, e.g. "Cluster::hello"). */
  onOutgoingEvent(topic: string, handler: string): void {
    if (this.outInfo) this.outInfo.value++;
    if (this.outVerbose) this.bump(this.outVerbose, this.outSeries, topic, handler);
  }

  /** An event received on `topic`. */
  onIncomingEvent(topic: string, handler: string): void {
    if (this.inInfo) this.inInfo.value++;
    if (this.inVerbose) this.bump(this.inVerbose, this.inSeries, topic, handler);
  }

  // The last series bumped per direction: a stream of the same event on the same topic (the
  // common case) costs no map lookups.
  private lastOut: { topic: string; handler: string; c: Counter | undefined } = { topic: "", handler: "", c: undefined };
  private lastIn: { topic: string; handler: string; c: Counter | undefined } = { topic: "", handler: "", c: undefined };

  private bump(fam: CounterFamily, series: Map<string, Map<string, Counter>>, topic: string, handler: string): void {
    const last = series === this.outSeries ? this.lastOut : this.lastIn;
    if (last.c !== undefined && last.topic === topic && last.handler === handler) {
      last.c.value++;
      return;
    }
    let norm = this.normCache.get(topic);
    if (norm === undefined) {
      norm = normalizeTopic(topic, this.normalizations);
      if (topic.length <= NORM_CACHE_MAX_TOPIC) {
        if (this.normCache.size >= NORM_CACHE_SIZE) this.normCache.clear();
        this.normCache.set(topic, norm);
      }
    }
    if (norm === "") return;
    let c = series.get(norm)?.get(handler);
    if (c === undefined) {
      c = fam.withLabels([norm, handler]);
      if (!fam.isOverflow(c)) {
        let byHandler = series.get(norm);
        if (byHandler === undefined) series.set(norm, (byHandler = new Map()));
        byHandler.set(handler, c);
      }
    }
    c.value++;
    last.topic = topic;
    last.handler = handler;
    last.c = c;
  }
}

/**
 * zeek-zmq's own counter of resource limits hit by peers (hostile or broken):
 * `zeek_zmq_limit_hits_total{reason="<limit>"}`, one series per limit, named after the option
 * that sets it (e.g. `max_subscriptions_per_peer`). Every component counts here: broker, node, logger.
 */
export function limitHits(registry: MetricsRegistry, reason: string): Counter {
  return registry.counter(LIMIT_HITS_NAME, LIMIT_HITS_HELP, { reason });
}
