// Options of a WebSocket API server: Zeek's `Cluster::WebSocketServerOptions` and
// `Cluster::WebSocketTLSOptions` (base/frameworks/cluster/types.zeek) under their names in camelCase
// with Zeek's defaults, plus the bounds zeek-zmq adds (every per-peer resource has one). The
// layout's `websocket:` entry may spell them as Zeek does (`listen_port`, `tls_options`).
import { isIP } from "node:net";
import type { EventDecl } from "../codec/broker/typed.js";
import { ConfigError } from "../errors.js";

/** `Cluster::WebSocketTLSOptions`: TLS is on when both certFile and keyFile are set. */
export interface WebSocketTlsOptions {
  /** `cert_file`: PEM certificate (chain) file. */
  readonly certFile?: string;
  /** `key_file`: PEM private key file. */
  readonly keyFile?: string;
  /** `enable_peer_verification`: require client certificates signed by `caFile`. @default false */
  readonly enablePeerVerification?: boolean;
  /** `ca_file`: CA bundle for peer verification; "" = the system's CAs. @default "" */
  readonly caFile?: string;
  /** `ciphers`: OpenSSL cipher list; "" = Node's defaults. @default "" */
  readonly ciphers?: string;
}

/** What the host does with an event whose declaration it does not know. */
export type UnknownEventPolicy = "forward" | "reject";

/** `Cluster::Telemetry::Type` values that apply to WebSocket backends. */
export type WebSocketMetricsType = "INFO" | "VERBOSE";

export interface WebSocketServerOptions {
  /** `listen_addr`: the address to listen on (an IP address). @default "127.0.0.1" */
  readonly listenAddr?: string;
  /** `listen_port`: the TCP port; 0 picks a free one (see `server.port`). */
  readonly listenPort: number;
  /**
   * `max_event_queue_size` (`Cluster::default_websocket_max_event_queue_size`): events of one
   * client waiting to be published (before the ack, or while its XPUB is at its HWM). When it
   * is reached the client is stalled, not dropped, as Zeek does: its socket is not read until
   * the queue drains (zeek_cluster_onloop_queue_blocks_total counts it). 0 = unlimited. @default 32
   */
  readonly maxEventQueueSize?: number;
  /**
   * `ping_interval` in seconds (`Cluster::default_websocket_ping_interval`): a WebSocket ping
   * every interval; a client that has not answered the previous one by then is closed with
   * 1011 "Ping timeout". Negative disables pings; fractions are cut, as Zeek does (so < 1 s is
   * off). @default 5
   */
  readonly pingInterval?: number;
  /** `tls_options`. @default TLS off */
  readonly tls?: WebSocketTlsOptions;
  /** Event declarations the host knows besides those it handles: clients' events are checked against them. */
  readonly events?: readonly EventDecl<readonly unknown[]>[];
  /**
   * An event without a declaration on the host: "forward" publishes it as the self-describing
   * Broker value it is; "reject" answers `failed to create Zeek event`, as Zeek does (Zeek needs
   * every declaration). @default "forward"
   */
  readonly unknownEvents?: UnknownEventPolicy;
  /** `Cluster::Telemetry::websocket_metrics`. @default ["INFO"] */
  readonly metrics?: readonly WebSocketMetricsType[];
  /** The version in the ack: the Zeek version whose WebSocket API this speaks. @default "8.2.2" */
  readonly version?: string;
  /** zeek-zmq bound: connected clients (Zeek: 100); more are refused with HTTP 503. @default 100 */
  readonly maxClients?: number;
  /** zeek-zmq bound: topics in a client's subscription message. @default 1000 */
  readonly maxSubscriptions?: number;
  /** zeek-zmq bound: bytes of one client message; larger ones close the client (1009). @default 16 MiB */
  readonly maxMessageSize?: number;
  /**
   * zeek-zmq bound: bytes buffered towards one client (a client that does not read). Events
   * beyond it are dropped for that client and counted (zeek_zmq_websocket_dropped_events_total);
   * pings then close a client that stopped reading altogether. @default 16 MiB
   */
  readonly maxBufferedBytes?: number;
  /** zeek-zmq bound: seconds for a connection to complete the (TLS and) HTTP upgrade. @default 3 (IXWebSocket's) */
  readonly handshakeTimeout?: number;
  /**
   * zeek-zmq bound: seconds from the upgrade to the ack. A client that sent no valid subscription
   * message by then is closed with 1008 "Idle timeout"; one whose subscriptions did not become
   * active (no broker) with 1011. 0 = no limit. @default 30
   */
  readonly idleTimeout?: number;
}

