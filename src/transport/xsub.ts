// XSUB (libzmq xsub_t): everything from publishers is delivered; 01/00+topic written by the
// application are forwarded upstream with reference counting, and the subscription set is
// replayed (sorted, unique, as SUBSCRIBE commands) to every newly connected publisher (wire.md §1.8).
//
// A publisher that does not read (stalled, or hostile) never makes us queue subscription changes
// without bound (libzmq ignores the HWM for them): once its connection is backed up, changes are
// coalesced per topic in its pipe (PendingSubscriptions), so it owes at most one entry per
// distinct topic, whatever the churn, and still ends with exactly the right set. The replay
// walks a sorted snapshot shared by every pipe that connected while the set did not change. All
// peers' backlogs together are bounded by maxSubscriptionBacklog: beyond it, the peer that has
// been behind the longest is disconnected (it reconnects and is replayed the current set).
import { HandshakeError } from "./mechanism.js";
import { type MessageLike, type OutgoingMessage, PEER_HAS, type Pipe, WANT, isFrames, toOutgoing } from "./pipe.js";
import { ZmtpSocket } from "./socket.js";
import type { SocketType } from "./types.js";

/** The backlog total is recomputed after this many new backlog entries. */
const BACKLOG_CHECK_EVERY = 1024;
/** A peer that took no subscription change for this long is stalled (before that it may just not have read yet). */
const STALLED_MS = 1000;

export class XSub extends ZmtpSocket {
  readonly type: SocketType = "XSUB";
  /** Topic (latin1) -> reference count. @internal */
  protected readonly subscriptions = new Map<string, number>();
  /** Sorted topics of `subscriptions`, shared by replays; null once the set changed. */
  private snapshot: readonly string[] | null = null;
  private backlogAdds = 0;
  private checkScheduled = false;

  /**
   * Sends a message upstream to every publisher. A single frame 01+topic subscribes (always
   * forwarded), 00+topic unsubscribes (forwarded when the count reaches 0; unknown topics are
   * swallowed). Other data goes to every publisher with room. Always returns true (XSUB drops, as libzmq).
   * Frames are Buffers/Uint8Arrays (queued by reference: do not modify them after send()) or
   * strings, sent as UTF-8: `send("\x01zeek.cluster.")` subscribes to "zeek.cluster.".
   */
  send(message: MessageLike): boolean {
    const msg = toOutgoing(message);
    const f = isFrames(msg) ? (msg.length === 1 ? msg[0] : undefined) : msg.frameCount === 1 ? msg.frame(0) : undefined;
    if (f !== undefined && f.length > 0 && f[0]! <= 1) {
      const key = Buffer.from(f.buffer, f.byteOffset + 1, f.length - 1).toString("latin1");
      const count = this.subscriptions.get(key) ?? 0;
      if (f[0] === 1) {
        this.subscriptions.set(key, count + 1);
        if (count === 0) this.snapshot = null;
        this.onSubscriptionChange(key, true, count === 0);
        this.forward(f, key, count > 0, true);
      } else {
        if (count === 0) return true;
        if (count > 1) {
          this.subscriptions.set(key, count - 1);
          return true;
        }
        this.subscriptions.delete(key);
        this.snapshot = null;
        this.onSubscriptionChange(key, false, true);
        this.forward(f, key, true, false);
      }
      return true;
    }
    for (const pipe of this.pipes) if (!pipe.full) this.enqueue(pipe, msg);
    return true;
  }

