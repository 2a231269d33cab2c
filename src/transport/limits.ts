// Resource limits a peer can hit, reported by sockets as typed "limit" events: the layers above
// (broker, node, logger) count them (zeek_zmq_limit_hits_total{reason}) and warn once per peer.
// The transport itself never prints and knows no metrics. Each reason is the snake_case name of
// the option that sets the limit (docs/limits.md), or of the protocol rule that was enforced.

export type LimitReason =
  /** A peer that connected to us holds maxSubscriptionsPerPeer topics: its next subscription is refused. */
  | "max_subscriptions_per_peer"
  /** A subscription longer than maxTopicLength bytes is refused. */
  | "max_topic_length"
  /** The socket's subscription table would exceed maxSubscriptionBytes: the subscription is refused. */
  | "max_subscription_bytes"
  /** Subscription changes owed to peers that do not read exceed maxSubscriptionBacklog: the longest-stalled one is disconnected. */
  | "max_subscription_backlog"
  /** A CANCEL for a topic the peer does not hold: ignored, so one peer cannot unsubscribe another. */
  | "cancel_not_subscribed"
  /** A connection beyond maxConnections is closed at once. */
  | "max_connections"
  /** The oldest connection still in its handshake was dropped for a new one (maxPendingHandshakes). */
  | "max_pending_handshakes"
  /** A peer sent more than maxHandshakeBytes without completing its handshake. */
  | "max_handshake_bytes"
  /** A handshake took longer than handshakeInterval. */
  | "handshake_interval"
  /** An idle peer did not answer a PING within idlePingTimeout. */
  | "idle_ping_timeout"
  /** A message larger than maxMessageSize. */
  | "max_message_size"
  /** accept() failed for lack of file descriptors (EMFILE/ENFILE): the process's `ulimit -n`. */
  | "nofile";

export interface LimitEvent {
  /** The bind or connect endpoint of the socket. */
  endpoint: string;
  /** The peer, as address:port (peer-chosen text never appears here). */
  remote: string;
  reason: LimitReason;
  /** What happened, in words, e.g. "refused a subscription of 5000 bytes (max_topic_length 4096)". */
  detail: string;
}
