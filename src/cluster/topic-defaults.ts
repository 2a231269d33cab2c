// Default topic prefixes of Zeek's ZeroMQ backend, on their own so option specs can name them
// without importing topics.ts (which imports the layout, whose typed document imports the specs).

/** `Cluster::Backend::ZeroMQ::node_topic_prefix` default. */
export const DEFAULT_NODE_TOPIC_PREFIX = "zeek.cluster.node";
/** `Cluster::Backend::ZeroMQ::nodeid_topic_prefix` default. */
export const DEFAULT_NODEID_TOPIC_PREFIX = "zeek.cluster.nodeid";
/** `Cluster::Backend::ZeroMQ::internal_topic_prefix` default (ready-to-publish topics, wire.md §2.5). */
export const DEFAULT_INTERNAL_TOPIC_PREFIX = "zeek.zeromq.internal.";
