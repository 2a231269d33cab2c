// Telemetry of WebSocket servers under Zeek's names (src/cluster/Telemetry.cc with name
// "websocket" and the static label app=<X-Application-Name or "unknown">): INFO gives
// zeek_cluster_websocket_{outgoing,incoming}_events_total{app}, VERBOSE adds
// zeek_cluster_websocket_verbose_{outgoing,incoming}_events_total{app,topic,handler}. Outgoing
// = published by a client into the cluster, incoming = delivered to a client. Zeek's
// zeek_cluster_onloop_queue_blocks_total{tag="WebSocketEventDispatcher:<addr>:<port>"} counts
// stalled clients. Labels come from peers, so the number of series is bounded.
import { type Counter, type CounterFamily, type Gauge, MetricsRegistry } from "../telemetry/registry.js";
import { limitHits, normalizeTopic } from "../telemetry/zeek-metrics.js";
import type { WebSocketMetricsType } from "./options.js";

/** Distinct app label values; later applications share OVERFLOW_LABEL. */
export const MAX_APP_LABELS = 100;
/** VERBOSE series (app, topic, handler) per direction; later ones are not counted. */
export const MAX_VERBOSE_SERIES = 1000;
export const OVERFLOW_LABEL = "__overflow__";

/** The counters of one application (app label). */
export interface AppCounters {
  readonly outgoing: Counter | undefined;
  readonly incoming: Counter | undefined;
  readonly app: string;
}

export class WebSocketTelemetry {
  /** Clients connected (upgraded) right now: zeek_zmq_websocket_clients{server}. */
  readonly clients: Gauge;
  /** Events dropped for clients that did not read (max_buffered_bytes): zeek_zmq_websocket_dropped_events_total{server}. */
  readonly droppedEvents: Counter;
  /** Zeek's zeek_cluster_onloop_queue_blocks_total{tag="WebSocketEventDispatcher:<addr>:<port>"}. */
  readonly queueBlocks: Counter;
  private readonly info: boolean;
  private readonly outVerbose: CounterFamily | undefined;
  private readonly inVerbose: CounterFamily | undefined;
  private readonly apps = new Map<string, AppCounters>();
  private readonly verboseSeries = [new Map<string, Counter>(), new Map<string, Counter>()];
  private readonly appLimit: Counter;
  private readonly verboseLimit: Counter;

  constructor(
    private readonly registry: MetricsRegistry,
    server: string,
    types: readonly WebSocketMetricsType[],
  ) {
    this.clients = registry.gauge("zeek_zmq_websocket_clients", "WebSocket clients connected", { server });
    this.droppedEvents = registry.counter("zeek_zmq_websocket_dropped_events", "Events not sent to WebSocket clients that had max_buffered_bytes unread", { server });
    this.queueBlocks = registry.counter("zeek_cluster_onloop_queue_blocks", "Increased whenever a cluster backend thread is blocked due to the OnLoop queue being full.", {
      tag: `WebSocketEventDispatcher:${server}`,
    });
    this.info = types.includes("INFO");
    if (types.includes("VERBOSE")) {
      const labels = ["app", "topic", "handler"];
      this.outVerbose = registry.counterFamily("zeek_cluster_websocket_verbose_outgoing_events", "Number of outgoing events with topic and handler information", labels);
      this.inVerbose = registry.counterFamily("zeek_cluster_websocket_verbose_incoming_events", "Number of incoming events with topic and handler information", labels);
    }
    this.appLimit = limitHits(registry, "websocket_app_labels");
    this.verboseLimit = limitHits(registry, "websocket_verbose_series");
  }

  /** The counters of application `app` ("unknown" without X-Application-Name, as Zeek labels it). */
  forApp(app: string): AppCounters {
    let c = this.apps.get(app);
    if (c !== undefined) return c;
    if (this.apps.size >= MAX_APP_LABELS) {
      this.appLimit.value++;
      app = OVERFLOW_LABEL;
      c = this.apps.get(app);
      if (c !== undefined) return c;
    }
    const labels = { app };
    c = {
      app,
      outgoing: this.info ? this.registry.counter("zeek_cluster_websocket_outgoing_events", "Number of outgoing events", labels) : undefined,
      incoming: this.info ? this.registry.counter("zeek_cluster_websocket_incoming_events", "Number of incoming events", labels) : undefined,
    };
    this.apps.set(app, c);
    return c;
  }

  get verbose(): boolean {
    return this.outVerbose !== undefined;
  }

  /** VERBOSE: an event on `topic` (normalised as Zeek does) with handler `name`. */
  verboseEvent(outgoing: boolean, app: string, topic: string, name: string): void {
    const fam = outgoing ? this.outVerbose : this.inVerbose;
    if (fam === undefined) return;
    const series = this.verboseSeries[outgoing ? 0 : 1]!;
    const norm = normalizeTopic(topic);
    if (norm === "") return;
    const key = `${app}\0${norm}\0${name}`;
    let c = series.get(key);
    if (c === undefined) {
      if (series.size >= MAX_VERBOSE_SERIES) {
        this.verboseLimit.value++;
        return;
      }
      series.set(key, (c = fam.withLabels([app, norm, name])));
    }
    c.value++;
  }
}
