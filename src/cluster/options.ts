// Options of the ZeroMQ cluster backend under Zeek's names (camelCase), with Zeek's defaults
// (policy/frameworks/cluster/backend/zeromq/main.zeek; spec §5.3), merged from a config file,
// the environment and CLI flags. Precedence: CLI > env > file > layout-derived > default.

import { ConfigError } from "../errors.js";
import { SOCKET_DEFAULTS } from "../transport/index.js";
import { type ClusterLayout, brokerEndpoints, connectLogEndpoints, findNode, listenLogEndpoint } from "./layout.js";
import { OPTION_SPECS, type OptionSpec } from "./option-specs.js";
import { DEFAULT_INTERNAL_TOPIC_PREFIX, DEFAULT_NODE_TOPIC_PREFIX, DEFAULT_NODEID_TOPIC_PREFIX } from "./topics.js";

export { OPTION_SPECS, type OptionSpec } from "./option-specs.js";

/** Every backend option. Zeek names in the JSDoc; defaults are the seed's (Zeek 8.0 docs). */
export interface NodeOptions {
  /** `connect_xpub_endpoint`: where this node's XPUB connects (the broker's XSUB). @default "tcp://127.0.0.1:5556" */
  readonly connectXpubEndpoint: string;
  /** `connect_xsub_endpoint`: where this node's XSUB connects (the broker's XPUB). @default "tcp://127.0.0.1:5555" */
  readonly connectXsubEndpoint: string;
  /** `connect_log_endpoints`: PUSH targets. @default from the layout: all loggers (+ manager if manager_is_logger) */
  readonly connectLogEndpoints: readonly string[];
  /** `listen_log_endpoint`: PULL bind; "" = none. @default from the layout entry of a log receiver, else "" */
  readonly listenLogEndpoint: string;
  /** `run_proxy_thread`: run the XPUB/XSUB broker in this process. @default true on the manager only */
  readonly runProxyThread: boolean;
  /** `proxy_io_threads`: ZMQ_IO_THREADS of the broker's context (not honoured by the TS broker). @default 2 */
  readonly proxyIoThreads: number;
  /** `listen_xsub_endpoint`: broker XSUB bind. @default "tcp://127.0.0.1:5556" */
  readonly listenXsubEndpoint: string;
  /** `listen_xpub_endpoint`: broker XPUB bind. @default "tcp://127.0.0.1:5555" */
  readonly listenXpubEndpoint: string;
  /** `listen_xpub_nodrop`: ZMQ_XPUB_NODROP on the broker XPUB. @default true */
  readonly listenXpubNodrop: boolean;
  /** `linger_ms`: ZMQ_LINGER of the node XPUB and PUSH sockets (-1 = forever). @default 500 */
  readonly lingerMs: number;
  /** `xpub_sndhwm`: node XPUB send high-water mark (0 = unlimited). @default 1000 */
  readonly xpubSndhwm: number;
  /** `xpub_sndbuf`: SO_SNDBUF of the node XPUB (-1 = OS default; not honoured by Node). @default -1 */
  readonly xpubSndbuf: number;
  /** `xsub_rcvhwm`: node XSUB receive high-water mark (0 = unlimited). @default 1000 */
  readonly xsubRcvhwm: number;
  /** `xsub_rcvbuf`: SO_RCVBUF of the node XSUB (-1 = OS default; not honoured by Node). @default -1 */
  readonly xsubRcvbuf: number;
  /** `onloop_queue_hwm`: received events queued for the main loop before dropping (0 = unlimited). @default 10000 */
  readonly onloopQueueHwm: number;
  /** `log_immediate`: ZMQ_IMMEDIATE on the PUSH socket (queue only to connected loggers). @default false */
  readonly logImmediate: boolean;
  /** `log_sndhwm`: PUSH send high-water mark. @default 1000 */
  readonly logSndhwm: number;
  /** `log_rcvhwm`: PULL receive high-water mark. @default 1000 */
  readonly logRcvhwm: number;
  /** `log_sndbuf`: SO_SNDBUF of PUSH (-1 = OS default; not honoured by Node). @default -1 */
  readonly logSndbuf: number;
  /** `log_rcvbuf`: SO_RCVBUF of PULL (-1 = OS default; not honoured by Node). @default -1 */
  readonly logRcvbuf: number;
  /** `ipv6`: ZMQ_IPV6 (allow IPv6 endpoints). The seed (Zeek 8.0) says T; Zeek 8.2 changed it to F. @default true */
  readonly ipv6: boolean;
  /** `connect_xpub_nodrop`: ZMQ_XPUB_NODROP on the node XPUB (EAGAIN instead of silent drop at HWM). @default true */
  readonly connectXpubNodrop: boolean;
  /** `poll_max_messages`: messages taken per socket per poll round (0 = unlimited). @default 100 */
  readonly pollMaxMessages: number;
  /**
   * zeek-zmq extension `heartbeat_interval_ms`: ZMTP PING interval on every socket of the node
   * and the broker (ZMQ_HEARTBEAT_IVL), so a frozen or partitioned peer is detected. Zeek sets
   * none (libzmq still answers PINGs, so it works against Zeek peers). 0 = off. @default 0
   */
  readonly heartbeatIntervalMs: number;
  /** zeek-zmq extension `heartbeat_timeout_ms` (ZMQ_HEARTBEAT_TIMEOUT); -1 = the interval. @default -1 */
  readonly heartbeatTimeoutMs: number;
  /**
   * zeek-zmq extension `max_subscriptions_per_peer`: topics one node (a peer connected to the
   * broker's XPUB) may hold; further subscriptions are refused and counted. A Zeek node holds
   * about 10-30. 0 = no limit. @default 10000
   */
  readonly maxSubscriptionsPerPeer: number;
  /** zeek-zmq extension `max_topic_length`: longest subscription topic in bytes (broker XPUB); 0 = no limit. @default 4096 */
  readonly maxTopicLength: number;
  /** zeek-zmq extension `max_subscription_bytes`: estimated memory of the broker's subscription table; 0 = no limit. @default 33554432 (32 MiB) */
  readonly maxSubscriptionBytes: number;
  /**
   * zeek-zmq extension `max_subscription_backlog`: subscription changes the broker owes publishers
   * that do not read them, all together; beyond it the longest-stalled one is disconnected. 0 = no limit. @default 250000
   */
  readonly maxSubscriptionBacklog: number;
  /** zeek-zmq extension `max_connections`: connections per broker socket (ZMQ has none); 0 = no limit. @default 10000 */
  readonly maxConnections: number;
  /**
   * zeek-zmq extension `idle_ping_interval_ms`: without heartbeats, a peer of the broker silent
   * this long is sent a PING (libzmq always answers), and disconnected if it does not answer
   * within `idle_ping_timeout_ms`; 0 = off. @default 60000
   */
  readonly idlePingIntervalMs: number;
  /** zeek-zmq extension `idle_ping_timeout_ms`. @default 10000 */
  readonly idlePingTimeoutMs: number;
  /** `debug_flags`: bitmask printed to stderr, 1 = poll, 2 = thread. @default 0 */
  readonly debugFlags: number;
  /** `hello_expiration`, in seconds: how long unmatched hello/subscription state is kept. @default 10 */
  readonly helloExpiration: number;
  /** `internal_topic_prefix`: prefix of ready-to-publish topics. @default "zeek.zeromq.internal." */
  readonly internalTopicPrefix: string;
  /** `node_topic_prefix`. @default "zeek.cluster.node" */
  readonly nodeTopicPrefix: string;
  /** `nodeid_topic_prefix`. @default "zeek.cluster.nodeid" */
  readonly nodeidTopicPrefix: string;
  /** `curve_server_publickey` (Z85, 40 chars; "" = unset). @default "" */
  readonly curveServerPublickey: string;
  /** `curve_server_secretkey`. @default "" */
  readonly curveServerSecretkey: string;
  /** `curve_client_publickey`. @default "" */
  readonly curveClientPublickey: string;
  /** `curve_client_secretkey`. @default "" */
  readonly curveClientSecretkey: string;
  /** `Telemetry::metrics_port`: Prometheus endpoint port; undefined = off. @default undefined (layout's metricsPort if any) */
  readonly metricsPort: number | undefined;
  /** `Telemetry::metrics_address`. @default "127.0.0.1" */
  readonly metricsAddress: string;
}

