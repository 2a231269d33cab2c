// What a node receives from the broker. XPUB: (un)subscription notifications, handled at once
// (they bypass the onloop HWM) — the bounded seen-set, the ready-to-publish probes, discovery.
// XSUB: events into the bounded onloop queue, dispatched from there.
import { quoted } from "../printable.js";
import type { ZeroMqMetrics } from "../telemetry/zeek-metrics.js";
import type { PackedMessage, XPub, XSub } from "../transport/index.js";
import type { Discovery } from "./discovery.js";
import type { NodeReporter } from "./node-reporter.js";
import { OnLoopQueue } from "./onloop.js";
import { DEBUG_POLL, type NodeOptions } from "./options.js";
import { SeenTopics } from "./seen-topics.js";

/** What the inbound side tells its node. */
export interface InboundEvents {
  subscription(topic: string): void;
  unsubscription(topic: string): void;
  dispatch(msg: PackedMessage): Promise<unknown> | undefined;
}

/** @internal */
export class Inbound {
  /** Received messages (spans of network buffers) waiting for their handlers. */
  readonly onloop: OnLoopQueue<PackedMessage>;
  /** Topics seen on the XPUB (Zeek's seen-set: `subscription` only on first sighting), bounded. */
  readonly seen: SeenTopics;
  private readonly readyWaiters = new Map<string, () => void>();
  private readonly probeFails = new Map<string, (e: Error) => void>();
  private warnedOnloopDrop = false;

  constructor(
    private readonly xpub: XPub,
    private readonly xsub: XSub,
    private readonly idFrame: Buffer,
    private readonly o: NodeOptions,
    private readonly prefix: string,
    private readonly metrics: ZeroMqMetrics,
    private readonly reporter: NodeReporter,
    private readonly discovery: Discovery | undefined,
    private readonly node: InboundEvents,
  ) {
    this.seen = new SeenTopics(o.maxSeenTopics, (r, m) => reporter.limitHit(r, m));
    this.onloop = new OnLoopQueue<PackedMessage>(
      { hwm: o.onloopQueueHwm, pollMaxMessages: o.pollMaxMessages, maxBytes: o.onloopQueueMaxBytes, sizeOf: messageBytes },
      (msg) => node.dispatch(msg),
      () => this.xsub.pending > 0 && this.pullXsub(),
    );
    xsub.on("readable", () => this.pullXsub());
    xpub.on("readable", () => this.pullXpub());
  }

  subscribe(prefix: string): void {
    this.xsub.send([Buffer.concat([Buffer.of(1), Buffer.from(prefix, "utf8")])]);
  }

  unsubscribe(prefix: string): void {
    this.xsub.send([Buffer.concat([Buffer.of(0), Buffer.from(prefix, "utf8")])]);
  }

  /**
   * The ready-to-publish probe: subscribes `topic` and resolves once it comes back through the
   * broker on the own XPUB (so the broker's cached subscriptions have arrived too), then
   * unsubscribes it again.
   */
  probe(topic: string, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const settle = () => {
        signal?.removeEventListener("abort", abort);
        this.readyWaiters.delete(topic);
        this.probeFails.delete(topic);
      };
      const abort = () => {
        settle();
        reject(signal!.reason);
      };
      if (signal?.aborted) return abort();
      signal?.addEventListener("abort", abort, { once: true });
      this.probeFails.set(topic, (e) => {
        settle();
        reject(e);
      });
      this.readyWaiters.set(topic, () => {
        settle();
        this.unsubscribe(topic);
        resolve();
      });
      this.subscribe(topic);
    });
  }

  /** Fails every pending probe (the node closes). */
  failProbes(e: Error): void {
    for (const fail of [...this.probeFails.values()]) fail(e);
  }

  /** Runs discovery again for the subscriptions the XPUB holds (our own link to the peers is intact). */
  rediscover(): void {
    const now = Date.now();
    for (const topic of this.seen.all()) this.discovery?.onSubscription(topic, now);
  }

  private pullXpub(): void {
    for (const msg of this.xpub.receiveAvailable()) {
      const f = msg[0]!;
      if (msg.length !== 1) this.metrics.msgErrors.value++;
      else if (f.length === 0 || f[0]! > 1) continue; // not a (un)subscription: ignored, as Zeek does
      else if (f[0] === 1) {
        const topic = f.toString("utf8", 1);
        if (!this.seen.has(topic)) {
          this.seen.add(topic);
          this.node.subscription(topic);
          this.discovery?.onSubscription(topic, Date.now());
        }
        this.readyWaiters.get(topic)?.();
      } else {
        const topic = f.toString("utf8", 1);
        this.seen.delete(topic);
        this.node.unsubscription(topic);
        this.discovery?.onUnsubscription(topic);
      }
    }
  }

  /**
   * With onloop_queue_hwm > 0 everything available is taken and what does not fit is dropped
   * (counted); with 0 nothing is dropped and the queue takes only what the dispatcher can use,
   * leaving the rest to TCP backpressure.
   */
  private pullXsub(): void {
    const batch = this.xsub.receivePacked(this.onloop.room());
    if (this.o.debugFlags & DEBUG_POLL) process.stderr.write(`${this.prefix} poll: xsub ${batch.length} messages\n`);
    for (let i = 0; i < batch.length; i++) {
      const msg = batch[i]!;
      if (msg.frameCount !== 4) {
        this.metrics.msgErrors.value++;
        continue;
      }
      if (msg.frameEquals(1, this.idFrame)) continue; // our own message, echoed by the broker
      const queued = this.onloop.push(msg);
      if (queued === true) continue;
      this.metrics.onloopDrops.value++;
      if (queued === "bytes")
        this.reporter.limitHit("onloop_queue_max_bytes", () => `onloop queue holds ${this.onloop.bytes} bytes (onloop_queue_max_bytes ${this.o.onloopQueueMaxBytes}): dropping incoming events (a ${messageBytes(msg)}-byte one from sender ${quoted(msg.frame(1).toString("utf8"), 64)}); drops count in zeek_cluster_zeromq_onloop_drops_total`);
      else if (!this.warnedOnloopDrop) {
        this.warnedOnloopDrop = true;
        this.reporter.warn("onloop queue full (onloop_queue_hwm): dropping incoming events; further drops are only counted in zeek_cluster_zeromq_onloop_drops_total");
      }
    }
    this.onloop.schedule();
  }
}

/** A received message's size in bytes (its frames and what lies between them), for onloop_queue_max_bytes. */
function messageBytes(msg: PackedMessage): number {
  const s = msg.spans;
  return s[s.length - 1]! - s[0]!;
}
