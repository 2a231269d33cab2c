// The console's own, silent participant in the cluster: which nodes are up, as seen through the
// broker. Its XPUB (connected to the broker's XSUB) receives every subscription in the cluster,
// the broker's cached set first: a `zeek.cluster.nodeid.<id>.` subscription means that node is
// connected (node_up), its unsubscription that it left (node_down), exactly what Zeek's
// discovery keys on. Its XSUB subscribes to the nodeid prefix WITHOUT the trailing dot
// ("zeek.cluster.nodeid"), so it hears every hello the nodes exchange (name and id, first hand)
// while no node takes that subscription for a node id: nobody says hello to the console, nobody
// expects one from it, nobody logs a warning when it comes or goes (docs/console.md).
import { EventEmitter } from "node:events";
import { FORMAT as BIN_FORMAT } from "../codec/broker/bin.js";
import { decodeJsonEvent, FORMAT as JSON_FORMAT } from "../codec/broker/json.js";
import { readEventName } from "../codec/broker/typed.js";
import { CLUSTER_HELLO, ZEROMQ_HELLO } from "../cluster/node-types.js";
import type { NodeOptions } from "../cluster/options.js";
import { nodeIdFromTopic } from "../cluster/topics.js";
import { DecodeError } from "../errors.js";
import { curveKeysFrom, XPub, XSub, type PackedMessage } from "../transport/index.js";

export interface ObserverEvents {
  /** A node id subscribed (the node connected); `name` when known (hello, layout or id). */
  up: [id: string, name: string | undefined];
  /** A node id unsubscribed (the node left or lost the broker). */
  down: [id: string, name: string | undefined];
  /** The name of a live id became known (a hello arrived after its subscription). */
  named: [id: string, name: string];
  /** The console's own connection to the broker (both sockets) came or went. */
  broker: [connected: boolean];
}

export interface ObserverConfig {
  options: Pick<NodeOptions, "connectXpubEndpoint" | "connectXsubEndpoint" | "nodeidTopicPrefix" | "ipv6" | "heartbeatIntervalMs" | "heartbeatTimeoutMs"> & Parameters<typeof curveKeysFrom>[0];
  /** Node names of the layout, to read names out of node ids (`zeromq_<name>_<host>_<pid>_<uid>`). */
  layoutNames?: readonly string[];
  /** Live node ids tracked at most (peer-controlled). @default 4096 */
  maxIds?: number;
}

const HELLO_NAMES = new Set([ZEROMQ_HELLO.name, CLUSTER_HELLO.name]);
/** Largest JSON payload looked at for a hello (JSON hellos are ~100 bytes). */
const MAX_JSON_HELLO = 4096;

/**
 * The node name inside a Zeek node id (`zeromq_<name>_<host>_<pid>_<uid>`, wire.md §5.1): the
 * longest layout name that fits, else everything up to the host (host names have no "_").
 */
export function nameFromNodeId(id: string, layoutNames: readonly string[] = []): string | undefined {
  let best: string | undefined;
  for (const n of layoutNames) if (id.startsWith(`zeromq_${n}_`) && (best === undefined || n.length > best.length)) best = n;
  if (best !== undefined) return best;
  const name = /^zeromq_(.+)_[^_]*_\d+_N[0-9A-Za-z]+$/.exec(id)?.[1];
  return name !== undefined && isNodeName(name) ? name : undefined;
}

/** Names a layout allows (they become topic parts); anything else from a peer is not shown as a node. */
export function isNodeName(name: string): boolean {
  return name.length <= 128 && /^[A-Za-z0-9_.:-]+$/.test(name);
}

export class ClusterObserver extends EventEmitter<ObserverEvents> {
  /** Live node ids (their nodeid subscription is present) -> name, if known. */
  readonly live = new Map<string, string | undefined>();
  /** Names learnt from hellos, by id (bounded like `live`). */
  private readonly helloNames = new Map<string, string>();
  /** Subscriptions beyond maxIds, hellos that did not decode, messages that were not 4 frames. */
  readonly counters = { idsRefused: 0, badMessages: 0, hellos: 0, nodeidMessages: 0 };
  private readonly xpub: XPub;
  private readonly xsub: XSub;
  private readonly prefix: string;
  private readonly maxIds: number;
  private connected = 0;
  private closed = false;