export const DEFAULT_CONNECT_XPUB_ENDPOINT = "tcp://127.0.0.1:5556";
export const DEFAULT_CONNECT_XSUB_ENDPOINT = "tcp://127.0.0.1:5555";
export const DEFAULT_LISTEN_XSUB_ENDPOINT = "tcp://127.0.0.1:5556";
export const DEFAULT_LISTEN_XPUB_ENDPOINT = "tcp://127.0.0.1:5555";
export const DEFAULT_PROXY_IO_THREADS = 2;
export const DEFAULT_LINGER_MS = 500;
export const DEFAULT_HWM = 1000;
export const DEFAULT_SOCKET_BUFFER = -1;
export const DEFAULT_ONLOOP_QUEUE_HWM = 10000;
export const DEFAULT_POLL_MAX_MESSAGES = 100;
export const DEFAULT_HELLO_EXPIRATION_S = 10;
export const DEFAULT_METRICS_ADDRESS = "127.0.0.1";
/** debug_flags bits. */
export const DEBUG_POLL = 1;
export const DEBUG_THREAD = 2;

/** Defaults without a layout (runProxyThread false, no log endpoints). */
export const DEFAULT_NODE_OPTIONS: NodeOptions = Object.freeze({
  connectXpubEndpoint: DEFAULT_CONNECT_XPUB_ENDPOINT,
  connectXsubEndpoint: DEFAULT_CONNECT_XSUB_ENDPOINT,
  connectLogEndpoints: Object.freeze([]) as readonly string[],
  listenLogEndpoint: "",
  runProxyThread: false,
  proxyIoThreads: DEFAULT_PROXY_IO_THREADS,
  listenXsubEndpoint: DEFAULT_LISTEN_XSUB_ENDPOINT,
  listenXpubEndpoint: DEFAULT_LISTEN_XPUB_ENDPOINT,
  listenXpubNodrop: true,
  lingerMs: DEFAULT_LINGER_MS,
  xpubSndhwm: DEFAULT_HWM,
  xpubSndbuf: DEFAULT_SOCKET_BUFFER,
  xsubRcvhwm: DEFAULT_HWM,
  xsubRcvbuf: DEFAULT_SOCKET_BUFFER,
  onloopQueueHwm: DEFAULT_ONLOOP_QUEUE_HWM,
  logImmediate: false,
  logSndhwm: DEFAULT_HWM,
  logRcvhwm: DEFAULT_HWM,
  logSndbuf: DEFAULT_SOCKET_BUFFER,
  logRcvbuf: DEFAULT_SOCKET_BUFFER,
  ipv6: true,
  connectXpubNodrop: true,
  pollMaxMessages: DEFAULT_POLL_MAX_MESSAGES,
  heartbeatIntervalMs: 0,
  heartbeatTimeoutMs: -1,
  maxSubscriptionsPerPeer: SOCKET_DEFAULTS.maxSubscriptionsPerPeer,
  maxTopicLength: SOCKET_DEFAULTS.maxTopicLength,
  maxSubscriptionBytes: SOCKET_DEFAULTS.maxSubscriptionBytes,
  maxSubscriptionBacklog: SOCKET_DEFAULTS.maxSubscriptionBacklog,
  maxConnections: SOCKET_DEFAULTS.maxConnections,
  idlePingIntervalMs: SOCKET_DEFAULTS.idlePingInterval,
  idlePingTimeoutMs: SOCKET_DEFAULTS.idlePingTimeout,
  debugFlags: 0,
  helloExpiration: DEFAULT_HELLO_EXPIRATION_S,
  internalTopicPrefix: DEFAULT_INTERNAL_TOPIC_PREFIX,
  nodeTopicPrefix: DEFAULT_NODE_TOPIC_PREFIX,
  nodeidTopicPrefix: DEFAULT_NODEID_TOPIC_PREFIX,
  curveServerPublickey: "",
  curveServerSecretkey: "",
  curveClientPublickey: "",
  curveClientSecretkey: "",
  metricsPort: undefined,
  metricsAddress: DEFAULT_METRICS_ADDRESS,
});

