// Every option of a node, once: its names (TS key, Zeek's name, flag, environment variable), its
// default, how a value is parsed and checked, and its documentation. `NodeOptions`, the defaults,
// the CLI flags, the environment names, validation, `--help` and the README's options table are
// all derived from OPTION_TABLE below.
//
// Adding an option is one entry in OPTION_TABLE:
//   myLimit: zeromq("my_limit", int(0, INT32_MAX), 100, "What it bounds, for whom; 0 = unlimited."),
// (`zeromq` for Cluster::Backend::ZeroMQ options, `extension` for zeek-zmq's own, `logging`,
// `telemetry`), and using `options.myLimit` where it applies. The flag `--my-limit`, the variable
// ZEEK_ZMQ_MY_LIMIT, the layout key `my_limit` (or `myLimit`), the help text and the README row
// (`npm run docs:options`) follow.
import { parseEndpoint } from "../transport/endpoint.js";
import { DEFAULTS as SOCKET_DEFAULTS } from "../transport/options.js";
import { DEFAULT_INTERNAL_TOPIC_PREFIX, DEFAULT_NODE_TOPIC_PREFIX, DEFAULT_NODEID_TOPIC_PREFIX } from "./topic-defaults.js";

export const INT32_MAX = 2 ** 31 - 1;

/** A value that does not parse: `expected` says what would. */
export class BadOptionValue extends Error {
  constructor(readonly expected: string) {
    super(expected);
  }
}

/** How values of one option are read from a layout (JSON/YAML values) or from flag/env text. */
export interface ValueParser<T> {
  /** What is allowed, for errors and help: "an integer in 0..2147483647". */
  readonly expected: string;
  /** Throws BadOptionValue. */
  parse(raw: unknown): T;
  /** A list: flags may repeat, text values are comma-separated. */
  readonly list?: boolean;
}

/** Which family an option belongs to (how it is documented). */
export type OptionGroup = "zeromq" | "extension" | "logging" | "telemetry";

interface Entry<T> {
  readonly group: OptionGroup;
  /** The name in layouts' `options:` and in Zeek: `xpub_sndhwm`. */
  readonly name: string;
  /** Zeek's identifier, e.g. `Cluster::Backend::ZeroMQ::xpub_sndhwm`; undefined for zeek-zmq's own. */
  readonly zeekId: string | undefined;
  /** The environment variable: ZEEK_ZMQ_<NAME>, or the one Zeek itself reads. */
  readonly env: string;
  readonly default: T;
  /** The default as the docs say it, when the plain value would mislead ("from the layout"). */
  readonly defaultDoc: string | undefined;
  readonly parser: ValueParser<T>;
  /** One or two sentences for --help and the README. */
  readonly doc: string;
  /** Accepted (so Zeek configurations work unchanged) but without effect here: why. */
  readonly unhonoured: string | undefined;
}

interface EntryExtras {
  zeekId?: string;
  env?: string;
  defaultDoc?: string;
  unhonoured?: string;
}

/** Prefix of zeek-zmq's own environment variables: ZEEK_ZMQ_ + the name in capitals. */
export const ENV_PREFIX = "ZEEK_ZMQ_";

function entry<T>(group: OptionGroup, name: string, parser: ValueParser<T>, def: NoInfer<T>, doc: string, x: EntryExtras = {}): Entry<T> {
  return Object.freeze({
    group,
    name,
    zeekId: x.zeekId,
    env: x.env ?? ENV_PREFIX + name.toUpperCase(),
    default: def,
    defaultDoc: x.defaultDoc,
    parser,
    doc,
    unhonoured: x.unhonoured,
  });
}

/** An option of Zeek's ZeroMQ backend (Cluster::Backend::ZeroMQ::NAME). */
function zeromq<T>(name: string, parser: ValueParser<T>, def: NoInfer<T>, doc: string, x: EntryExtras = {}): Entry<T> {
  return entry("zeromq", name, parser, def, doc, { zeekId: `Cluster::Backend::ZeroMQ::${name}`, ...x });
}

