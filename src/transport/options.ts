// Socket options: one flat, typed interface; each field names the libzmq option it mirrors.
import { ConfigError } from "../errors.js";
import { type CurveOption, curveMechanismFor } from "./curve-keys.js";
import { type Mechanism, NULL_MECHANISM } from "./mechanism.js";

export interface SocketOptions {
  /** ZMQ_SNDHWM: messages queued per peer before sends would block/drop; 0 = no limit. @default 1000 */
  sendHighWaterMark?: number;
  /** ZMQ_RCVHWM: messages queued per peer before reading from it pauses; 0 = no limit. @default 1000 */
  receiveHighWaterMark?: number;
  /** ZMQ_LINGER (ms) on close(): 0 drops pending messages, -1 waits until written. @default -1 */
  linger?: number;
  /** ZMQ_RECONNECT_IVL (ms) before reconnecting a connect endpoint; -1 disables reconnecting. @default 100 */
  reconnectInterval?: number;
  /** ZMQ_RECONNECT_IVL_MAX (ms): when above reconnectInterval, the delay doubles up to it. @default 0 */
  reconnectIntervalMax?: number;
  /** ZMQ_MAXMSGSIZE: a peer sending a larger message (sum of frames) is disconnected; -1 = no limit. @default -1 */
  maxMessageSize?: number;
  /** ZMQ_IPV6: allow IPv6 addresses; `tcp://*:port` then binds `::`. @default false */
  ipv6?: boolean;
  /** ZMQ_IMMEDIATE: queue only on completed connections (no pipe for a down endpoint). @default false */
  immediate?: boolean;
  /** ZMQ_HANDSHAKE_IVL (ms): drop a connection whose handshake takes longer; 0 = no limit. @default 30000 */
  handshakeInterval?: number;
  /** ZMQ_HEARTBEAT_IVL (ms) between PINGs; 0 = no heartbeats. @default 0 */
  heartbeatInterval?: number;
  /** ZMQ_HEARTBEAT_TIMEOUT (ms) without any traffic after a PING before the peer is declared dead; -1 = heartbeatInterval. @default -1 */
  heartbeatTimeout?: number;
  /** ZMQ_HEARTBEAT_TTL (ms) the peer should wait for traffic from us (sent in PING, 100 ms units). @default 0 */
  heartbeatTtl?: number;
  /** Security mechanism; prefer `curve` for CURVE. @default NULL_MECHANISM */
  mechanism?: Mechanism;
  /**
   * CURVE encryption (ZMQ_CURVE_SERVER / _SECRETKEY / _PUBLICKEY / _SERVERKEY): this socket is a
   * CURVE server (optionally admitting only `allowedClients`, like Zeek's ZAP handler) or client.
   * Keys are Z85 text or 32 bytes. Replaces `mechanism`. @default undefined (NULL)
   */
  curve?: CurveOption;
  /** Accepted connections per socket (all its binds) at once; further ones are closed at once; 0 = no limit. @default 10000 */
  maxConnections?: number;
  /**
   * Accepted connections still in their greeting/handshake; one more evicts the oldest, so a
   * flood of idle connections cannot lock out real peers; 0 = no limit. @default 1024
   */
  maxPendingHandshakes?: number;
  /** Bytes a peer may send before its handshake completes (greeting + handshake commands). @default 65536 */
  maxHandshakeBytes?: number;
  /**
   * XPUB/PUB: topics one peer that connected to this socket may hold; its further subscriptions
   * are refused (a peer this socket connected to, e.g. a node's broker, relays a whole cluster
   * and is bounded by maxSubscriptionBytes only); 0 = no limit. @default 10000
   */
  maxSubscriptionsPerPeer?: number;
  /** XPUB/PUB: longest subscription topic in bytes; longer ones are refused; 0 = no limit. @default 4096 */
  maxTopicLength?: number;
  /** XPUB/PUB: estimated memory of the subscription table; subscriptions beyond it are refused; 0 = no limit. @default 33554432 (32 MiB) */
  maxSubscriptionBytes?: number;
  /**
   * XSUB/SUB: subscription changes owed to peers that do not read them (coalesced per topic, all
   * peers together); beyond it the longest-stalled peer is disconnected (it gets the whole set
   * again when it reconnects); 0 = no limit. @default 250000
   */
  maxSubscriptionBacklog?: number;
  /**
   * Without heartbeats: an accepted peer that sent nothing for this long (ms) is sent a PING
   * (libzmq answers PINGs without any heartbeat option); one that does not answer within
   * idlePingTimeout is disconnected. Peers we are still writing to are never probed. 0 = off. @default 60000
   */
  idlePingInterval?: number;
  /** Time (ms) an idle peer has to answer the PING of idlePingInterval. @default 10000 */
  idlePingTimeout?: number;
  /** Aborting the signal closes the socket (as close()). */
  signal?: AbortSignal;
}