/** Zeek's CURVE environment variables (spec §2.1); mixing them with file/flag keys is an error, as in Zeek. */
export const CURVE_ENV: Readonly<Record<"curveServerPublickey" | "curveServerSecretkey" | "curveClientPublickey" | "curveClientSecretkey", string>> =
  Object.freeze({
    curveServerPublickey: "ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_PUBLICKEY",
    curveServerSecretkey: "ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_SECRETKEY",
    curveClientPublickey: "ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_CLIENT_PUBLICKEY",
    curveClientSecretkey: "ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_CLIENT_SECRETKEY",
  });

/** Prefix of zeek-zmq's own env vars: `ZEEK_ZMQ_` + the Zeek name in upper case, e.g. ZEEK_ZMQ_XPUB_SNDHWM. */
export const ENV_PREFIX = "ZEEK_ZMQ_";

export interface OptionSources {
  /** Values from a config/layout file, keyed by camelCase or Zeek's snake_case name. */
  file?: Readonly<Record<string, unknown>>;
  /** Label for the file in errors (its path). */
  fileName?: string;
  /** Environment (e.g. process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** CLI flags keyed by flag name without dashes (`xpub-sndhwm`) or camelCase; strings as typed. */
  cli?: Readonly<Record<string, string | boolean | readonly string[] | undefined>>;
  /** Layout and this node's name: derive log endpoints, broker endpoints, runProxyThread, metricsPort. */
  layout?: ClusterLayout;
  nodeName?: string;
}