/** A zeek-zmq extension (Zeek has no such option). */
function extension<T>(name: string, parser: ValueParser<T>, def: NoInfer<T>, doc: string, x: EntryExtras = {}): Entry<T> {
  return entry("extension", name, parser, def, doc, x);
}

/** Where and how log files are written (log receivers, and nodes without a logger). */
function logging<T>(name: string, parser: ValueParser<T>, def: NoInfer<T>, doc: string, x: EntryExtras = {}): Entry<T> {
  return entry("logging", name, parser, def, doc, x);
}

/** Zeek's Telemetry framework (Telemetry::NAME). */
function telemetry<T>(name: string, parser: ValueParser<T>, def: NoInfer<T>, doc: string, x: EntryExtras = {}): Entry<T> {
  return entry("telemetry", name, parser, def, doc, { zeekId: `Telemetry::${name}`, ...x });
}

// ---- value parsers -------------------------------------------------------------------------

const TRUE = new Set(["t", "true", "1", "yes", "on"]);
const FALSE = new Set(["f", "false", "0", "no", "off"]);

/** Zeek's bool: T/F (also true/false, 1/0, yes/no, on/off). */
export const bool: ValueParser<boolean> = {
  expected: "a boolean (T/F, true/false, 1/0)",
  parse(raw) {
    if (typeof raw === "boolean") return raw;
    if (typeof raw === "string") {
      const s = raw.trim().toLowerCase();
      if (TRUE.has(s)) return true;
      if (FALSE.has(s)) return false;
    }
    throw new BadOptionValue(this.expected);
  },
};

function integerOf(raw: unknown): number {
  if (typeof raw === "number") return raw;
  if (typeof raw === "string" && /^\s*-?\d+\s*$/.test(raw)) return Number(raw);
  return Number.NaN;
}

