// The option table behind resolveOptions: names in each vocabulary (camelCase key, Zeek's
// snake_case, CLI flag) and the value kind with its range.

const INT32_MAX = 2 ** 31 - 1;

interface SpecCommon {
  /** camelCase key of NodeOptions. */
  readonly key: string;
  /** Zeek's name (Cluster::Backend::ZeroMQ::<zeek>, or Telemetry::<zeek> for metrics). */
  readonly zeek: string;
  /** CLI flag without the leading dashes. */
  readonly flag: string;
  readonly curve?: boolean;
  readonly endpoint?: boolean;
  readonly nonEmpty?: boolean;
}

type SpecKind =
  | { readonly kind: "bool" | "seconds" | "string" | "endpoints" | "port" }
  | { readonly kind: "int"; readonly min: number; readonly max: number };

export type OptionSpec = SpecCommon & SpecKind;

function spec(key: string, zeek: string, rest: Omit<SpecCommon, "key" | "zeek" | "flag"> & SpecKind): OptionSpec {
  return Object.freeze({ key, zeek, flag: zeek.replaceAll("_", "-"), ...rest }) as OptionSpec;
}

const hwm = { kind: "int", min: 0, max: INT32_MAX } as const;
const buf = { kind: "int", min: -1, max: INT32_MAX } as const;
const endpoint = { kind: "string", endpoint: true, nonEmpty: true } as const;
const curve = { kind: "string", curve: true } as const;

/** Every option, in Zeek's main.zeek order. */
export const OPTION_SPECS: readonly OptionSpec[] = Object.freeze([
  spec("connectXpubEndpoint", "connect_xpub_endpoint", endpoint),
  spec("connectXsubEndpoint", "connect_xsub_endpoint", endpoint),
  spec("connectLogEndpoints", "connect_log_endpoints", { kind: "endpoints", endpoint: true }),
  spec("runProxyThread", "run_proxy_thread", { kind: "bool" }),
  spec("proxyIoThreads", "proxy_io_threads", { kind: "int", min: 1, max: 1024 }),
  spec("listenXsubEndpoint", "listen_xsub_endpoint", endpoint),
  spec("listenXpubEndpoint", "listen_xpub_endpoint", endpoint),
  spec("listenLogEndpoint", "listen_log_endpoint", { kind: "string", endpoint: true }),
  spec("lingerMs", "linger_ms", { kind: "int", min: -1, max: INT32_MAX }),
  spec("xpubSndhwm", "xpub_sndhwm", hwm),
  spec("xpubSndbuf", "xpub_sndbuf", buf),
  spec("xsubRcvhwm", "xsub_rcvhwm", hwm),
  spec("xsubRcvbuf", "xsub_rcvbuf", buf),
  spec("onloopQueueHwm", "onloop_queue_hwm", { kind: "int", min: 0, max: Number.MAX_SAFE_INTEGER }),
  spec("logImmediate", "log_immediate", { kind: "bool" }),
  spec("logSndhwm", "log_sndhwm", hwm),
  spec("logRcvhwm", "log_rcvhwm", hwm),
  spec("logSndbuf", "log_sndbuf", buf),
  spec("logRcvbuf", "log_rcvbuf", buf),
  spec("ipv6", "ipv6", { kind: "bool" }),
  spec("connectXpubNodrop", "connect_xpub_nodrop", { kind: "bool" }),
  spec("listenXpubNodrop", "listen_xpub_nodrop", { kind: "bool" }),
  spec("pollMaxMessages", "poll_max_messages", { kind: "int", min: 0, max: Number.MAX_SAFE_INTEGER }),
  // zeek-zmq extensions (Zeek sets no ZMTP heartbeats): detect silently dead peers.
  spec("heartbeatIntervalMs", "heartbeat_interval_ms", { kind: "int", min: 0, max: INT32_MAX }),
  spec("heartbeatTimeoutMs", "heartbeat_timeout_ms", { kind: "int", min: -1, max: INT32_MAX }),
  // zeek-zmq extensions: limits on what peers can make the broker hold (docs/limits.md).
  spec("maxSubscriptionsPerPeer", "max_subscriptions_per_peer", { kind: "int", min: 0, max: INT32_MAX }),
  spec("maxTopicLength", "max_topic_length", { kind: "int", min: 0, max: INT32_MAX }),
  spec("maxSubscriptionBytes", "max_subscription_bytes", { kind: "int", min: 0, max: Number.MAX_SAFE_INTEGER }),
  spec("maxSubscriptionBacklog", "max_subscription_backlog", { kind: "int", min: 0, max: Number.MAX_SAFE_INTEGER }),
  spec("maxConnections", "max_connections", { kind: "int", min: 0, max: INT32_MAX }),
  spec("idlePingIntervalMs", "idle_ping_interval_ms", { kind: "int", min: 0, max: INT32_MAX }),
  spec("idlePingTimeoutMs", "idle_ping_timeout_ms", { kind: "int", min: 1, max: INT32_MAX }),
  spec("debugFlags", "debug_flags", { kind: "int", min: 0, max: 3 }),
  spec("helloExpiration", "hello_expiration", { kind: "seconds" }),
  spec("internalTopicPrefix", "internal_topic_prefix", { kind: "string", nonEmpty: true }),
  spec("nodeTopicPrefix", "node_topic_prefix", { kind: "string", nonEmpty: true }),
  spec("nodeidTopicPrefix", "nodeid_topic_prefix", { kind: "string", nonEmpty: true }),
  spec("curveServerPublickey", "curve_server_publickey", curve),
  spec("curveServerSecretkey", "curve_server_secretkey", curve),
  spec("curveClientPublickey", "curve_client_publickey", curve),
  spec("curveClientSecretkey", "curve_client_secretkey", curve),
  spec("metricsPort", "metrics_port", { kind: "port" }),
  spec("metricsAddress", "metrics_address", { kind: "string", nonEmpty: true }),
]);

/** Flags of the broker's limits (for commands that list their flags, like `zeek-zmq broker`). */
export const LIMIT_OPTION_FLAGS: readonly string[] = Object.freeze(
  ["max_subscriptions_per_peer", "max_topic_length", "max_subscription_bytes", "max_subscription_backlog", "max_connections", "idle_ping_interval_ms", "idle_ping_timeout_ms"].map((z) => z.replaceAll("_", "-")),
);

/**
 * A `node:util` parseArgs `options` object for every option flag (all string-valued, e.g.
 * `--xpub-sndhwm 500`, `--ipv6 F`; `--connect-log-endpoints` may repeat or be comma-separated).
 */
export function optionFlagsForParseArgs(): Record<string, { type: "string"; multiple?: boolean }> {
  const out: Record<string, { type: "string"; multiple?: boolean }> = {};
  for (const s of OPTION_SPECS) out[s.flag] = s.kind === "endpoints" ? { type: "string", multiple: true } : { type: "string" };
  return out;
}