/** Every option resolved. */
export interface ResolvedWebSocketOptions {
  readonly listenAddr: string;
  readonly listenPort: number;
  readonly maxEventQueueSize: number;
  /** Whole seconds; <= 0 means no pings. */
  readonly pingInterval: number;
  readonly tls: Required<WebSocketTlsOptions> | undefined;
  readonly events: readonly EventDecl<readonly unknown[]>[];
  readonly unknownEvents: UnknownEventPolicy;
  readonly metrics: readonly WebSocketMetricsType[];
  readonly version: string;
  readonly maxClients: number;
  readonly maxSubscriptions: number;
  readonly maxMessageSize: number;
  readonly maxBufferedBytes: number;
  readonly handshakeTimeout: number;
  readonly idleTimeout: number;
}

/** `Cluster::default_websocket_max_event_queue_size`. */
export const DEFAULT_WEBSOCKET_MAX_EVENT_QUEUE_SIZE = 32;
/** `Cluster::default_websocket_ping_interval`, seconds. */
export const DEFAULT_WEBSOCKET_PING_INTERVAL = 5;
/** The Zeek version whose WebSocket API this implements (sent in the ack). */
export const ZEEK_VERSION = "8.2.2";

export const WEBSOCKET_DEFAULTS = Object.freeze({
  listenAddr: "127.0.0.1",
  maxEventQueueSize: DEFAULT_WEBSOCKET_MAX_EVENT_QUEUE_SIZE,
  pingInterval: DEFAULT_WEBSOCKET_PING_INTERVAL,
  unknownEvents: "forward" as UnknownEventPolicy,
  metrics: Object.freeze(["INFO"]) as readonly WebSocketMetricsType[],
  version: ZEEK_VERSION,
  maxClients: 100,
  maxSubscriptions: 1000,
  maxMessageSize: 16 * 1024 * 1024,
  maxBufferedBytes: 16 * 1024 * 1024,
  handshakeTimeout: 3,
  idleTimeout: 30,
});

function fail(where: string, option: string, detail: string): never {
  throw new ConfigError(where === "" ? option : `${where}: ${option}`, detail);
}

function integer(where: string, name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) fail(where, name, `must be an integer ${min}..${max}, got ${JSON.stringify(v)}`);
  return v;
}

function seconds(where: string, name: string, v: unknown, allowNegative: boolean): number {
  if (typeof v !== "number" || !Number.isFinite(v) || (!allowNegative && v < 0)) fail(where, name, `must be a number of seconds${allowNegative ? "" : " >= 0"}, got ${JSON.stringify(v)}`);
  return v;
}

