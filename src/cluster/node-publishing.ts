// ClusterNode's publishing API, Zeek's Cluster::publish / publish_hrw / publish_rr, over one
// publish path (Publisher) and the layout's pools.
import type { ZeekEvent } from "../codec/broker/event.js";
import type { EventDecl } from "../codec/broker/typed.js";
import type { HrwKey } from "./hrw.js";
import type { PoolType } from "./layout.js";
import { NodeHandlers } from "./node-api.js";
import type { Pool } from "./pools.js";
import type { Publisher } from "./publisher.js";

export abstract class NodePublishing extends NodeHandlers {
  /** The pools of the layout (proxy, logger, worker), if the node has a layout that names it. */
  abstract readonly pools: Readonly<Record<PoolType, Pool>> | undefined;
  /** @internal */
  protected abstract readonly publisher: Publisher;
  /** @internal `zeek-zmq[name]`, for errors. */
  protected abstract readonly prefix: string;

  /**
   * `Cluster::publish(topic, event, args...)`. Returns false when the XPUB is at its high-water
   * mark (the event is dropped and counted in zeek_cluster_zeromq_xpub_drops_total).
   */
  publish<A extends readonly unknown[]>(topic: string, decl: EventDecl<A>, args: A): boolean {
    return this.publisher.send(topic, decl as EventDecl<readonly unknown[]>, args);
  }

  /** Publishes a self-describing event (as publish() does a typed one). */
  publishEvent(topic: string, event: ZeekEvent): boolean {
    return this.publisher.send(topic, undefined, event);
  }

  /** `Cluster::publish_hrw(pool, key, ...)`: to the pool member rendezvous hashing picks for `key`. */
  publishHrw<A extends readonly unknown[]>(pool: PoolType, key: HrwKey, decl: EventDecl<A>, args: A): boolean {
    const topic = this.pool(pool).hrw(key);
    return topic === "" ? false : this.publish(topic, decl, args);
  }

  /** `Cluster::publish_rr(pool, key, ...)`: round-robin over the pool's live members, per key. */
  publishRr<A extends readonly unknown[]>(pool: PoolType, key: string, decl: EventDecl<A>, args: A): boolean {
    const topic = this.pool(pool).rr(key);
    return topic === "" ? false : this.publish(topic, decl, args);
  }

  private pool(type: PoolType): Pool {
    const p = this.pools?.[type];
    if (!p) throw new Error(`${this.prefix}: pools need a layout that names this node`);
    return p;
  }
}