/** An integer in min..max. */
export function int(min: number, max: number): ValueParser<number> {
  const expected = `an integer in ${min}..${max}`;
  return {
    expected,
    parse(raw) {
      const n = integerOf(raw);
      if (!Number.isSafeInteger(n) || n < min || n > max) throw new BadOptionValue(expected);
      return n;
    },
  };
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { usec: 1e-6, msec: 1e-3, ms: 1e-3, sec: 1, s: 1, min: 60, hr: 3600, day: 86400 };

/** Zeek's interval, in seconds: 10, "10 sec", "1.5secs", "500 msec", "2 min", "1 hr". */
export function interval(opts: { zero: boolean }): ValueParser<number> {
  const expected = opts.zero ? 'an interval >= 0 such as 3600, "1 hr" or "30 min" (0 = off)' : 'a positive interval such as 10, "10 sec" or "500 msec"';
  return {
    expected,
    parse(raw) {
      let n = Number.NaN;
      if (typeof raw === "number") n = raw;
      else if (typeof raw === "string") {
        const m = /^\s*(\d+(?:\.\d+)?)\s*(usecs?|msecs?|ms|secs?|s|mins?|hrs?|days?)?\s*$/.exec(raw);
        if (m?.[1] !== undefined) n = Number(m[1]) * (UNIT_SECONDS[(m[2] ?? "sec").replace(/(.)s$/, "$1")] ?? Number.NaN);
      }
      if (!Number.isFinite(n) || n < 0 || (n === 0 && !opts.zero)) throw new BadOptionValue(expected);
      return n;
    },
  };
}

/** Any string (empty allowed unless `nonEmpty`). */
export function text(opts: { nonEmpty: boolean; expected?: string; check?: (s: string) => boolean }): ValueParser<string> {
  const expected = opts.expected ?? (opts.nonEmpty ? "a non-empty string" : "a string");
  return {
    expected,
    parse(raw) {
      if (typeof raw !== "string" || (opts.nonEmpty && raw === "") || (opts.check && !opts.check(raw))) throw new BadOptionValue(expected);
      return raw;
    },
  };
}

/** One of a few words. */
export function oneOf<const W extends string>(...words: W[]): ValueParser<W> {
  const expected = words.join(" or ");
  return {
    expected,
    parse(raw) {
      if (typeof raw === "string" && (words as string[]).includes(raw.trim())) return raw.trim() as W;
      throw new BadOptionValue(expected);
    },
  };
}

/** A Zeek `set[enum]`: "INFO,VERBOSE" or "{INFO, VERBOSE}" (flags, env), or a list (layouts). */
export function enumSet<const W extends string>(prefix: string, ...words: W[]): ValueParser<readonly W[]> {
  const expected = `a set of ${words.join(", ")} (e.g. "${words.join(",")}")`;
  return {
    expected,
    list: true,
    parse(raw) {
      // Flags may repeat, each "INFO,VERBOSE" or "{INFO, VERBOSE}"; layouts give a list.
      const parts: unknown = typeof raw === "string" ? [raw] : raw;
      if (!Array.isArray(parts) || !parts.every((x) => typeof x === "string")) throw new BadOptionValue(expected);
      const items = (parts as string[]).flatMap((p) => p.trim().replace(/^\{(.*)\}$/s, "$1").split(",")).filter((x) => x.trim() !== "");
      const seen = new Set<string>();
      for (const item of items) {
        // Zeek's scripts spell them with their module too (Cluster::Telemetry::INFO).
        const v = item.trim().replace(prefix, "").toUpperCase();
        if (!(words as string[]).includes(v)) throw new BadOptionValue(v === "DEBUG" ? `${expected}; DEBUG (Zeek's message-size histograms) is not supported by zeek-zmq` : expected);
        seen.add(v);
      }
      return Object.freeze(words.filter((w) => seen.has(w)));
    },
  };
}

const ENDPOINT_FORMS = "tcp://HOST:PORT (IPv6 as tcp://[::1]:PORT) or ipc://PATH";

/**
 * A ZeroMQ endpoint, checked by the transport's own parser. Bind endpoints may ask for any free
 * port (":0" or ":*", as libzmq allows) and any interface ("*"); connect endpoints name a port.
 */
export function endpointCheck(e: string, kind: "bind" | "connect"): boolean {
  try {
    const ep = parseEndpoint(e);
    return ep.transport === "ipc" || kind === "bind" || (ep.port > 0 && ep.host !== "*");
  } catch {
    return false;
  }
}

function endpoint(kind: "bind" | "connect", opts: { empty: boolean }): ValueParser<string> {
  const expected = `a ZeroMQ ${kind} endpoint: ${ENDPOINT_FORMS}${kind === "bind" ? " (port 0 or * = any free port)" : ""}${opts.empty ? ', or "" for none' : ""}`;
  return {
    expected,
    parse(raw) {
      if (typeof raw !== "string" || !((opts.empty && raw === "") || endpointCheck(raw.trim(), kind))) throw new BadOptionValue(expected);
      return raw.trim();
    },
  };
}

function splitList(raw: unknown): string[] | undefined {
  const items: unknown = typeof raw === "string" ? [raw] : raw;
  if (!Array.isArray(items) || !items.every((x) => typeof x === "string")) return undefined;
  // Flags and env give "a,b"; repeated flags give several such strings.
  return items.flatMap((x: string) => x.split(",")).map((x) => x.trim()).filter((x) => x !== "");
}

/** A list of connect endpoints (comma-separated in flags and env). */
const connectEndpoints: ValueParser<readonly string[]> = {
  expected: `a list of ZeroMQ connect endpoints, ${ENDPOINT_FORMS} (comma-separated in flags and environment)`,
  list: true,
  parse(raw) {
    const list = splitList(raw);
    if (list === undefined || !list.every((e) => endpointCheck(e, "connect"))) throw new BadOptionValue(this.expected);
    return Object.freeze(list);
  },
};

/** Log paths ("conn", "dns"): plain file names. */
const LOG_PATH = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,199}$/;
const logPaths: ValueParser<readonly string[]> = {
  expected: "a list of log paths such as conn,dns (comma-separated in flags and environment)",
  list: true,
  parse(raw) {
    const list = splitList(raw);
    if (list === undefined || !list.every((p) => LOG_PATH.test(p))) throw new BadOptionValue(this.expected);
    return Object.freeze(list);
  },
};