function text(where: string, name: string, v: unknown): string {
  if (typeof v !== "string") fail(where, name, `must be a string, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Validates options and fills in the defaults. `where` prefixes error messages (e.g. the layout
 * file and node). TLS: both files or neither, as Zeek requires ("Invalid tls_options: ...").
 */
export function resolveWebSocketOptions(o: WebSocketServerOptions, where = "listen_websocket"): ResolvedWebSocketOptions {
  if (typeof o !== "object" || o === null) fail(where, "options", "must be an object { listenAddr, listenPort, ... }");
  const d = WEBSOCKET_DEFAULTS;
  const listenAddr = text(where, "listen_addr", o.listenAddr ?? d.listenAddr);
  if (isIP(listenAddr) === 0) fail(where, "listen_addr", `must be an IP address (Zeek: "WebSocket: Host is not a valid IP"), got ${JSON.stringify(listenAddr)}`);
  if (o.listenPort === undefined) fail(where, "listen_port", "is required (0 picks a free port)");
  const listenPort = integer(where, "listen_port", o.listenPort, 0, 65535);
  let tls: Required<WebSocketTlsOptions> | undefined;
  if (o.tls !== undefined) {
    const t = o.tls;
    if (typeof t !== "object" || t === null) fail(where, "tls_options", "must be an object { certFile, keyFile, ... }");
    const haveCert = t.certFile !== undefined;
    const haveKey = t.keyFile !== undefined;
    if (haveCert !== haveKey) fail(where, "tls_options", `Invalid tls_options: No ${haveCert ? "key_file" : "cert_file"} field (TLS needs both cert_file and key_file)`);
    if (haveCert) {
      const ev = t.enablePeerVerification ?? false;
      if (typeof ev !== "boolean") fail(where, "tls_options.enable_peer_verification", `must be true or false, got ${JSON.stringify(ev)}`);
      tls = {
        certFile: text(where, "tls_options.cert_file", t.certFile),
        keyFile: text(where, "tls_options.key_file", t.keyFile),
        enablePeerVerification: ev,
        caFile: text(where, "tls_options.ca_file", t.caFile ?? ""),
        ciphers: text(where, "tls_options.ciphers", t.ciphers ?? ""),
      };
    }
  }
  const unknownEvents = o.unknownEvents ?? d.unknownEvents;
  if (unknownEvents !== "forward" && unknownEvents !== "reject") fail(where, "unknown_events", `must be "forward" or "reject", got ${JSON.stringify(unknownEvents)}`);
  const metrics = o.metrics ?? d.metrics;
  if (!Array.isArray(metrics) || metrics.some((m) => m !== "INFO" && m !== "VERBOSE")) fail(where, "websocket_metrics", `must be a list of "INFO" and "VERBOSE", got ${JSON.stringify(metrics)}`);
  const events = o.events ?? [];
  if (!Array.isArray(events)) fail(where, "events", "must be a list of event declarations");
  return {
    listenAddr,
    listenPort,
    maxEventQueueSize: integer(where, "max_event_queue_size", o.maxEventQueueSize ?? d.maxEventQueueSize, 0),
    // Zeek: static_cast<int>(ping_interval) for >= 0, -1 for negative intervals.
    pingInterval: Math.trunc(seconds(where, "ping_interval", o.pingInterval ?? d.pingInterval, true)),
    tls,
    events,
    unknownEvents,
    metrics,
    version: text(where, "version", o.version ?? d.version),
    maxClients: integer(where, "max_clients", o.maxClients ?? d.maxClients, 1),
    maxSubscriptions: integer(where, "max_subscriptions", o.maxSubscriptions ?? d.maxSubscriptions, 0),
    maxMessageSize: integer(where, "max_message_size", o.maxMessageSize ?? d.maxMessageSize, 64),
    maxBufferedBytes: integer(where, "max_buffered_bytes", o.maxBufferedBytes ?? d.maxBufferedBytes, 1024),
    handshakeTimeout: seconds(where, "handshake_timeout", o.handshakeTimeout ?? d.handshakeTimeout, false),
    idleTimeout: seconds(where, "idle_timeout", o.idleTimeout ?? d.idleTimeout, false),
  };
}

/** True when two resolved option sets describe the same server (Zeek: listening twice with equal options is a no-op). */
export function sameWebSocketOptions(a: ResolvedWebSocketOptions, b: ResolvedWebSocketOptions): boolean {
  const { tls: ta, events: ea, metrics: ma, ...ra } = a;
  const { tls: tb, events: eb, metrics: mb, ...rb } = b;
  const same = (x: object | undefined, y: object | undefined) => JSON.stringify(x) === JSON.stringify(y);
  return same(ra, rb) && same(ta, tb) && same(ma, mb) && ea.length === eb.length && ea.every((e, i) => e === eb[i]);
}

// The keys of a layout's `websocket:` entry, Zeek's spelling first.
const KEYS: Readonly<Record<string, keyof WebSocketServerOptions>> = {
  listen_addr: "listenAddr",
  listenAddr: "listenAddr",
  listen_port: "listenPort",
  listenPort: "listenPort",
  max_event_queue_size: "maxEventQueueSize",
  maxEventQueueSize: "maxEventQueueSize",
  ping_interval: "pingInterval",
  pingInterval: "pingInterval",
  tls_options: "tls",
  tls: "tls",
  unknown_events: "unknownEvents",
  unknownEvents: "unknownEvents",
  websocket_metrics: "metrics",
  metrics: "metrics",
  max_clients: "maxClients",
  maxClients: "maxClients",
  max_subscriptions: "maxSubscriptions",
  maxSubscriptions: "maxSubscriptions",
  max_message_size: "maxMessageSize",
  maxMessageSize: "maxMessageSize",
  max_buffered_bytes: "maxBufferedBytes",
  maxBufferedBytes: "maxBufferedBytes",
  handshake_timeout: "handshakeTimeout",
  handshakeTimeout: "handshakeTimeout",
  idle_timeout: "idleTimeout",
  idleTimeout: "idleTimeout",
};

const TLS_KEYS: Readonly<Record<string, keyof WebSocketTlsOptions>> = {
  cert_file: "certFile",
  certFile: "certFile",
  key_file: "keyFile",
  keyFile: "keyFile",
  enable_peer_verification: "enablePeerVerification",
  enablePeerVerification: "enablePeerVerification",
  ca_file: "caFile",
  caFile: "caFile",
  ciphers: "ciphers",
};

/** Parses "27759", "27759/tcp" or a number (Zeek writes ports as `27759/tcp`). */
function portValue(v: unknown): unknown {
  if (typeof v !== "string") return v;
  const m = /^\s*(\d{1,5})(?:\/tcp)?\s*$/.exec(v);
  return m ? Number(m[1]) : v;
}

/** Interval text as Zeek writes it ("5 sec", "2secs", "500 msec") or a number of seconds. */
function intervalValue(v: unknown): unknown {
  if (typeof v !== "string") return v;
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(usecs?|msecs?|secs?|mins?|hrs?|days?)?\s*$/.exec(v);
  if (!m) return v;
  const unit: Record<string, number> = { usec: 1e-6, msec: 1e-3, sec: 1, min: 60, hr: 3600, day: 86400 };
  return Number(m[1]) * (m[2] ? unit[m[2].replace(/s$/, "")]! : 1);
}

/**
 * Options from a plain object, as a layout's `websocket:` entry holds them (JSON/YAML): Zeek's
 * names (`listen_port: 27759/tcp`, `ping_interval: 5 sec`, `tls_options: {cert_file, key_file}`)
 * or the camelCase ones. Unknown keys are errors naming `where`.
 */
export function websocketOptionsFromObject(raw: unknown, where: string): WebSocketServerOptions {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail(where, "websocket", "must be a map of WebSocket server options (listen_addr, listen_port, ...)");
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const key = KEYS[k];
    if (key === undefined) fail(where, `websocket.${k}`, `unknown option (known: ${Object.keys(KEYS).filter((x) => x.includes("_") || !/[A-Z]/.test(x)).join(", ")})`);
    if (key === "tls") {
      if (typeof v !== "object" || v === null || Array.isArray(v)) fail(where, "websocket.tls_options", "must be a map { cert_file, key_file, ... }");
      const tls: Record<string, unknown> = {};
      for (const [tk, tv] of Object.entries(v)) {
        const t = TLS_KEYS[tk];
        if (t === undefined) fail(where, `websocket.tls_options.${tk}`, "unknown option (known: cert_file, key_file, enable_peer_verification, ca_file, ciphers)");
        tls[t] = tv;
      }
      out[key] = tls;
    } else if (key === "listenPort") out[key] = portValue(v);
    else if (key === "pingInterval" || key === "handshakeTimeout" || key === "idleTimeout") out[key] = intervalValue(v);
    else out[key] = v;
  }
  return out as unknown as WebSocketServerOptions;
}
