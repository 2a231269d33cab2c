// Node discovery of Zeek's ZeroMQ backend (policy/frameworks/cluster/backend/zeromq/main.zeek,
// wire.md §5.2): nodes see each other's nodeid-topic subscriptions on their XPUB, answer with
// ZeroMQ::hello, and exchange Cluster::hello once both the subscription and the hello were seen;
// Cluster::hello raises node_up, the nodeid unsubscription node_down. Pure state: the owner
// publishes what this returns and raises the events.
import { nodeidTopic, nodeIdFromTopic } from "./topics.js";

export interface DiscoveryActions {
  /** Publish ZeroMQ::hello(self) to `topic`. */
  zeromqHello(topic: string): void;
  /** Publish Cluster::hello(self) to `topic`. */
  clusterHello(topic: string): void;
  nodeUp(name: string, id: string): void;
  nodeDown(name: string, id: string): void;
  warning(message: string): void;
  error(message: string): void;
}

export interface DiscoveryConfig {
  selfId: string;
  /** Names in `Cluster::nodes` (the layout). */
  nodeNames: readonly string[];
  nodeidTopicPrefix: string;
  /** hello_expiration in ms. */
  helloExpirationMs: number;
}

export class Discovery {
  /** `Cluster::nodes[name]$id` for nodes that said hello. */
  private readonly ids = new Map<string, string>();
  private readonly names: Set<string>;
  /** Node ids whose nodeid subscription we saw (waiting for their ZeroMQ::hello), with time seen. */
  private readonly nodeidSubscriptions = new Map<string, number>();
  /** Node ids whose ZeroMQ::hello we got (waiting for their subscription). */
  private readonly nodeidHellos = new Map<string, number>();

  constructor(
    private readonly cfg: DiscoveryConfig,
    private readonly act: DiscoveryActions,
  ) {
    this.names = new Set(cfg.nodeNames);
  }

  /** The id a node announced, if it is up. */
  idOf(name: string): string | undefined {
    return this.ids.get(name);
  }

  /** Names of the nodes that are up. */
  upNodes(): string[] {
    return [...this.ids.keys()];
  }

  /** Cluster::Backend::ZeroMQ::subscription(topic). */
  onSubscription(topic: string, now: number): void {
    const id = nodeIdFromTopic(topic, this.cfg.nodeidTopicPrefix);
    if (id === undefined || id === this.cfg.selfId) return;
    this.act.zeromqHello(topic);
    if (this.nodeidHellos.delete(id)) this.act.clusterHello(nodeidTopic(id, this.cfg.nodeidTopicPrefix));
    else this.nodeidSubscriptions.set(id, now);
  }

  /** Cluster::Backend::ZeroMQ::hello(name, id). */
  onZeromqHello(name: string, id: string, now: number): void {
    const known = this.ids.get(name);
    if (known === id) {
      this.act.warning(`node '${name}' (${id}) sends ZeroMQ::hello twice`);
      return;
    }
    if (known !== undefined) {
      this.act.warning(`node '${name}' never said goodbye (old id:${known} new id:${id})`);
      this.ids.delete(name);
      this.act.nodeDown(name, known);
    }
    if (this.nodeidSubscriptions.delete(id)) this.act.clusterHello(nodeidTopic(id, this.cfg.nodeidTopicPrefix));
    else this.nodeidHellos.set(id, now);
  }

  /** Cluster::hello(name, id). */
  onClusterHello(name: string, id: string): void {
    if (!this.names.has(name)) {
      this.act.error(`Got Cluster::hello msg from unexpected node: ${name} (${id})`);
      return;
    }
    const known = this.ids.get(name);
    if (known !== undefined && known !== id) {
      this.act.error(`Duplicate node: ${name} (old id:${known} new id:${id})`);
      return;
    }
    this.ids.set(name, id);
    if (known === undefined) this.act.nodeUp(name, id);
  }

  /** Cluster::Backend::ZeroMQ::unsubscription(topic). */
  onUnsubscription(topic: string): void {
    const id = nodeIdFromTopic(topic, this.cfg.nodeidTopicPrefix);
    if (id === undefined || id === this.cfg.selfId) return;
    this.nodeidSubscriptions.delete(id);
    for (const [name, known] of this.ids) {
      if (known !== id) continue;
      this.ids.delete(name);
      this.act.nodeDown(name, id);
      return;
    }
    this.act.warning(`unsubscription of unknown node with id ${id}`);
  }

  /**
   * The connection to the broker was lost: every node we knew is unreachable from here, so each
   * gets node_down and discovery starts over when the broker replays the subscriptions.
   */
  reset(): void {
    const up = [...this.ids];
    this.ids.clear();
    this.nodeidSubscriptions.clear();
    this.nodeidHellos.clear();
    for (const [name, id] of up) this.act.nodeDown(name, id);
  }

  /** Expires unmatched hello state older than hello_expiration, with Zeek's warnings. */
  expire(now: number): void {
    const limit = now - this.cfg.helloExpirationMs;
    for (const [id, t] of this.nodeidSubscriptions)
      if (t <= limit) {
        this.nodeidSubscriptions.delete(id);
        this.act.warning(`Expired subscription from nodeid ${id}`);
      }
    for (const [id, t] of this.nodeidHellos)
      if (t <= limit) {
        this.nodeidHellos.delete(id);
        this.act.warning(`Expired hello from nodeid ${id}`);
      }
  }
}
