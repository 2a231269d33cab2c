// Zeek's cluster pools (base/frameworks/cluster/pools.zeek): membership, alive/dead tracking from
// node_up/node_down, `hrw_topic` (rendezvous hashing, base/utils/hash_hrw.zeek) and `rr_topic`.

import { type ClusterLayout, type PoolType, poolNodeNames } from "./layout.js";
import { fnv1a32, type HrwKey, hrwSelect } from "./hrw.js";
import { DEFAULT_NODE_TOPIC_PREFIX, nodeTopic, POOL_TOPICS } from "./topics.js";

/** Zeek's `Cluster::PoolNode`. */
export interface PoolNode {
  readonly name: string;
  /** `name + "." + c`, c counting up until the site id does not collide within the pool. */
  readonly alias: string;
  /** `fnv1a32(alias)`: the node's HRW site id. */
  readonly siteId: number;
  alive: boolean;
  /** `Cluster::node_topic(name)`: where work for this node is published. */
  readonly topic: string;
}

export class Pool {
  /** Nodes by name. */
  readonly nodes = new Map<string, PoolNode>();
  /** Nodes in init order (name order for the default pools): the round-robin order. */
  readonly nodeList: PoolNode[] = [];
  /** HashHRW sites: only nodes marked alive through {@link markAlive} (see the note on {@link hrw}). */
  private readonly sites = new Map<number, PoolNode>();
  private readonly rrKeySeq = new Map<string, number>();
  private alive = 0;

  constructor(
    /** The pool's topic (`PoolSpec$topic`), e.g. `zeek.cluster.pool.worker`. */
    readonly topic: string,
    /** `Cluster::node`: the local node starts alive (for round-robin) without a node_up. */
    readonly selfName: string,
    private readonly nodeTopicPrefix: string = DEFAULT_NODE_TOPIC_PREFIX,
  ) {}

  /** One of Zeek's default pools for `layout`, with the members Zeek gives it. */
  static fromLayout(layout: ClusterLayout, type: PoolType, selfName: string, nodeTopicPrefix?: string): Pool {
    const pool = new Pool(POOL_TOPICS[type], selfName, nodeTopicPrefix);
    for (const name of poolNodeNames(layout, type)) pool.initNode(name);
    return pool;
  }

  /** Number of members currently alive (`Pool$alive_count`). */
  get aliveCount(): number {
    return this.alive;
  }

  /** Zeek's `init_pool_node`: false if the name is already a member. */
  initNode(name: string): boolean {
    if (this.nodes.has(name)) return false;
    const taken = new Set<number>();
    for (const pn of this.nodes.values()) taken.add(pn.siteId);
    // Site id collisions are resolved with aliases "name.0", "name.1", ...
    for (let c = 0; ; c++) {
      const alias = `${name}.${c}`;
      const siteId = fnv1a32(alias);
      if (taken.has(siteId)) continue;
      const pn: PoolNode = { name, alias, siteId, alive: name === this.selfName, topic: nodeTopic(name, this.nodeTopicPrefix) };
      this.nodes.set(name, pn);
      this.nodeList.push(pn);
      if (pn.alive) this.alive++;
      return true;
    }
  }

  /** Zeek's `mark_pool_node_alive` (on `Cluster::node_up`): false if `name` is not a member. */
  markAlive(name: string): boolean {
    const pn = this.nodes.get(name);
    if (pn === undefined) return false;
    if (!pn.alive) {
      pn.alive = true;
      this.alive++;
    }
    if (!this.sites.has(pn.siteId)) this.sites.set(pn.siteId, pn);
    return true;
  }

  /** Zeek's `mark_pool_node_dead` (on `Cluster::node_down`): false if `name` is not a member. */
  markDead(name: string): boolean {
    const pn = this.nodes.get(name);
    if (pn === undefined) return false;
    if (pn.alive) {
      pn.alive = false;
      this.alive--;
    }
    this.sites.delete(pn.siteId);
    return true;
  }

  /**
   * The member Zeek's `HashHRW::get_site` picks for `key`: the highest `hrw_weight(fnv1a32(key),
   * site_id)`, ties going to the larger site id; undefined when no site is alive. As in Zeek, the
   * local node becomes a site only through markAlive: Zeek never raises node_up for itself, so a
   * node's own hrw_topic never chooses itself unless the caller marks it alive.
   */
  hrwNode(key: HrwKey): PoolNode | undefined {
    const id = hrwSelect(this.sites.keys(), key);
    return id === undefined ? undefined : this.sites.get(id);
  }

  /** Zeek's `Cluster::hrw_topic(pool, key)`: the chosen member's node topic, or "" if none is alive. */
  hrw(key: HrwKey): string {
    return this.hrwNode(key)?.topic ?? "";
  }

  /**
   * Zeek's `Cluster::rr_topic(pool, key)`: the next alive member after the one this key got last
   * time, in `nodeList` order, with a separate position per key; "" if none is alive.
   */
  rrNode(key = ""): PoolNode | undefined {
    const list = this.nodeList;
    let next = this.rrKeySeq.get(key) ?? 0;
    if (next >= list.length) {
      this.rrKeySeq.set(key, next);
      return undefined;
    }
    const start = next;
    let chosen: PoolNode | undefined;
    for (;;) {
      const pn = list[next] as PoolNode;
      next = next + 1 === list.length ? 0 : next + 1;
      if (pn.alive) {
        chosen = pn;
        break;
      }
      if (next === start) break;
    }
    this.rrKeySeq.set(key, next);
    return chosen;
  }

  /** {@link rrNode}'s topic, or "" (Zeek's return value when nothing is alive). */
  rr(key = ""): string {
    return this.rrNode(key)?.topic ?? "";
  }
}

/** Zeek's three default pools for the local node `selfName`, keyed by pool type. */
export function defaultPools(layout: ClusterLayout, selfName: string, nodeTopicPrefix?: string): Record<PoolType, Pool> {
  return {
    logger: Pool.fromLayout(layout, "logger", selfName, nodeTopicPrefix),
    proxy: Pool.fromLayout(layout, "proxy", selfName, nodeTopicPrefix),
    worker: Pool.fromLayout(layout, "worker", selfName, nodeTopicPrefix),
  };
}