function sourceLabel(src: "file" | "flag", key: string, spec: OptionSpec, fileName?: string): string {
  return src === "flag" ? `flag --${spec.flag}` : `file ${fileName ?? "(config)"} key "${key}"`;
}

const Z85 = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

function coerce(spec: OptionSpec, raw: unknown, where: string): unknown {
  const bad = (allowed: string): never => {
    throw new ConfigError(spec.zeek, `${where}: ${JSON.stringify(raw)} is not allowed; expected ${allowed}`);
  };
  switch (spec.kind) {
    case "bool": {
      if (typeof raw === "boolean") return raw;
      if (typeof raw === "string") {
        const s = raw.trim().toLowerCase();
        if (["t", "true", "1", "yes", "on"].includes(s)) return true;
        if (["f", "false", "0", "no", "off"].includes(s)) return false;
      }
      return bad("a boolean (T/F, true/false, 1/0)");
    }
    case "int": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isSafeInteger(n) || n < spec.min || n > spec.max) return bad(`an integer in ${spec.min}..${spec.max}`);
      return n;
    }
    case "seconds": {
      // Zeek intervals: "10 sec", "1.5secs", "500 msec", "2 min", or a bare number of seconds.
      let n = Number.NaN;
      if (typeof raw === "number") n = raw;
      else if (typeof raw === "string") {
        const m = /^\s*(\d+(?:\.\d+)?)\s*(usecs?|msecs?|ms|secs?|s|mins?|hrs?|days?)?\s*$/.exec(raw);
        if (m?.[1] !== undefined) {
          const unit = (m[2] ?? "sec").replace(/s$/, "").replace(/^m$/, "ms");
          const mult: Record<string, number> = { usec: 1e-6, msec: 1e-3, ms: 1e-3, sec: 1, "": 1, min: 60, hr: 3600, day: 86400 };
          n = Number(m[1]) * (mult[unit] ?? Number.NaN);
        }
      }
      if (!Number.isFinite(n) || n <= 0) return bad('a positive interval such as 10, "10 sec" or "500 msec"');
      return n;
    }
    case "string": {
      if (typeof raw !== "string") return bad("a string");
      if (spec.nonEmpty && raw === "") return bad("a non-empty string");
      if (spec.curve && raw !== "" && !Z85.test(raw)) return bad("a Z85-encoded CURVE key of exactly 40 characters");
      if (spec.endpoint && raw !== "") checkEndpoint(spec, raw, where);
      return raw;
    }
    case "endpoints": {
      const items: unknown = typeof raw === "string" ? [raw] : raw;
      if (!Array.isArray(items) || !items.every((x) => typeof x === "string")) return bad("a list of endpoints (comma-separated on flags/env)");
      // Flags and env give "a,b"; repeated flags give several such strings.
      const list = items.flatMap((x: string) => x.split(",")).map((x) => x.trim()).filter((x) => x !== "");
      for (const e of list) checkEndpoint(spec, e, where);
      return Object.freeze(list);
    }
    case "port": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" && /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isInteger(n) || n < 0 || n > 65535) return bad("a TCP port 0..65535 (0 = any free port)");
      return n;
    }
  }
}

