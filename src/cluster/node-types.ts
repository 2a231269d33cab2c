// The public shapes of a cluster node: its configuration, its events, Zeek's cluster events.
import { FORMAT as BIN_FORMAT } from "../codec/broker/bin.js";
import type { ZeekEvent } from "../codec/broker/event.js";
import { FORMAT as JSON_FORMAT } from "../codec/broker/json.js";
import { defineEvent } from "../codec/broker/typed.js";
import { z } from "../codec/broker/types.js";
import type { NodeLoggingConfig } from "./logging-wiring.js";
import type { MetricsRegistry } from "../telemetry/registry.js";
import type { ClusterLayout } from "./layout.js";
import type { NodeOptions } from "./options.js";

export type EventFormat = typeof BIN_FORMAT | typeof JSON_FORMAT;

/** Zeek's own cluster events. */
export const ZEROMQ_HELLO = defineEvent("Cluster::Backend::ZeroMQ::hello", [z.string, z.string], ["name", "id"]);
export const CLUSTER_HELLO = defineEvent("Cluster::hello", [z.string, z.string], ["name", "id"]);

export interface ClusterNodeConfig {
  /** `Cluster::node`: this node's name (in the layout, when there is one). */
  name: string;
  /** The cluster layout; with it the node subscribes like a Zeek node of its role and runs discovery. */
  layout?: ClusterLayout;
  /** Resolved backend options (defaults: Zeek's). */
  options?: Partial<NodeOptions>;
  /** `Cluster::event_serializer` for publishing. @default "broker-bin-v1" */
  eventFormat?: EventFormat;
  /** Take part in the hello handshake. @default true when `layout` names this node */
  discovery?: boolean;
  /** Metrics registry to register Zeek's counters in. @default a new one */
  registry?: MetricsRegistry;
  /** Fixed node id (tests); default `zeromq_<name>_<host>_<pid>_<unique>`. */
  nodeId?: string;
  /**
   * Where this node's own logs and, on a log receiver (listen_log_endpoint set), received logs are
   * written. Nodes with connect_log_endpoints send their logs there instead. `dir` and `format`
   * override the options log_dir and log_format (which, with log_json_paths, log_suffix and the
   * rotation options, configure the files). @default from the options
   */
  logging?: NodeLoggingConfig;
}

export interface ClusterNodeEvents {
  /** run_proxy_thread: the embedded broker is bound (real endpoints, connectable). */
  broker: [endpoints: { xpub: string; xsub: string }];
  node_up: [name: string, id: string];
  node_down: [name: string, id: string];
  subscription: [topic: string];
  unsubscription: [topic: string];
  /**
   * The XPUB has room again after publish() returned false at xpub_sndhwm (with
   * connect_xpub_nodrop): a publisher that must not lose events retries then.
   */
  drain: [];
  /**
   * Zeek 8.2's monitoring_event for the node's client sockets (xpub, xsub, log-push): connected,
   * disconnected, handshake succeeded / failed with its reason.
   */
  monitoring_event: [event: MonitoringEvent];
  /**
   * A fatal configuration error (Zeek: Reporter::fatal), e.g. a CURVE authentication failure.
   * The node closes itself; without a listener the message is printed as a reporter error.
   */
  fatal: [message: string];
  /** Zeek's Reporter::warning / Reporter::error; printed to stderr when nobody listens. */
  reporter_warning: [message: string];
  reporter_error: [message: string];
  /** close() has begun: iterations of node.events() end. */
  closed: [];
}

export interface MonitoringEvent {
  socket: "xpub" | "xsub" | "log-push";
  event: "connected" | "disconnected" | "handshake_succeeded" | "handshake_failed";
  endpoint: string;
  remote?: string;
  /** For handshake_failed: HandshakeError's reason (auth, crypto, mechanism-mismatch, ...). */
  reason?: string;
  /**
   * libzmq's ZMQ_EVENT_* number, as Zeek's `monitoring_event(number, value, address)` gets it:
   * 0x0001 connected, 0x0200 disconnected, 0x1000 handshake succeeded, 0x2000 handshake failed
   * (protocol), 0x4000 handshake failed (auth), 0x0800 handshake failed (no detail).
   */
  number: number;
  /** The event's value: the ZAP status for 0x4000, the ZMQ_PROTOCOL_ERROR_* code for 0x2000, else 0. */
  value: number;
  detail?: string;
}

/** An event as received, for handlers of any event (tools, bridges). */
export type AnyEventHandler = (topic: string, event: ZeekEvent, format: EventFormat) => unknown;