/** A TCP port, 0 = any free one; undefined = off. */
const optionalPort: ValueParser<number | undefined> = {
  expected: "a TCP port 0..65535 (0 = any free port)",
  parse(raw) {
    const n = integerOf(raw);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new BadOptionValue(this.expected);
    return n;
  },
};

const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;
const curveKey = text({ nonEmpty: false, expected: 'a Z85-encoded CURVE key of exactly 40 characters (or "" for none)', check: (s) => s === "" || Z85_KEY.test(s) });

const hwm = int(0, INT32_MAX);
const buf = int(-1, INT32_MAX);
const nodeBufferNote = "Node's net.Socket cannot set SO_SNDBUF/SO_RCVBUF; the OS default is used";

// ---- the table -----------------------------------------------------------------------------

/** Every option, in Zeek's main.zeek order, then zeek-zmq's own, logging and telemetry. */
export const OPTION_TABLE = {
  connectXpubEndpoint: zeromq("connect_xpub_endpoint", endpoint("connect", { empty: false }), "tcp://127.0.0.1:5556", "Where this node's XPUB connects: the broker's XSUB.", {
    defaultDoc: "`tcp://127.0.0.1:5556`; from the layout's `broker:`",
  }),
  connectXsubEndpoint: zeromq("connect_xsub_endpoint", endpoint("connect", { empty: false }), "tcp://127.0.0.1:5555", "Where this node's XSUB connects: the broker's XPUB.", {
    defaultDoc: "`tcp://127.0.0.1:5555`; from the layout's `broker:`",
  }),
  connectLogEndpoints: zeromq("connect_log_endpoints", connectEndpoints, Object.freeze([]) as readonly string[], "The loggers this node PUSHes its log batches to.", {
    defaultDoc: "from the layout: every logger (+ the manager with `manager_is_logger`)",
  }),
  listenLogEndpoint: zeromq("listen_log_endpoint", endpoint("bind", { empty: true }), "", "Where a log receiver binds its PULL socket; empty: not a log receiver.", {
    defaultDoc: '`""`; loggers: from the layout',
  }),
  runProxyThread: zeromq("run_proxy_thread", bool, false, "Run the central XPUB/XSUB broker in this node.", { defaultDoc: "T on the manager only" }),
  proxyIoThreads: zeromq("proxy_io_threads", int(1, 1024), 2, "ZMQ_IO_THREADS of the broker's context.", {
    unhonoured: "the TypeScript broker runs on one event loop (its own thread) and has no I/O threads",
  }),
  listenXsubEndpoint: zeromq("listen_xsub_endpoint", endpoint("bind", { empty: false }), "tcp://127.0.0.1:5556", "Where the broker's XSUB binds (node XPUBs connect here)."),
  listenXpubEndpoint: zeromq("listen_xpub_endpoint", endpoint("bind", { empty: false }), "tcp://127.0.0.1:5555", "Where the broker's XPUB binds (node XSUBs connect here)."),
  listenXpubNodrop: zeromq("listen_xpub_nodrop", bool, true, "ZMQ_XPUB_NODROP on the broker's XPUB: pause forwarding instead of dropping at a subscriber's HWM."),
  lingerMs: zeromq("linger_ms", int(-1, INT32_MAX), 500, "ZMQ_LINGER of the node's XPUB and PUSH sockets: how long queued messages may still leave at close (-1 = forever)."),
  xpubSndhwm: zeromq("xpub_sndhwm", hwm, 1000, "Send high-water mark of the node's XPUB, in messages (0 = unlimited); beyond it publish() drops and counts."),
  xpubSndbuf: zeromq("xpub_sndbuf", buf, -1, "SO_SNDBUF of the node's XPUB (-1 = OS default).", { unhonoured: nodeBufferNote }),
  xsubRcvhwm: zeromq("xsub_rcvhwm", hwm, 1000, "Receive high-water mark of the node's XSUB, in messages (0 = unlimited)."),
  xsubRcvbuf: zeromq("xsub_rcvbuf", buf, -1, "SO_RCVBUF of the node's XSUB (-1 = OS default).", { unhonoured: nodeBufferNote }),
  onloopQueueHwm: zeromq("onloop_queue_hwm", int(0, Number.MAX_SAFE_INTEGER), 10000, "Received events queued for their handlers before new ones are dropped and counted (0 = unlimited)."),
  logImmediate: zeromq("log_immediate", bool, false, "ZMQ_IMMEDIATE on the PUSH socket: queue log batches only to connected loggers."),
  logSndhwm: zeromq("log_sndhwm", hwm, 1000, "Send high-water mark of the PUSH socket, in batches per logger."),
  logRcvhwm: zeromq("log_rcvhwm", hwm, 1000, "Receive high-water mark of a log receiver's PULL socket."),
  logSndbuf: zeromq("log_sndbuf", buf, -1, "SO_SNDBUF of the PUSH socket (-1 = OS default).", { unhonoured: nodeBufferNote }),
  logRcvbuf: zeromq("log_rcvbuf", buf, -1, "SO_RCVBUF of the PULL socket (-1 = OS default).", { unhonoured: nodeBufferNote }),
  ipv6: zeromq("ipv6", bool, true, "ZMQ_IPV6: allow IPv6 endpoints.", { defaultDoc: "T (Zeek 8.0's default; Zeek 8.2 changed it to F)" }),
  connectXpubNodrop: zeromq("connect_xpub_nodrop", bool, true, "ZMQ_XPUB_NODROP on the node's XPUB: at the HWM publish() fails (counted) instead of a silent drop."),
  pollMaxMessages: zeromq("poll_max_messages", int(0, Number.MAX_SAFE_INTEGER), 100, "Messages taken from a socket per round before others get a turn (0 = unlimited)."),
  debugFlags: zeromq("debug_flags", int(0, 3), 0, "Debug output on stderr: 1 = poll, 2 = thread (a bit mask)."),
  helloExpiration: zeromq("hello_expiration", interval({ zero: false }), 10, "How long a hello or subscription waits for its counterpart before discovery forgets it (seconds).", {
    defaultDoc: "10 s",
  }),
  internalTopicPrefix: zeromq("internal_topic_prefix", text({ nonEmpty: true }), DEFAULT_INTERNAL_TOPIC_PREFIX, "Prefix of the ready-to-publish check's topics."),
  nodeTopicPrefix: zeromq("node_topic_prefix", text({ nonEmpty: true }), DEFAULT_NODE_TOPIC_PREFIX, "Prefix of node-name topics."),
  nodeidTopicPrefix: zeromq("nodeid_topic_prefix", text({ nonEmpty: true }), DEFAULT_NODEID_TOPIC_PREFIX, "Prefix of node-id topics."),
  curveServerPublickey: zeromq("curve_server_publickey", curveKey, "", "CURVE: the servers' (broker, loggers) public key, which clients need.", {
    env: "ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_PUBLICKEY",
  }),
  curveServerSecretkey: zeromq("curve_server_secretkey", curveKey, "", "CURVE: the servers' secret key (broker, loggers).", { env: "ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_SECRETKEY" }),
  curveClientPublickey: zeromq("curve_client_publickey", curveKey, "", "CURVE: the clients' public key; servers admit only this key.", { env: "ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_CLIENT_PUBLICKEY" }),
  curveClientSecretkey: zeromq("curve_client_secretkey", curveKey, "", "CURVE: the clients' secret key (nodes, tap, publish).", { env: "ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_CLIENT_SECRETKEY" }),

  // zeek-zmq extensions: Zeek sets no ZMTP heartbeats (libzmq still answers PINGs, so they work against Zeek peers).
  heartbeatIntervalMs: extension("heartbeat_interval_ms", int(0, INT32_MAX), 0, "ZMTP PING interval on every socket of a node and the broker (ZMQ_HEARTBEAT_IVL), to detect frozen or partitioned peers; 0 = off."),
  heartbeatTimeoutMs: extension("heartbeat_timeout_ms", int(-1, INT32_MAX), -1, "How long a peer may stay silent after a PING before it is dropped (ZMQ_HEARTBEAT_TIMEOUT); -1 = the interval."),
  // What a peer can make the broker (and any bound socket) hold (docs/limits.md).
  maxSubscriptionsPerPeer: extension("max_subscriptions_per_peer", int(0, INT32_MAX), SOCKET_DEFAULTS.maxSubscriptionsPerPeer, "Topics one peer of the broker's XPUB may hold (a Zeek node holds 10-30); further subscriptions are refused and counted. 0 = no limit."),
  maxTopicLength: extension("max_topic_length", int(0, INT32_MAX), SOCKET_DEFAULTS.maxTopicLength, "Longest subscription topic in bytes; longer ones are refused and counted. 0 = no limit."),
  maxSubscriptionBytes: extension("max_subscription_bytes", int(0, Number.MAX_SAFE_INTEGER), SOCKET_DEFAULTS.maxSubscriptionBytes, "Memory of the broker's subscription table (estimated, bytes); beyond it new topics are refused. 0 = no limit.", {
    defaultDoc: "33554432 (32 MiB)",
  }),
  maxSubscriptionBacklog: extension("max_subscription_backlog", int(0, Number.MAX_SAFE_INTEGER), SOCKET_DEFAULTS.maxSubscriptionBacklog, "Subscription changes owed to publishers that do not read, all together; beyond it the longest-stalled one is disconnected (it is replayed the set when it reconnects). 0 = no limit."),
  maxConnections: extension("max_connections", int(0, INT32_MAX), SOCKET_DEFAULTS.maxConnections, "Connections per bound socket (ZeroMQ has no such limit); further ones are refused. 0 = no limit."),
  idlePingIntervalMs: extension("idle_ping_interval_ms", int(0, INT32_MAX), SOCKET_DEFAULTS.idlePingInterval, "Without heartbeats: a peer silent this long is sent a PING (every ZMTP 3.1 peer answers) and dropped if it does not answer within idle_ping_timeout_ms. 0 = off."),
  idlePingTimeoutMs: extension("idle_ping_timeout_ms", int(1, INT32_MAX), SOCKET_DEFAULTS.idlePingTimeout, "How long an idle peer has to answer the probe of idle_ping_interval_ms."),
  // What a peer can make a node hold (docs/limits.md).
  maxMetricSeries: extension("max_metric_series", int(1, INT32_MAX), 10_000, "Series per labelled metric family (with core_metrics VERBOSE: per topic and event name); further ones count in an `__overflow__` series."),
  maxPendingHellos: extension("max_pending_hellos", int(1, INT32_MAX), 10_000, "Node ids whose nodeid subscription or ZeroMQ::hello waits for its other half; beyond it the oldest is forgotten."),
  maxSeenTopics: extension("max_seen_topics", int(1, INT32_MAX), 100_000, "Subscriptions remembered from the XPUB (so `subscription` fires once per topic); beyond it new ones are handled but not remembered."),
  maxNodeIdLength: extension("max_node_id_length", int(16, 65536), 1024, "Longer node ids (in hellos and nodeid topics) are refused."),
  onloopQueueMaxBytes: extension("onloop_queue_max_bytes", int(0, Number.MAX_SAFE_INTEGER), 256 * 2 ** 20, "Bytes of received events queued for the handlers; beyond it events are dropped (onloop_queue_hwm > 0) or no longer read (0). 0 = no limit."),

  logDir: logging("log_dir", text({ nonEmpty: false }), "", "Directory of the log files this node writes: what a log receiver receives, and its own logs when it has no logger.", {
    zeekId: "Log::default_logdir",
    defaultDoc: '`""` = the working directory; under `zeek-zmq cluster`: `--log-dir`/NODE',
  }),
  logFormat: logging("log_format", oneOf("tsv", "json"), "tsv", "tsv: Zeek's ASCII logs with # header lines; json: one JSON object per line (LogAscii::use_json=T).", {
    zeekId: "LogAscii::use_json",
  }),
  logJsonPaths: logging("log_json_paths", logPaths, Object.freeze([]) as readonly string[], "Log paths written as JSON whatever log_format says, e.g. conn,dns."),
  logRotationInterval: logging("log_rotation_interval", interval({ zero: true }), 0, "Rotate every log file at multiples of this interval from midnight (seconds; 0 = never).", {
    zeekId: "Log::default_rotation_interval",
    defaultDoc: "0 (off)",
  }),
  logRotationPostprocessorCmd: logging("log_rotation_postprocessor_cmd", text({ nonEmpty: false }), "", "Run after each rotation as `CMD FILE PATH OPEN CLOSE TERMINATING WRITER`.", {
    zeekId: "Log::default_rotation_postprocessor_cmd",
  }),
  logSuffix: logging("log_suffix", text({ nonEmpty: true, expected: "a file extension such as log or txt", check: (s) => /^[A-Za-z0-9_.+-]{1,32}$/.test(s) }), "log", "File extension of the log files.", {
    env: "ZEEK_LOG_SUFFIX",
  }),

  logSink: logging("log_sink", oneOf("files", "nats"), "files", "Where a log receiver puts records: files (log_dir, log_format) or nats (one JSON message per record into NATS JetStream, see log_nats_url)."),
  logNatsUrl: logging("log_nats_url", text({ nonEmpty: true, expected: "a NATS URL such as nats://127.0.0.1:4222 (comma-separated for several servers)", check: (s) => s.split(",").every((u) => /^\s*(nats|tls):\/\/[^\s,]+\s*$/.test(u)) }), "nats://127.0.0.1:4222", "NATS server(s) of log_sink nats."),
  logNatsSubjectPrefix: logging("log_nats_subject_prefix", text({ nonEmpty: true, expected: "subject tokens of letters, digits, _ and - joined by dots", check: (s) => /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(s) }), "zeek.logs", "log_sink nats: records of path P go to subject PREFIX.P."),
  logNatsStream: logging("log_nats_stream", text({ nonEmpty: true, expected: "a stream name of 1-64 letters, digits, _ and -", check: (s) => /^[A-Za-z0-9_-]{1,64}$/.test(s) }), "ZEEK_LOGS", "log_sink nats: the JetStream stream (created for PREFIX.> when missing)."),
  logNatsAckWindow: logging("log_nats_ack_window", int(1, 1_000_000), 1024, "log_sink nats: publishes awaiting JetStream's acknowledgement at once; at twice this many unacknowledged records the logger stops reading (its PULL queue, then the senders' log_sndhwm take the backlog)."),

  // What log senders can make a logger hold (docs/limits.md).
  logMaxOpenFiles: logging("log_max_open_files", int(0, INT32_MAX), 0, "Log files kept open at once; beyond it the least recently used idle file is closed (and reopened in append mode when written again). Never more than half the soft descriptor limit.", {
    defaultDoc: "0 = half of `ulimit -n`, at most 4096",
  }),
  logMaxPaths: logging("log_max_paths", int(1, INT32_MAX), 10_000, "Distinct log paths a logger writes; batches for more are refused and counted."),
  logMaxRecordsPerBatch: logging("log_max_records_per_batch", int(1, INT32_MAX), 100_000, "Larger received batches are refused before their records are allocated (Zeek's own hold at most Log::write_buffer_size, 1000)."),
  logMaxWriteAmplification: logging("log_max_write_amplification", int(1, INT32_MAX), 32, "Output bytes a received batch may produce per payload byte; a batch beyond it is refused."),
  logWriterThreads: logging("log_writer_threads", int(0, 64), 0, "Threads that decode and format received log batches off the socket thread (each path bound to one, records in order); 0 = on the main thread."),

  metricsPort: telemetry("metrics_port", optionalPort, undefined, "Serve Prometheus metrics on this port (0 = any free port).", { defaultDoc: "off; a layout node's `metricsPort`" }),
  metricsAddress: telemetry("metrics_address", text({ nonEmpty: true }), "127.0.0.1", "Address the metrics endpoint listens on."),
  coreMetrics: telemetry("core_metrics", enumSet("Cluster::Telemetry::", "INFO", "VERBOSE"), Object.freeze(["INFO"]) as readonly ("INFO" | "VERBOSE")[], "INFO = event totals; VERBOSE = also one series per (normalised) topic and event name, capped by max_metric_series.", {
    zeekId: "Cluster::Telemetry::core_metrics",
  }),
} as const;