function checkEndpoint(spec: OptionSpec, e: string, where: string): void {
  // libzmq endpoints: tcp://host:port (IPv6 hosts in brackets), ipc://path, inproc://name.
  const ok = /^tcp:\/\/(\[[0-9a-fA-F:.%\w]+\]|[^:[\]/\s]+):(\d{1,5}|\*)$/.exec(e) ?? /^(ipc|inproc):\/\/\S+$/.exec(e);
  const port = ok?.[2];
  // Bind endpoints may ask for any free port with ":*" or ":0" (libzmq accepts both).
  const min = spec.key.startsWith("listen") ? 0 : 1;
  if (!ok || (port !== undefined && port !== "*" && (Number(port) < min || Number(port) > 65535)))
    throw new ConfigError(spec.zeek, `${where}: ${JSON.stringify(e)} is not a ZeroMQ endpoint; expected tcp://HOST:PORT (IPv6 as tcp://[::1]:PORT), ipc://PATH or inproc://NAME`);
}

function lookup<T>(rec: Readonly<Record<string, T>> | undefined, spec: OptionSpec): [string, T] | undefined {
  if (rec === undefined) return undefined;
  for (const k of [spec.key, spec.zeek, spec.flag]) if (rec[k] !== undefined) return [k, rec[k] as T];
  return undefined;
}

/**
 * Merges option sources and validates every value. Throws ConfigError naming the option (Zeek
 * name), the source (file key, env var or flag) and what is allowed. Unknown file keys and
 * unknown `ZEEK_ZMQ_*` env vars are errors too (typos must not pass silently).
 */
export function resolveOptions(src: OptionSources = {}): NodeOptions {
  const known = new Set<string>();
  for (const s of OPTION_SPECS) known.add(s.key).add(s.zeek).add(s.flag);
  for (const k of Object.keys(src.file ?? {}))
    if (!known.has(k)) throw new ConfigError(k, `file ${src.fileName ?? "(config)"}: unknown option "${k}"; known options: ${OPTION_SPECS.map((s) => s.zeek).join(", ")}`);
  for (const k of Object.keys(src.cli ?? {}))
    if (!known.has(k)) throw new ConfigError(k, `unknown flag --${k}`);
  const envNames = new Set(OPTION_SPECS.filter((s) => !s.curve).map((s) => ENV_PREFIX + s.zeek.toUpperCase()));
  for (const [k, v] of Object.entries(src.env ?? {}))
    if (k.startsWith(ENV_PREFIX) && v !== undefined && !envNames.has(k)) {
      const hint = k.startsWith(`${ENV_PREFIX}CURVE`) ? `; CURVE keys use Zeek's names (${Object.values(CURVE_ENV).join(", ")})` : "";
      throw new ConfigError(k, `unknown environment variable ${k}${hint}`);
    }

  const out: Record<string, unknown> = { ...DEFAULT_NODE_OPTIONS };
  if (src.layout && src.nodeName !== undefined) Object.assign(out, layoutDerived(src.layout, src.nodeName));

  let curveScript = false;
  let curveEnv = false;
  for (const spec of OPTION_SPECS) {
    const fromFile = lookup(src.file, spec);
    const envName = spec.curve ? CURVE_ENV[spec.key as keyof typeof CURVE_ENV] : ENV_PREFIX + spec.zeek.toUpperCase();
    const envRaw = src.env?.[envName];
    const fromEnv = envRaw !== undefined && envRaw !== "" ? envRaw : undefined;
    const fromCli = lookup(src.cli, spec);
    if (spec.curve) {
      if ((fromFile && fromFile[1] !== "") || (fromCli && fromCli[1] !== "")) curveScript = true;
      if (fromEnv !== undefined) curveEnv = true;
    }
    if (fromFile) out[spec.key] = coerce(spec, fromFile[1], sourceLabel("file", fromFile[0], spec, src.fileName));
    if (fromEnv !== undefined) out[spec.key] = coerce(spec, fromEnv, `env ${envName}`);
    if (fromCli) out[spec.key] = coerce(spec, fromCli[1], sourceLabel("flag", fromCli[0], spec));
  }
  if (curveScript && curveEnv)
    throw new ConfigError(
      "curve",
      "CURVE keys are configured both in the file/flags and in ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_* environment variables; use one or the other (Zeek refuses this too)",
    );
  const o = out as unknown as NodeOptions;
  const anyKey = o.curveServerPublickey || o.curveServerSecretkey || o.curveClientPublickey || o.curveClientSecretkey;
  if (anyKey && !isCurveClient(o) && !isCurveServer(o))
    throw new ConfigError(
      "curve",
      "incomplete CURVE configuration: a client needs curve_server_publickey, curve_client_publickey and curve_client_secretkey; a server needs curve_server_secretkey and curve_client_publickey",
    );
  if ((o.debugFlags & ~(DEBUG_POLL | DEBUG_THREAD)) !== 0) throw new ConfigError("debug_flags", `${o.debugFlags} has unknown bits; allowed: 1 (poll), 2 (thread)`);
  return Object.freeze(out) as unknown as NodeOptions;
}

