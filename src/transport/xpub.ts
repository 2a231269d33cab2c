// XPUB (libzmq xpub_t): prefix-filtered fan-out to subscribers, subscriptions delivered to the
// application as single-frame 01/00+topic messages (wire.md §1.8), per-peer send HWM, nodrop.
// Unlike libzmq, subscriptions are bounded (maxSubscriptionsPerPeer, maxTopicLength,
// maxSubscriptionBytes: refused and reported as "limit" events) and a CANCEL of a topic the
// peer does not hold is ignored (libzmq passes it on, letting one peer cancel another's topic).
import { equalBytes } from "../bytes.js";
import type { SocketOptions } from "./options.js";
import { PackedMessage } from "./packed.js";
import { type MessageLike, type Pipe, isFrames, toOutgoing } from "./pipe.js";
import { ZmtpSocket } from "./socket.js";
import { SubscriptionTrie } from "./trie.js";
import type { SocketType } from "./types.js";
import type { LimitReason } from "./limits.js";

export interface XPubOptions extends SocketOptions {
  /** ZMQ_XPUB_VERBOSE: deliver every subscribe, not only the first for a topic. @default false */
  verbose?: boolean;
  /** ZMQ_XPUB_VERBOSER: like verbose, and deliver every unsubscribe too. @default false */
  verboser?: boolean;
  /** ZMQ_XPUB_NODROP: send() returns false when a matching peer is at its HWM instead of dropping for it. @default false */
  noDrop?: boolean;
  /**
   * zeek-zmq: deliver only changes: a SUBSCRIBE of a topic the peer already holds is not
   * delivered again, even with verbose. A proxy needs this so the reference counts of its XSUB
   * equal the number of holders (libzmq's proxy counts repeats and never cancels such a topic). @default false
   */
  changesOnly?: boolean;
}

const MATCH_CACHE_MAX = 4096;

export class XPub extends ZmtpSocket {
  readonly type: SocketType = "XPUB";
  /** Messages dropped for a peer at its HWM (without noDrop), as libzmq does silently. */
  drops = 0;
  /** @internal */
  protected readonly verboseSubs: boolean;
  /** @internal */
  protected readonly verboseUnsubs: boolean;
  private readonly noDrop: boolean;
  private readonly changesOnly: boolean;
  private readonly trie = new SubscriptionTrie<Pipe>({ indexItems: true });
  /** Matching pipes per topic (latin1 key); reset whenever a subscription changes. */
  private readonly cache = new Map<string, Pipe[]>();
  private lastTopic: Uint8Array | null = null;
  private lastTargets: Pipe[] = [];

  constructor(options: XPubOptions = {}) {
    const { verbose, verboser, noDrop, changesOnly, ...rest } = options;
    super(rest);
    this.verboseSubs = verbose === true || verboser === true;
    this.verboseUnsubs = verboser === true;
    this.noDrop = noDrop === true;
    this.changesOnly = changesOnly === true;
  }

  /** Subscriptions held, as (topic, peer) pairs. */
  get subscriptionCount(): number {
    return this.trie.size;
  }

  /** Estimated memory of the subscription table in bytes (what maxSubscriptionBytes bounds). */
  get subscriptionBytes(): number {
    return this.trie.bytes;
  }

  /**
   * Sends one message to every subscriber whose topic prefixes its first frame. Returns false
   * only with noDrop, when a matching peer is at its HWM (nothing was sent; retry after
   * "drain" or count a drop). Messages nobody subscribed to are discarded (returns true).
   * Frames are Buffers/Uint8Arrays, queued by reference (no copy) until written: do not modify
   * them after send(); or strings, sent as UTF-8: `send(["topic", payload])`.
   */
  send(message: MessageLike): boolean {
    // The hot path: keep this and what it inlines small (toOutgoing says why; 714 of V8's ~766
    // bytes for a callee inlined into a loop, BENCHMARKS.md issue 13).
    if (this.trie.size === 0) return true;
    const msg = toOutgoing(message);
    // Publishers mostly repeat a topic: compare with a private copy of the last one (the caller may reuse its buffer).
    const last = this.lastTopic;
    let targets: Pipe[];
    if (isFrames(msg)) {
      const topic = msg[0]!;
      targets = last !== null && equalBytes(topic, last) ? this.lastTargets : this.targets(topic);
    } else targets = last !== null && msg.frameEquals(0, last) ? this.lastTargets : this.targets(msg.frame(0));
    const n = targets.length;
    if (this.noDrop) {
      for (let i = 0; i < n; i++) if (targets[i]!.full) return this.full(targets[i]!);
    }
    for (let i = 0; i < n; i++) {
      const pipe = targets[i]!;
      if (pipe.full) this.drops++;
      else this.enqueue(pipe, msg);
    }
    return true;
  }