type ValueOf<E> = E extends Entry<infer T> ? T : never;
type Table = typeof OPTION_TABLE;

/** Every option of a node, keyed by its TS name (camelCase of Zeek's). Derived from OPTION_TABLE. */
export type NodeOptions = { readonly [K in keyof Table]: ValueOf<Table[K]> };

/** One option with all its names. */
export interface OptionSpec<K extends keyof NodeOptions = keyof NodeOptions> extends Entry<NodeOptions[K]> {
  /** The TS key (NodeOptions). */
  readonly key: K;
  /** Zeek's name, as in layouts (`xpub_sndhwm`); the same as `name`. */
  readonly zeek: string;
  /** The flag without its dashes: `xpub-sndhwm`. */
  readonly flag: string;
}

function specOf<K extends keyof NodeOptions>(key: K): OptionSpec<K> {
  const e = OPTION_TABLE[key] as unknown as Entry<NodeOptions[K]>;
  return Object.freeze({ ...e, key, zeek: e.name, flag: e.name.replaceAll("_", "-") });
}

/** Every option, in table order. */
export const OPTION_SPECS: readonly OptionSpec[] = Object.freeze((Object.keys(OPTION_TABLE) as (keyof NodeOptions)[]).map((k) => specOf(k) as OptionSpec));