export type ResolvedOptions = Required<Omit<SocketOptions, "signal" | "curve">>;

export const DEFAULTS: ResolvedOptions = {
  sendHighWaterMark: 1000,
  receiveHighWaterMark: 1000,
  linger: -1,
  reconnectInterval: 100,
  reconnectIntervalMax: 0,
  maxMessageSize: -1,
  ipv6: false,
  immediate: false,
  handshakeInterval: 30000,
  heartbeatInterval: 0,
  heartbeatTimeout: -1,
  heartbeatTtl: 0,
  mechanism: NULL_MECHANISM,
  maxConnections: 10000,
  maxPendingHandshakes: 1024,
  maxHandshakeBytes: 65536,
  maxSubscriptionsPerPeer: 10000,
  maxTopicLength: 4096,
  maxSubscriptionBytes: 32 * 1024 * 1024,
  maxSubscriptionBacklog: 250000,
  idlePingInterval: 60000,
  idlePingTimeout: 10000,
};

const INTEGER_MIN: Partial<Record<keyof ResolvedOptions, number>> = {
  sendHighWaterMark: 0,
  receiveHighWaterMark: 0,
  linger: -1,
  reconnectInterval: -1,
  reconnectIntervalMax: 0,
  maxMessageSize: -1,
  handshakeInterval: 0,
  heartbeatInterval: 0,
  heartbeatTimeout: -1,
  heartbeatTtl: 0,
  maxConnections: 0,
  maxPendingHandshakes: 0,
  maxHandshakeBytes: 64,
  maxSubscriptionsPerPeer: 0,
  maxTopicLength: 0,
  maxSubscriptionBytes: 0,
  maxSubscriptionBacklog: 0,
  idlePingInterval: 0,
  idlePingTimeout: 1,
};

/** Merges with defaults and validates; never mutates `user`. */
export function resolveOptions(user: SocketOptions = {}): ResolvedOptions {
  const out = { ...DEFAULTS };
  for (const [key, value] of Object.entries(user) as [keyof SocketOptions, unknown][]) {
    if (value === undefined || key === "signal") continue;
    if (key === "curve") {
      if (user.mechanism !== undefined) throw new ConfigError("curve", "set either curve or mechanism, not both");
      out.mechanism = curveMechanismFor(value as CurveOption);
      continue;
    }
    if (!(key in DEFAULTS)) throw new ConfigError(key, "unknown socket option");
    const min = INTEGER_MIN[key as keyof ResolvedOptions];
    if (min !== undefined && (typeof value !== "number" || !Number.isInteger(value) || value < min)) {
      throw new ConfigError(key, `must be an integer >= ${min}, got ${String(value)}`);
    }
    (out as Record<string, unknown>)[key] = value;
  }
  if (out.heartbeatTtl > 6553500) throw new ConfigError("heartbeatTtl", "must be at most 6553500 ms (the PING TTL is 16 bits of 100 ms)");
  return Object.freeze(out);
}
