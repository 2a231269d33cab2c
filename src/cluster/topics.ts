// Topics and node identities of Zeek's ZeroMQ backend (wire.md §5.1; policy/.../zeromq/main.zeek
// and base/frameworks/cluster/setup-subscriptions.zeek).

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { type ClusterLayout, findNode, type NodeType, POOL_TYPES, type PoolType, poolNodeNames } from "./layout.js";

import { DEFAULT_NODE_TOPIC_PREFIX, DEFAULT_NODEID_TOPIC_PREFIX } from "./topic-defaults.js";

export { DEFAULT_INTERNAL_TOPIC_PREFIX, DEFAULT_NODE_TOPIC_PREFIX, DEFAULT_NODEID_TOPIC_PREFIX } from "./topic-defaults.js";

/** Role topics as the ZeroMQ backend redefines them (no trailing dot). */
export const ROLE_TOPICS: Readonly<Record<NodeType, string>> = Object.freeze({
  manager: "zeek.cluster.manager",
  logger: "zeek.cluster.logger",
  proxy: "zeek.cluster.proxy",
  worker: "zeek.cluster.worker",
});

/** Pool topics as the ZeroMQ backend redefines the PoolSpecs. */
export const POOL_TOPICS: Readonly<Record<PoolType, string>> = Object.freeze({
  logger: "zeek.cluster.pool.logger",
  proxy: "zeek.cluster.pool.proxy",
  worker: "zeek.cluster.pool.worker",
});

/** Subscribed by every Zeek node (Supervisor control, `Supervisor::topic_prefix`). */
export const SUPERVISOR_TOPIC = "zeek/supervisor";
/** Subscribed by every Zeek node (publish-on-change tables, `&publish_on_change`). */
export const TABLE_TOPIC_PREFIX = "zeek/table/";

/** Zeek's `Cluster::node_topic(name)` under ZeroMQ: `<prefix>.<name>.`. The trailing dot stops worker-1 matching worker-10. */
export function nodeTopic(name: string, prefix: string = DEFAULT_NODE_TOPIC_PREFIX): string {
  return `${prefix}.${name}.`;
}

/** Zeek's `Cluster::nodeid_topic(id)` under ZeroMQ: `<prefix>.<id>.`. */
export function nodeidTopic(id: string, prefix: string = DEFAULT_NODEID_TOPIC_PREFIX): string {
  return `${prefix}.${id}.`;
}

/**
 * The node id inside a nodeid topic, as Zeek's `subscription` handler extracts it: strip
 * `<prefix>.` and the last character (whatever it is). undefined if the topic lacks the prefix.
 */
export function nodeIdFromTopic(topic: string, prefix: string = DEFAULT_NODEID_TOPIC_PREFIX): string | undefined {
  const p = `${prefix}.`;
  if (!topic.startsWith(p)) return undefined;
  return topic.slice(p.length, Math.max(p.length, topic.length - 1));
}

/** The ephemeral "ready to publish" topic (wire.md §2.5): `<internal prefix><nodeId>.<n>.`, n counting from 1. */
export function readyTopic(prefix: string, nodeId: string, n: number): string {
  return `${prefix}${nodeId}.${n}.`;
}

const BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** Zeek's util::uitoa_n(v, 62): base-62 digits, least significant first (that is Zeek's order). */
function base62LsbFirst(v: bigint): string {
  let s = "";
  do {
    s += BASE62[Number(v % 62n)];
    v /= 62n;
  } while (v > 0n);
  return s;
}

/**
 * Like Zeek's `unique_id(prefix)` with the default bits_per_uid=96: the UID is a 32-bit and a
 * 64-bit word, each written in base 62 (LSB first) after the prefix, e.g. "NeoO0O3g2oEWsSpZXf".
 */
export function uniqueId(prefix: string, random: Uint8Array = randomBytes(12)): string {
  if (random.length < 12) throw new RangeError("uniqueId needs 12 random bytes");
  const b = Buffer.from(random.buffer, random.byteOffset, random.byteLength);
  return prefix + base62LsbFirst(BigInt(b.readUInt32LE(0))) + base62LsbFirst(b.readBigUInt64LE(4));
}

/** `zeromq_<node>_<hostname>_<pid>_<unique_id("N")>`, fixed per process in Zeek (`Cluster::node_id()`). */
export function makeNodeId(node: string, opts: { hostname?: string; pid?: number; unique?: string } = {}): string {
  return `zeromq_${node}_${opts.hostname ?? hostname()}_${opts.pid ?? process.pid}_${opts.unique ?? uniqueId("N")}`;
}

/**
 * The topics a Zeek node named `selfName` subscribes to, in order: `zeek/supervisor`,
 * `zeek/table/` (observed on every node, fixtures/zeek-8.2.2/discovery), then
 * setup-subscriptions.zeek: every pool containing the node (pools sorted by topic), the role
 * topic, its nodeid topic, its node topic.
 */
export function roleSubscriptions(
  layout: ClusterLayout,
  selfName: string,
  nodeId: string,
  prefixes: { nodeTopicPrefix?: string; nodeidTopicPrefix?: string } = {},
): string[] {
  const self = findNode(layout, selfName);
  const out = [SUPERVISOR_TOPIC, TABLE_TOPIC_PREFIX];
  for (const p of POOL_TYPES) if (poolNodeNames(layout, p).includes(selfName)) out.push(POOL_TOPICS[p]);
  out.push(ROLE_TOPICS[self.type]);
  out.push(nodeidTopic(nodeId, prefixes.nodeidTopicPrefix));
  out.push(nodeTopic(selfName, prefixes.nodeTopicPrefix));
  return out;
}