  constructor(private readonly cfg: ObserverConfig) {
    super();
    const o = cfg.options;
    this.prefix = `${o.nodeidTopicPrefix}.`;
    this.maxIds = cfg.maxIds ?? 4096;
    const curve = curveKeysFrom(o).client;
    const common = { ipv6: o.ipv6, linger: 0, heartbeatInterval: o.heartbeatIntervalMs, heartbeatTimeout: o.heartbeatTimeoutMs, ...(curve ? { curve } : {}) };
    this.xpub = new XPub({ ...common, verboser: true });
    this.xsub = new XSub({ ...common, receiveHighWaterMark: 10_000 });
    this.xpub.on("readable", () => this.pullSubscriptions());
    this.xsub.on("readable", () => this.pullHellos());
    for (const s of [this.xpub, this.xsub]) {
      s.on("handshake", () => this.connectedChange(+1));
      s.on("disconnected", () => this.connectedChange(-1));
    }
    // The broker replays its subscriptions to a reconnecting XPUB: start over from them.
    this.xpub.on("disconnected", () => {
      if (this.closed) return;
      for (const [id, name] of [...this.live]) {
        this.live.delete(id);
        this.emit("down", id, name);
      }
    });
  }

  /** Connects to the broker (returns at once; the sockets keep reconnecting). */
  start(): void {
    this.xpub.connect(this.cfg.options.connectXpubEndpoint);
    this.xsub.connect(this.cfg.options.connectXsubEndpoint);
    this.xsub.send([Buffer.from("\x01" + this.cfg.options.nodeidTopicPrefix, "utf8")]);
  }

  get brokerConnected(): boolean {
    return this.connected === 2;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.xpub.close(), this.xsub.close()]);
  }

  private connectedChange(d: number): void {
    const before = this.brokerConnected;
    this.connected = Math.max(0, Math.min(2, this.connected + d));
    if (before !== this.brokerConnected) this.emit("broker", this.brokerConnected);
  }

  private nameOf(id: string): string | undefined {
    return this.helloNames.get(id) ?? nameFromNodeId(id, this.cfg.layoutNames);
  }

  private pullSubscriptions(): void {
    for (const msg of this.xpub.receivePacked()) {
      if (msg.frameCount !== 1 || msg.frameLength(0) === 0) continue;
      const f = msg.frame(0);
      if (f[0]! > 1) continue;
      const topic = f.toString("utf8", 1);
      const id = topic.startsWith(this.prefix) ? nodeIdFromTopic(topic, this.cfg.options.nodeidTopicPrefix) : undefined;
      if (id === undefined || id === "") continue;
      if (f[0] === 1) {
        if (this.live.has(id)) continue;
        if (this.live.size >= this.maxIds) {
          this.counters.idsRefused++;
          continue;
        }
        const name = this.nameOf(id);
        this.live.set(id, name);
        this.emit("up", id, name);
      } else if (this.live.has(id)) {
        const name = this.live.get(id);
        this.live.delete(id);
        this.helloNames.delete(id);
        this.emit("down", id, name);
      }
    }
  }

  /** Messages on nodeid topics: only the hellos are decoded, the rest is counted. */
  private pullHellos(): void {
    const msgs = this.xsub.receivePacked();
    for (let i = 0; i < msgs.length; i++) {
      const msg = msgs[i]!;
      this.counters.nodeidMessages++;
      if (msg.frameCount !== 4) {
        this.counters.badMessages++;
        continue;
      }
      try {
        this.hello(msg);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        this.counters.badMessages++;
      }
    }
  }

  private hello(msg: PackedMessage): void {
    const format = msg.frame(2).toString("latin1");
    const payload = msg.frame(3);
    let args: unknown[];
    if (format === BIN_FORMAT) {
      const name = readEventName(payload);
      if (!HELLO_NAMES.has(name)) return;
      args = (name === ZEROMQ_HELLO.name ? ZEROMQ_HELLO : CLUSTER_HELLO).decode(payload);
    } else if (format === JSON_FORMAT && payload.length <= MAX_JSON_HELLO) {
      const ev = decodeJsonEvent(payload);
      if (!HELLO_NAMES.has(ev.name)) return;
      args = (ev.name === ZEROMQ_HELLO.name ? ZEROMQ_HELLO : CLUSTER_HELLO).fromEvent(ev);
    } else return;
    const [name, id] = args as [string, string];
    if (!isNodeName(name)) {
      this.counters.badMessages++;
      return;
    }
    // The sender frame must be the id the hello announces: a node speaks only for itself.
    if (!msg.frameEquals(1, Buffer.from(id, "utf8"))) {
      this.counters.badMessages++;
      return;
    }
    this.counters.hellos++;
    if (this.helloNames.get(id) === name) return;
    if (this.helloNames.size >= this.maxIds) this.helloNames.clear();
    this.helloNames.set(id, name);
    if (this.live.has(id) && this.live.get(id) !== name) {
      this.live.set(id, name);
      this.emit("named", id, name);
    }
  }
}