/** The values Zeek derives from `Cluster::nodes` for `nodeName` (they sit between defaults and file). */
export function layoutDerived(layout: ClusterLayout, nodeName: string): Partial<NodeOptions> {
  const self = findNode(layout, nodeName);
  return {
    connectLogEndpoints: Object.freeze(connectLogEndpoints(layout, nodeName)),
    listenLogEndpoint: listenLogEndpoint(layout, nodeName),
    runProxyThread: self.type === "manager",
    ...(brokerEndpoints(layout) ?? {}),
    ...(self.metricsPort !== undefined ? { metricsPort: self.metricsPort } : {}),
  };
}

/** A socket is a CURVE client iff server_publickey, client_secretkey and client_publickey are set (spec §2.1). */
export function isCurveClient(o: NodeOptions): boolean {
  return o.curveServerPublickey !== "" && o.curveClientSecretkey !== "" && o.curveClientPublickey !== "";
}

/** A socket is a CURVE server iff server_secretkey and client_publickey are set. */
export function isCurveServer(o: NodeOptions): boolean {
  return o.curveServerSecretkey !== "" && o.curveClientPublickey !== "";
}

/** Options Node cannot honour, with the reason; `applies` says whether the resolved value matters. */
export const UNHONOURED_OPTIONS: readonly { readonly key: keyof NodeOptions; readonly zeek: string; readonly reason: string; readonly applies: (o: NodeOptions) => boolean }[] = Object.freeze([
  { key: "xpubSndbuf", zeek: "xpub_sndbuf", reason: "Node's net.Socket cannot set SO_SNDBUF; the OS default is used", applies: (o) => o.xpubSndbuf !== -1 },
  { key: "xsubRcvbuf", zeek: "xsub_rcvbuf", reason: "Node's net.Socket cannot set SO_RCVBUF; the OS default is used", applies: (o) => o.xsubRcvbuf !== -1 },
  { key: "logSndbuf", zeek: "log_sndbuf", reason: "Node's net.Socket cannot set SO_SNDBUF; the OS default is used", applies: (o) => o.logSndbuf !== -1 },
  { key: "logRcvbuf", zeek: "log_rcvbuf", reason: "Node's net.Socket cannot set SO_RCVBUF; the OS default is used", applies: (o) => o.logRcvbuf !== -1 },
  { key: "proxyIoThreads", zeek: "proxy_io_threads", reason: "the TypeScript broker runs on the event loop and has no I/O threads", applies: (o) => o.runProxyThread && o.proxyIoThreads !== DEFAULT_PROXY_IO_THREADS },
]);

/** Start-up warnings for the options in `o` that Node cannot honour. */
export function unhonouredOptionWarnings(o: NodeOptions): string[] {
  return UNHONOURED_OPTIONS.filter((u) => u.applies(o)).map((u) => `${u.zeek}=${String(o[u.key])} is ignored: ${u.reason}`);
}
