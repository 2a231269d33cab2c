// Node discovery of Zeek's ZeroMQ backend (policy/frameworks/cluster/backend/zeromq/main.zeek,
// wire.md §5.2): nodes see each other's nodeid-topic subscriptions on their XPUB, answer with
// ZeroMQ::hello, and exchange Cluster::hello once both the subscription and the hello were seen;
// Cluster::hello raises node_up, the nodeid unsubscription node_down. Pure state: the owner
// publishes what this returns and raises the events.
// Every name and id here comes from a peer: the state they can grow is bounded (layout names only
// for nodes up, max_pending_hellos unmatched ids, max_node_id_length per id), ids that could forge
// output (control characters) are refused, and every one printed goes through printable().
import { printable, quoted } from "../printable.js";
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
  /**
   * A peer hit a limit (`reason` = the option's name); the state it would have grown was not kept.
   * Messages are built only if printed (a flood of refusals must stay cheap).
   */
  refused(reason: "max_pending_hellos" | "max_node_id_length", message: () => string): void;
  /** A hello or nodeid topic that no Zeek node sends (an id or name with control characters). */
  invalid(message: () => string): void;
}

export interface DiscoveryConfig {
  selfId: string;
  /** Names in `Cluster::nodes` (the layout). */
  nodeNames: readonly string[];
  nodeidTopicPrefix: string;
  /** hello_expiration in ms. */
  helloExpirationMs: number;
  /** max_pending_hellos: unmatched subscriptions plus hellos kept at once. @default 10000 */
  maxPending?: number;
  /** max_node_id_length. @default 1024 */
  maxIdLength?: number;
}

/** True if `s` has no control characters, bidi overrides or the like (printable() keeps it as it is). */
function plainText(s: string): boolean {
  return printable(s, s.length) === s;
}

export class Discovery {
  /** `Cluster::nodes[name]$id` for nodes that said hello. */
  private readonly ids = new Map<string, string>();
  private readonly names: Set<string>;
  /** Node ids whose nodeid subscription we saw (waiting for their ZeroMQ::hello), with time seen. */
  private readonly nodeidSubscriptions = new Map<string, number>();
  /** Node ids whose ZeroMQ::hello we got (waiting for their subscription). */
  private readonly nodeidHellos = new Map<string, number>();

  private readonly maxPending: number;
  private readonly maxIdLength: number;

  constructor(
    private readonly cfg: DiscoveryConfig,
    private readonly act: DiscoveryActions,
  ) {
    this.names = new Set(cfg.nodeNames);
    this.maxPending = cfg.maxPending ?? 10_000;
    this.maxIdLength = cfg.maxIdLength ?? 1024;
  }

  /** Unmatched subscriptions and hellos held now (bounded by max_pending_hellos). */
  get pending(): number {
    return this.nodeidSubscriptions.size + this.nodeidHellos.size;
  }

  /** False (and reported) for ids no Zeek node would send; `what` says where it came from. */
  private acceptableId(id: string, what: string): boolean {
    if (id.length > this.maxIdLength) {
      this.act.refused("max_node_id_length", () => `ignoring ${what} with a node id of ${id.length} characters (max_node_id_length ${this.maxIdLength}): ${printable(id, 64)}`);
      return false;
    }
    if (id === "" || !plainText(id)) {
      this.act.invalid(() => `ignoring ${what} with an invalid node id ${quoted(id, 64)} (empty or control characters)`);
      return false;
    }
    return true;
  }

  /**
   * Makes room for one more unmatched id under max_pending_hellos by forgetting the oldest one of
   * the same kind (reported), or of the other kind when this one holds none. Forgetting the oldest
   * rather than refusing the newest: a flood of fake ids cannot lock newcomers out for a whole
   * hello_expiration. Of the same kind: a real node's two halves can arrive far apart (a joining
   * node gets the broker's whole replay of subscriptions after a peer's hello; a flooded node
   * handles a hello behind thousands of queued ones), and a flood of one kind must not push out
   * the half of the other kind that waits for it.
   */
  private makeRoom(id: string, what: string, kind: "subscription" | "hello"): void {
    if (this.pending < this.maxPending) return;
    const sub = this.nodeidSubscriptions.entries().next().value as [string, number] | undefined;
    const hello = this.nodeidHellos.entries().next().value as [string, number] | undefined;
    const fromSubs = sub !== undefined && (hello === undefined || kind === "subscription");
    const [old] = (fromSubs ? sub : hello)!;
    (fromSubs ? this.nodeidSubscriptions : this.nodeidHellos).delete(old);
    this.act.refused(
      "max_pending_hellos",
      () => `${this.maxPending} unmatched hellos/subscriptions are pending (max_pending_hellos): forgot the oldest (node id ${printable(old, 64)}) for ${what} from node id ${printable(id, 64)}`,
    );
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
    if (id === undefined || id === this.cfg.selfId || !this.acceptableId(id, "a nodeid subscription")) return;
    if (!this.nodeidHellos.has(id) && !this.nodeidSubscriptions.has(id)) this.makeRoom(id, "a nodeid subscription", "subscription");
    this.act.zeromqHello(topic);
    if (this.nodeidHellos.delete(id)) this.act.clusterHello(nodeidTopic(id, this.cfg.nodeidTopicPrefix));
    else this.nodeidSubscriptions.set(id, now);
  }

  /** Cluster::Backend::ZeroMQ::hello(name, id). */
  onZeromqHello(name: string, id: string, now: number): void {
    if (!this.acceptableId(id, `ZeroMQ::hello of ${quoted(name, 64)}`)) return;
    if (!plainText(name)) {
      this.act.invalid(() => `ignoring ZeroMQ::hello from node id ${printable(id, 64)} with an invalid node name ${quoted(name, 64)}`);
      return;
    }
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
    else {
      if (!this.nodeidHellos.has(id)) this.makeRoom(id, `ZeroMQ::hello of '${printable(name, 64)}'`, "hello");
      this.nodeidHellos.set(id, now);
    }
  }

  /** Cluster::hello(name, id). */
  onClusterHello(name: string, id: string): void {
    if (!this.names.has(name)) {
      this.act.error(`Got Cluster::hello msg from unexpected node: ${printable(name, 128)} (${printable(id, 128)})`);
      return;
    }
    if (!this.acceptableId(id, `Cluster::hello of '${name}'`)) return;
    const known = this.ids.get(name);
    if (known !== undefined && known !== id) {
      this.act.error(`Duplicate node: ${name} (old id:${known} new id:${printable(id, 128)})`);
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
    this.act.warning(`unsubscription of unknown node with id ${printable(id, 128)}`);
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
        this.act.warning(`Expired subscription from nodeid ${printable(id, 128)}`);
      }
    for (const [id, t] of this.nodeidHellos)
      if (t <= limit) {
        this.nodeidHellos.delete(id);
        this.act.warning(`Expired hello from nodeid ${printable(id, 128)}`);
      }
  }
}