  private full(pipe: Pipe): boolean {
    this.blocked(pipe);
    if (this.noDrop) return false;
    this.drops++;
    return true;
  }

  private targets(topic: Uint8Array): Pipe[] {
    const key = Buffer.from(topic.buffer, topic.byteOffset, topic.length).toString("latin1");
    let targets = this.cache.get(key);
    if (targets === undefined) {
      const set = new Set<Pipe>();
      this.trie.match(topic, (p) => set.add(p));
      targets = [...set];
      if (this.cache.size >= MATCH_CACHE_MAX) this.cache.clear();
      this.cache.set(key, targets);
    }
    this.lastTopic = Uint8Array.from(topic);
    this.lastTargets = targets;
    return targets;
  }

  private invalidate(): void {
    this.cache.clear();
    this.lastTopic = null;
  }

  /** @internal */
  protected override pipeMessage(pipe: Pipe, msg: PackedMessage): void {
    if (msg.frameCount === 1 && msg.frameLength(0) > 0 && msg.buf[msg.spans[0]!]! <= 1) {
      const f = msg.frame(0);
      if (f[0] === 1) this.subscribe(pipe, f.subarray(1), msg);
      else this.cancel(pipe, f.subarray(1), msg);
      return;
    }
    this.upstream(pipe, msg);
  }

  private subscribe(pipe: Pipe, topic: Buffer, msg: PackedMessage): void {
    const o = this.opts;
    if (o.maxTopicLength > 0 && topic.length > o.maxTopicLength) {
      this.refuse(pipe, "max_topic_length", `refused a subscription of ${topic.length} bytes (maxTopicLength ${o.maxTopicLength})`);
      return;
    }
    if (this.trie.has(topic, pipe)) {
      if (this.verboseSubs && !this.changesOnly) this.notify(pipe, msg);
      return;
    }
    // A peer we connected to (a node's broker) relays a whole cluster: only the socket's total bounds it.
    if (pipe.accepted && o.maxSubscriptionsPerPeer > 0 && this.trie.countOf(pipe) >= o.maxSubscriptionsPerPeer) {
      this.refuse(pipe, "max_subscriptions_per_peer", `refused a subscription: the peer holds ${this.trie.countOf(pipe)} (maxSubscriptionsPerPeer)`);
      return;
    }
    if (o.maxSubscriptionBytes > 0 && this.trie.bytes + SubscriptionTrie.costOf(topic.length) > o.maxSubscriptionBytes) {
      this.refuse(pipe, "max_subscription_bytes", `refused a subscription: the table holds ${this.trie.size} subscriptions in about ${this.trie.bytes} bytes (maxSubscriptionBytes ${o.maxSubscriptionBytes})`);
      return;
    }
    const added = this.trie.add(topic, pipe);
    this.invalidate();
    if (added === 2 || this.verboseSubs) this.notify(pipe, msg);
  }

  private cancel(pipe: Pipe, topic: Buffer, msg: PackedMessage): void {
    const removed = this.trie.remove(topic, pipe);
    if (removed < 0) {
      this.refuse(pipe, "cancel_not_subscribed", `ignored a CANCEL of a ${topic.length}-byte topic it does not hold`);
      return;
    }
    this.invalidate();
    if (removed === 1 || this.verboseUnsubs) this.notify(pipe, msg);
  }

  private refuse(pipe: Pipe, reason: LimitReason, detail: string): void {
    if (pipe.conn !== null) this.limitHit(pipe.conn, reason, detail);
  }

  /** Delivers a (un)subscription to the application. @internal */
  protected notify(pipe: Pipe, msg: PackedMessage): void {
    this.queueInbound(pipe, msg);
  }

  /** Data from a subscriber that is not a subscription: passed to the application unchanged. @internal */
  protected upstream(pipe: Pipe, msg: PackedMessage): void {
    this.queueInbound(pipe, msg);
  }

  /** @internal */
  protected pipeAttached(_pipe: Pipe): void {}

  /** A lost peer's topics are unsubscribed; the application hears of those no one holds any more (all with verboser), in byte order. @internal */
  protected pipeDetached(pipe: Pipe): void {
    if (this.trie.countOf(pipe) === 0) return;
    this.invalidate();
    this.trie.removeItem(pipe, (topic, last) => {
      if (!last && !this.verboseUnsubs) return;
      const msg = Buffer.allocUnsafe(1 + topic.length);
      msg[0] = 0;
      topic.copy(msg, 1);
      this.notify(pipe, PackedMessage.single(msg));
    });
  }
}
