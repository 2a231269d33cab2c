// A node's part in discovery: Zeek's hello handshake (Discovery) wired to publishing, pools,
// the per-peer node_up gauges, cluster.log and the node's events; and the check that a hello
// comes from the node it names.
import { FORMAT as BIN_FORMAT } from "../codec/broker/bin.js";
import type { ZeekEvent } from "../codec/broker/event.js";
import type { EventDecl } from "../codec/broker/typed.js";
import { quoted } from "../printable.js";
import type { Counter, Gauge, MetricsRegistry } from "../telemetry/registry.js";
import type { PackedMessage } from "../transport/index.js";
import { Discovery } from "./discovery.js";
import type { ClusterLayout } from "./layout.js";
import type { NodeReporter } from "./node-reporter.js";
import { CLUSTER_HELLO, ZEROMQ_HELLO } from "./node-types.js";
import { nodeTopic, nodeidTopic, roleSubscriptions } from "./topics.js";
import type { NodeOptions } from "./options.js";
import type { Pool } from "./pools.js";

/** What discovery needs from its node. */
export interface NodeDiscoveryHost {
  readonly name: string;
  readonly nodeId: string;
  readonly options: NodeOptions;
  readonly layout: ClusterLayout | undefined;
  readonly registry: MetricsRegistry;
  readonly pools: Readonly<Record<string, Pool>> | undefined;
  readonly reporter: NodeReporter;
  readonly msgErrors: Counter;
  publish(topic: string, decl: EventDecl<readonly [string, string]>, args: readonly [string, string]): boolean;
  /** A line for cluster.log (Zeek's Cluster::LOG). */
  clusterLog(message: string): void;
  nodeUp(name: string, id: string): void;
  nodeDown(name: string, id: string): void;
}

/** @internal Discovery as a node runs it. */
export class NodeDiscovery {
  readonly discovery: Discovery;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly host: NodeDiscoveryHost) {
    const { layout, name, options: o, reporter } = host;
    // Whom this node sees up, one 0/1 series per layout peer (bounded by the layout): the web
    // console's "who sees whom" matrix reads it from /metrics.
    const peerUp = new Map<string, Gauge>();
    for (const n of layout?.nodes ?? [])
      if (n.name !== name) peerUp.set(n.name, host.registry.gauge("zeek_zmq_node_up", "1 while this node sees the peer up (node_up, no node_down since), by peer", { peer: n.name }));
    const self = [name, host.nodeId] as const;
    this.discovery = new Discovery(
      {
        selfId: host.nodeId,
        nodeNames: layout?.nodes.map((n) => n.name) ?? [],
        nodeidTopicPrefix: o.nodeidTopicPrefix,
        helloExpirationMs: o.helloExpiration * 1000,
        maxPending: o.maxPendingHellos,
        maxIdLength: o.maxNodeIdLength,
      },
      {
        zeromqHello: (topic) => host.publish(topic, ZEROMQ_HELLO, self),
        clusterHello: (topic) => host.publish(topic, CLUSTER_HELLO, self),
        nodeUp: (peer, id) => {
          host.clusterLog(`got hello from ${peer} (${id})`);
          for (const p of Object.values(host.pools ?? {})) p.markAlive(peer);
          peerUp.get(peer)?.set(1);
          host.nodeUp(peer, id);
        },
        nodeDown: (peer, id) => {
          for (const p of Object.values(host.pools ?? {})) p.markDead(peer);
          peerUp.get(peer)?.set(0);
          host.nodeDown(peer, id);
        },
        // Zeek's discovery warnings, but a peer decides how many: rate-limited.
        warning: (m) => reporter.peerWarnings.always(() => m),
        error: (m) => reporter.peerErrors.always(() => m),
        refused: (reason, m) => reporter.limitHit(reason, m),
        invalid: (m) => {
          host.msgErrors.value++;
          reporter.peerWarnings.always(() => `${m()}; counted in zeek_cluster_zeromq_msg_errors_total`);
        },
      },
    );
  }

  /** Subscribes like a Zeek node of its role and expires unmatched hellos after hello_expiration. */
  start(subscribe: (prefix: string) => void): void {
    const { layout, name, nodeId, options: o } = this.host;
    const topics = layout ? roleSubscriptions(layout, name, nodeId, o) : [nodeidTopic(nodeId, o.nodeidTopicPrefix), nodeTopic(name, o.nodeTopicPrefix)];
    for (const t of topics) subscribe(t);
    const every = Math.max(100, Math.min(1000, (o.helloExpiration * 1000) / 4));
    this.expiryTimer = setInterval(() => this.discovery.expire(Date.now()), every);
    this.expiryTimer.unref();
  }

  stop(): void {
    clearInterval(this.expiryTimer);
  }

  /** Feeds a received hello event to discovery; true if `name` was one (handled or refused). */
  hello(name: string, format: string, payload: Buffer, event: ZeekEvent | undefined, msg: PackedMessage): boolean {
    const decl = name === ZEROMQ_HELLO.name ? ZEROMQ_HELLO : name === CLUSTER_HELLO.name ? CLUSTER_HELLO : undefined;
    if (!decl) return false;
    const [n, id] = format === BIN_FORMAT ? decl.decode(payload) : decl.fromEvent(event!);
    // A Zeek node says hello with its own id, the one in the message's sender frame: a hello
    // naming another id is forged (it would make us hello, or raise node_down, for someone else).
    if (!msg.frameEquals(1, Buffer.from(id, "utf8"))) {
      this.host.msgErrors.value++;
      this.host.reporter.peerWarnings.always(() => `ignoring ${name}(${quoted(n, 64)}, ${quoted(id, 64)}) sent by node id ${quoted(msg.frame(1).toString("utf8"), 64)}: a node says hello with its own id; counted in zeek_cluster_zeromq_msg_errors_total`);
      return true;
    }
    if (decl === ZEROMQ_HELLO) this.discovery.onZeromqHello(n, id, Date.now());
    else this.discovery.onClusterHello(n, id);
    return true;
  }
}