  /**
   * Passes a subscription change on to every connected publisher (disconnected pipes get the
   * whole set replayed when they connect): in order with the data while the peer keeps up,
   * coalesced per topic once it does not. `had`/`has`: whether the topic was/is subscribed.
   */
  private forward(frame: Uint8Array, key: string, had: boolean, has: boolean): void {
    let copy: Buffer | null = null;
    for (const pipe of this.pipes) {
      const conn = pipe.conn;
      if (conn === null) continue;
      if (pipe.subs === null && pipe.replay === null && !pipe.full && !conn.backedUp) {
        // A copy: the frame may be a view into a large network chunk, which a queue must not pin.
        this.enqueue(pipe, [(copy ??= Buffer.from(frame))]);
        continue;
      }
      let subs = pipe.subs;
      if (subs === null) {
        if (pipe.replay === null) pipe.behindSince = performance.now();
        pipe.subs = subs = new Map();
      }
      const prev = subs.get(key);
      // The peer holds what it was last told: the state before this change, unless a change is owed already.
      const peerHas = prev === undefined ? (had ? PEER_HAS : 0) : prev & PEER_HAS;
      const want = has ? WANT : 0;
      if ((peerHas !== 0) === (want !== 0)) {
        subs.delete(key);
        if (subs.size === 0) pipe.subs = null;
      } else {
        subs.set(key, peerHas | want);
        if (prev === undefined && ++this.backlogAdds >= BACKLOG_CHECK_EVERY) this.checkBacklog();
      }
      this.scheduleFlush(pipe);
    }
  }

  /** Hook for SUB's local filter. @internal */
  protected onSubscriptionChange(_topic: string, _subscribe: boolean, _edge: boolean): void {}

  /** @internal */
  protected pipeAttached(_pipe: Pipe): void {}
  /** @internal */
  protected pipeDetached(_pipe: Pipe): void {}

  /** @internal */
  protected override pipeConnected(pipe: Pipe): void {
    // Changes queued for an earlier connection are superseded by the replay.
    pipe.out.retain((m) => !isSubscription(m));
    pipe.subs = null;
    if (this.subscriptions.size === 0) {
      pipe.replay = null;
      return;
    }
    this.snapshot ??= [...this.subscriptions.keys()].sort();
    pipe.replay = this.snapshot;
    pipe.replayAt = 0;
    pipe.behindSince = performance.now();
    this.backlogAdds += this.snapshot.length;
    // Checked once the replay had its first chance to be written (the handshake flushes it).
    if (this.backlogAdds >= BACKLOG_CHECK_EVERY) this.scheduleCheck(0);
  }

  private scheduleCheck(ms: number): void {
    if (this.checkScheduled) return;
    this.checkScheduled = true;
    const t = setTimeout(() => {
      this.checkScheduled = false;
      this.checkBacklog();
    }, ms);
    t.unref();
  }

  /**
   * Disconnects the longest-stalled peers (no subscription written to them for the longest time)
   * while all backlogs together exceed maxSubscriptionBacklog.
   */
  private checkBacklog(): void {
    this.backlogAdds = 0;
    const max = this.opts.maxSubscriptionBacklog;
    if (max <= 0 || this.closed) return;
    let total = 0;
    const behind: Pipe[] = [];
    for (const pipe of this.pipes) {
      const n = pipe.backlog;
      if (n > 0 && pipe.conn !== null) {
        total += n;
        behind.push(pipe);
      }
    }
    if (total <= max) return;
    behind.sort((a, b) => a.behindSince - b.behindSince);
    const now = performance.now();
    for (const pipe of behind) {
      if (total <= max) break;
      if (now - pipe.behindSince < STALLED_MS) {
        // Over the limit, but nobody is stalled yet: look again when the oldest would be.
        this.scheduleCheck(STALLED_MS - (now - pipe.behindSince));
        break;
      }
      const n = pipe.backlog;
      total -= n;
      const conn = pipe.conn!;
      const detail = `disconnected ${conn.remote}: it owes ${n} subscription changes and took none for ${Math.round(performance.now() - pipe.behindSince)} ms; peers owed ${total + n} in all (maxSubscriptionBacklog ${max})`;
      conn.fail(new HandshakeError("limit", detail, { limit: "max_subscription_backlog" }));
    }
  }
}

function isSubscription(m: OutgoingMessage): boolean {
  if (isFrames(m)) return m.length === 1 && m[0]!.length > 0 && m[0]![0]! <= 1;
  return m.frameCount === 1 && m.frameLength(0) > 0 && m.buf[m.spans[0]!]! <= 1;
}