/** The spec of one option. */
export function optionSpec<K extends keyof NodeOptions>(key: K): OptionSpec<K> {
  return OPTION_SPECS.find((s) => s.key === key) as OptionSpec<K>;
}

/** Defaults without a layout (no broker thread, no log endpoints). */
export const DEFAULT_NODE_OPTIONS: NodeOptions = Object.freeze(Object.fromEntries(OPTION_SPECS.map((s) => [s.key, s.default]))) as NodeOptions;

/**
 * A `node:util` parseArgs `options` object for every option flag (all string-valued, e.g.
 * `--xpub-sndhwm 500`, `--ipv6 F`; list options may repeat or be comma-separated).
 */
export function optionFlagsForParseArgs(specs: readonly OptionSpec[] = OPTION_SPECS): Record<string, { type: "string"; multiple?: boolean }> {
  const out: Record<string, { type: "string"; multiple?: boolean }> = {};
  for (const s of specs) out[s.flag] = s.parser.list ? { type: "string", multiple: true } : { type: "string" };
  return out;
}

/** A default as the docs show it. */
export function defaultText(s: OptionSpec): string {
  if (s.defaultDoc !== undefined) return s.defaultDoc;
  const v: unknown = s.default;
  if (typeof v === "boolean") return v ? "T" : "F";
  if (typeof v === "string") return v === "" ? '`""`' : `\`${v}\``;
  if (Array.isArray(v)) return v.length === 0 ? "none" : v.join(",");
  return String(v);
}
