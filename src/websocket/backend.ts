// One WebSocket client's own ZeroMQ backend, as Zeek 8 gives each client: its node id
// (`<host id>-websocket-<n>`), its XPUB connected to the broker's XSUB and its XSUB to the
// broker's XPUB, its subscriptions real cluster subscriptions. A subscription is active once
// its `01`+topic came back to the own XPUB through the broker; the backend is ready to publish
// once a fresh internal topic did (wire.md §2.5). No hello, no nodeid topic: Zeek's WebSocket
// backends take no part in discovery.
import { EventFramer } from "../cluster/event-framer.js";
import type { NodeOptions } from "../cluster/options.js";
import { curveKeysFrom, XPub, XSub, type PackedMessage } from "../transport/index.js";

export interface BackendEvents {
  /** `01`+topic came back on the XPUB for a topic this backend subscribed to and waits for. */
  subscribed(topic: string): void;
  /** The ready topic came back: publishing now reaches the cluster's subscribers. */
  ready(): void;
  /** A 4-part message from another sender (own echoes are dropped), in arrival order. */
  message(msg: PackedMessage): void;
  /** A batch of messages begins (true) or ends (false): the owner may coalesce its writes. */
  batch(begin: boolean): void;
  /** A message with the wrong number of parts (zeek_cluster_zeromq_msg_errors_total). */
  malformed(): void;
  /** The XPUB has room again after publish() returned false. */
  drain(): void;
}

export interface BackendConfig {
  readonly nodeId: string;
  readonly options: NodeOptions;
  readonly endpoints: { readonly xpub: string; readonly xsub: string };
  readonly formatFrame: Buffer;
  /** The ready-to-publish topic: `<internal prefix><nodeId>.<counter>.`. */
  readonly readyTopic: string;
}

const SUBSCRIBE = 1;
const UNSUBSCRIBE = 0;

function subscriptionFrame(op: number, topic: Uint8Array): Buffer {
  const f = Buffer.allocUnsafe(1 + topic.length);
  f[0] = op;
  f.set(topic, 1);
  return f;
}

export class ClientBackend {
  readonly nodeId: string;
  /** Builds this backend's outgoing messages (topic, node id, format, payload) as wire images. */
  readonly framer: EventFramer;
  private readonly idFrame: Buffer;
  private readonly xpub: XPub;
  private readonly xsub: XSub;
  /** Topics (latin1 keys) whose echo is awaited. */
  private readonly awaited = new Set<string>();
  private readonly readyKey: string;
  private readyPending = false;
  private closing: Promise<void> | undefined;

  constructor(
    cfg: BackendConfig,
    private readonly on: BackendEvents,
  ) {
    this.nodeId = cfg.nodeId;
    this.idFrame = Buffer.from(cfg.nodeId, "utf8");
    this.framer = new EventFramer(this.idFrame, cfg.formatFrame);
    this.readyKey = Buffer.from(cfg.readyTopic, "utf8").toString("latin1");
    const o = cfg.options;
    const curve = curveKeysFrom(o).client;
    const common = { heartbeatInterval: o.heartbeatIntervalMs, heartbeatTimeout: o.heartbeatTimeoutMs, ipv6: o.ipv6, ...(curve ? { curve } : {}) };
    // The sockets of a Zeek node: XPUB verbose with nodrop, XSUB linger 0 (wire.md §2.1).
    this.xpub = new XPub({ verbose: true, noDrop: o.connectXpubNodrop, sendHighWaterMark: o.xpubSndhwm, linger: o.lingerMs, ...common });
    this.xsub = new XSub({ receiveHighWaterMark: o.xsubRcvhwm, linger: 0, ...common });
    this.xpub.on("readable", () => this.pullXpub());
    this.xsub.on("readable", () => this.pullXsub());
    this.xpub.on("drain", () => this.on.drain());
    this.xpub.connect(cfg.endpoints.xpub);
    this.xsub.connect(cfg.endpoints.xsub);
  }

  /** `Cluster::subscribe(topic)`; `await` reports its activation through `subscribed`. */
  subscribe(topic: Buffer, await_: boolean): void {
    if (await_) this.awaited.add(topic.toString("latin1"));
    this.xsub.send([subscriptionFrame(SUBSCRIBE, topic)]);
  }

  /** Subscribes the ready topic; `ready` follows once it came back (then it is unsubscribed again). */
  awaitReady(): void {
    this.readyPending = true;
    this.xsub.send([subscriptionFrame(SUBSCRIBE, Buffer.from(this.readyKey, "latin1"))]);
  }

  /** Sends a message built with `framer`; false when the XPUB is at its HWM (nothing sent: retry it after `drain`). */
  send(msg: PackedMessage): boolean {
    return this.xpub.send(msg);
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Closes both connections; the broker then removes this backend's subscriptions. */
  close(): Promise<void> {
    this.closing ??= Promise.all([this.xpub.close(), this.xsub.close()]).then(() => undefined);
    return this.closing;
  }

  private pullXpub(): void {
    for (const msg of this.xpub.receivePacked()) {
      if (msg.frameCount !== 1 || msg.frameLength(0) === 0) continue;
      const f = msg.frame(0);
      if (f[0] !== SUBSCRIBE) continue;
      if (this.awaited.size === 0 && !this.readyPending) continue;
      const key = f.toString("latin1", 1);
      if (this.readyPending && key === this.readyKey) {
        this.readyPending = false;
        this.xsub.send([subscriptionFrame(UNSUBSCRIBE, f.subarray(1))]);
        if (this.closing === undefined) this.on.ready();
      } else if (this.awaited.delete(key) && this.closing === undefined) {
        this.on.subscribed(key);
      }
    }
  }

  private pullXsub(): void {
    const batch = this.xsub.receivePacked();
    this.on.batch(true);
    try {
      for (let i = 0; i < batch.length; i++) {
        const msg = batch[i]!;
        if (msg.frameCount !== 4) {
          this.on.malformed();
          continue;
        }
        if (msg.frameEquals(1, this.idFrame)) continue; // our own message, echoed by the broker
        if (this.closing === undefined) this.on.message(msg);
      }
    } finally {
      this.on.batch(false);
    }
  }
}
