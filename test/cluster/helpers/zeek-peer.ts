// A "Zeek-like" cluster node on libzmq (the `zeromq` package): it does on the wire what a Zeek
// 8.2 node of the ZeroMQ backend does (wire.md §2.2-2.5, §5.1-5.2): XPUB (verbose, nodrop) to the
// broker's XSUB, XSUB to the broker's XPUB, Zeek's subscriptions in Zeek's order, 4-part messages
// [topic, node id, format, payload], own messages filtered, the hello state machine of main.zeek.
// Its event codec is written here from the wire facts, independently of src/codec, and checked
// byte for byte against the real Zeek captures by the tests.
import { EventEmitter } from "node:events";
import * as zmq from "zeromq";

export const BIN = "broker-bin-v1";
export const JSON_FORMAT = "broker-json-v1";
export type PeerFormat = typeof BIN | typeof JSON_FORMAT;
export type Arg = string | bigint;

const NODEID_PREFIX = "zeek.cluster.nodeid.";
const nodeidTopic = (id: string): string => `${NODEID_PREFIX}${id}.`;
const ZEROMQ_HELLO = "Cluster::Backend::ZeroMQ::hello";
const CLUSTER_HELLO = "Cluster::hello";

// ---- broker-bin-v1 / broker-json-v1 for events whose arguments are strings and counts --------

function varbyte(n: number): number[] {
  const out: number[] = [];
  do {
    out.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return out;
}
const count = (v: bigint): Buffer => {
  const b = Buffer.alloc(9);
  b[0] = 0x02;
  b.writeBigUInt64BE(v, 1);
  return b;
};
const str = (s: string): Buffer => {
  const b = Buffer.from(s, "utf8");
  return Buffer.concat([Buffer.from([0x05, ...varbyte(b.length)]), b]);
};

/** vector(3)[count 1, count 1, vector(2)[name, vector(args)]] (§3.5, no metadata). */
export function encodeBin(name: string, args: readonly Arg[]): Buffer {
  const parts = [Buffer.from([0x0e, 0x03]), count(1n), count(1n), Buffer.from([0x0e, 0x02]), str(name), Buffer.from([0x0e, ...varbyte(args.length)])];
  for (const a of args) parts.push(typeof a === "string" ? str(a) : count(a));
  return Buffer.concat(parts);
}

/** Decodes what encodeBin writes; undefined for anything else (other types, metadata, junk). */
export function decodeBin(b: Buffer): { name: string; args: Arg[] } | undefined {
  let i = 0;
  const vb = (): number => {
    let n = 0;
    for (let shift = 0; ; shift += 7) {
      const x = b[i++];
      if (x === undefined || shift > 28) throw new Error("varbyte");
      n += (x & 0x7f) * 2 ** shift;
      if (x < 0x80) return n;
    }
  };
  const expect = (...bytes: number[]): void => {
    for (const x of bytes) if (b[i++] !== x) throw new Error("layout");
  };
  const value = (): Arg => {
    const tag = b[i++];
    if (tag === 0x02) {
      if (i + 8 > b.length) throw new Error("short");
      const v = b.readBigUInt64BE(i);
      i += 8;
      return v;
    }
    if (tag !== 0x05) throw new Error("type");
    const n = vb();
    if (i + n > b.length) throw new Error("short");
    const s = b.toString("utf8", i, i + n);
    i += n;
    return s;
  };
  try {
    expect(0x0e, 0x03);
    if (value() !== 1n || value() !== 1n) return undefined;
    expect(0x0e, 0x02);
    const name = value();
    expect(0x0e);
    const args: Arg[] = [];
    for (let n = vb(); n > 0; n--) args.push(value());
    return typeof name === "string" && i === b.length ? { name, args } : undefined;
  } catch {
    return undefined;
  }
}

const jv = (type: string, data: unknown): string => `{"@data-type":"${type}","data":${JSON.stringify(data)}}`;

/** Broker JSON v1 as Zeek's broker-json-v1 serializer writes it (compact, this key order). */
export function encodeJson(name: string, args: readonly Arg[]): Buffer {
  const a = args.map((x) => (typeof x === "string" ? jv("string", x) : `{"@data-type":"count","data":${x}}`)).join(",");
  return Buffer.from(`{"@data-type":"vector","data":[${jv("count", 1)},${jv("count", 1)},{"@data-type":"vector","data":[${jv("string", name)},{"@data-type":"vector","data":[${a}]}]}]}`);
}

export function decodeJson(b: Buffer): { name: string; args: Arg[] } | undefined {
  try {
    type V = { "@data-type": string; data: unknown };
    const top = JSON.parse(b.toString("utf8")) as V;
    const body = (top.data as V[])[2]!.data as V[];
    const args = (body[1]!.data as V[]).map((v) => (v["@data-type"] === "count" ? BigInt(v.data as number) : String(v.data)));
    return { name: body[0]!.data as string, args };
  } catch {
    return undefined;
  }
}

// ---- the node ----------------------------------------------------------------------------------

export interface ZeekPeerConfig {
  name: string;
  /** Zeek's `Cluster::node_id()`: `zeromq_<node>_<host>_<pid>_<unique>`. */
  nodeId: string;
  /** Names in this node's `Cluster::nodes`. */
  layoutNames: readonly string[];
  /** Cluster::event_serializer. */
  format: PeerFormat;
  /** Zeek's subscriptions in order (setup-subscriptions.zeek, §5.1). */
  subscriptions: readonly string[];
  /** connect_xsub_endpoint (the broker's XPUB) and connect_xpub_endpoint (the broker's XSUB). */
  connectXsubEndpoint: string;
  connectXpubEndpoint: string;
}

export interface ZeekPeerEvents {
  node_up: [name: string, id: string];
  node_down: [name: string, id: string];
  subscription: [topic: string];
  unsubscription: [topic: string];
  /** Every event received (hellos included), with its raw payload. */
  event: [topic: string, name: string, args: Arg[], payload: Buffer];
  reporter_warning: [msg: string];
  reporter_error: [msg: string];
}

export class ZeekPeer extends EventEmitter<ZeekPeerEvents> {
  readonly xpub: zmq.XPublisher;
  readonly xsub: zmq.XSubscriber;
  /** Cluster::nodes[name]$id. */
  readonly ids = new Map<string, string>();
  private readonly seen = new Set<string>();
  private readonly nodeidSubscriptions = new Set<string>();
  private readonly nodeidHellos = new Set<string>();
  private sendChain: Promise<unknown> = Promise.resolve();
  private readonly loops: Promise<void>[] = [];

  constructor(readonly cfg: ZeekPeerConfig) {
    super();
    // Zeek's node sockets (§2.1): XPUB verbose + nodrop + linger; XSUB. linger 0 here so close()
    // looks like a killed process: the connections just go away, nothing is unsubscribed.
    this.xpub = new zmq.XPublisher({ verbosity: "allSubs", noDrop: true, sendHighWaterMark: 1000, linger: 0 });
    this.xsub = new zmq.XSubscriber({ receiveHighWaterMark: 1000, linger: 0 });
  }

  /** The encoded payload of `name(args)` in this node's format. */
  encode(name: string, args: readonly Arg[]): Buffer {
    return this.cfg.format === BIN ? encodeBin(name, args) : encodeJson(name, args);
  }

  start(): void {
    this.xpub.connect(this.cfg.connectXpubEndpoint);
    this.xsub.connect(this.cfg.connectXsubEndpoint);
    for (const t of this.cfg.subscriptions) this.queue(this.xsub, [Buffer.concat([Buffer.of(1), Buffer.from(t)])]);
    this.loops.push(this.readXpub(), this.readXsub());
  }

  /** Cluster::publish: the 4-part message, as Zeek sends it. */
  publish(topic: string, payload: Buffer): Promise<unknown> {
    return this.queue(this.xpub, [Buffer.from(topic), Buffer.from(this.cfg.nodeId), Buffer.from(this.cfg.format), payload]);
  }

  async close(): Promise<void> {
    await this.sendChain.catch(() => undefined);
    this.xpub.close();
    this.xsub.close();
    await Promise.all(this.loops);
  }

  private queue(sock: zmq.XPublisher | zmq.XSubscriber, parts: Buffer[]): Promise<unknown> {
    // The package allows one pending send per socket; chain them.
    this.sendChain = this.sendChain.then(() => sock.send(parts)).catch((e: unknown) => this.emit("reporter_error", `send: ${String(e)}`));
    return this.sendChain;
  }

  private async readXpub(): Promise<void> {
    try {
      for await (const msg of this.xpub) {
        const f = msg[0]!;
        if (msg.length !== 1 || f.length === 0 || f[0]! > 1) continue;
        const topic = f.toString("utf8", 1);
        if (f[0] === 1) {
          if (this.seen.has(topic)) continue; // Zeek raises subscription on first sighting only
          this.seen.add(topic);
          this.emit("subscription", topic);
          this.onSubscription(topic);
        } else {
          this.seen.delete(topic);
          this.emit("unsubscription", topic);
          this.onUnsubscription(topic);
        }
      }
    } catch (e) {
      if (!this.xpub.closed) throw e;
    }
  }

  private async readXsub(): Promise<void> {
    try {
      for await (const msg of this.xsub) {
        if (msg.length !== 4) continue;
        const [topicF, sender, format, payload] = msg as [Buffer, Buffer, Buffer, Buffer];
        if (sender.toString() === this.cfg.nodeId) continue;
        if (format.toString() !== this.cfg.format) {
          this.emit("reporter_error", `ProcessEventMessage: Wrong format: ${format.toString()} vs ${this.cfg.format}`);
          continue;
        }
        const ev = this.cfg.format === BIN ? decodeBin(payload) : decodeJson(payload);
        if (!ev) continue;
        const topic = topicF.toString();
        this.emit("event", topic, ev.name, ev.args, payload);
        if (ev.name === ZEROMQ_HELLO) this.onZeromqHello(ev.args[0] as string, ev.args[1] as string);
        else if (ev.name === CLUSTER_HELLO) this.onClusterHello(ev.args[0] as string, ev.args[1] as string);
      }
    } catch (e) {
      if (!this.xsub.closed) throw e;
    }
  }

  // main.zeek's handlers (§5.2).
  private hello(kind: string, id: string): void {
    void this.publish(nodeidTopic(id), this.encode(kind, [this.cfg.name, this.cfg.nodeId]));
  }

  private onSubscription(topic: string): void {
    if (!topic.startsWith(NODEID_PREFIX)) return;
    const id = topic.slice(NODEID_PREFIX.length, -1);
    if (id === this.cfg.nodeId) return;
    this.hello(ZEROMQ_HELLO, id);
    if (this.nodeidHellos.delete(id)) this.hello(CLUSTER_HELLO, id);
    else this.nodeidSubscriptions.add(id);
  }

  private onZeromqHello(name: string, id: string): void {
    const known = this.ids.get(name);
    if (known === id) return void this.emit("reporter_warning", `node '${name}' (${id}) sends ZeroMQ::hello twice`);
    if (known !== undefined) {
      this.emit("reporter_warning", `node '${name}' never said goodbye`);
      this.ids.delete(name);
      this.emit("node_down", name, known);
    }
    if (this.nodeidSubscriptions.delete(id)) this.hello(CLUSTER_HELLO, id);
    else this.nodeidHellos.add(id);
  }

  private onClusterHello(name: string, id: string): void {
    if (!this.cfg.layoutNames.includes(name)) return void this.emit("reporter_error", `Got Cluster::hello msg from unexpected node: ${name}`);
    const known = this.ids.get(name);
    if (known !== undefined && known !== id) return void this.emit("reporter_error", `duplicate node ${name}`);
    this.ids.set(name, id);
    if (known === undefined) this.emit("node_up", name, id);
  }

  private onUnsubscription(topic: string): void {
    if (!topic.startsWith(NODEID_PREFIX)) return;
    const id = topic.slice(NODEID_PREFIX.length, -1);
    for (const [name, known] of this.ids)
      if (known === id) {
        this.ids.delete(name);
        this.emit("node_down", name, id);
        return;
      }
    this.emit("reporter_warning", `unsubscription of unknown node with id ${id}`);
  }
}

/** An in-process libzmq broker as Zeek's proxy thread configures it (XSUB + XPUB verboser/nodrop, zmq_proxy). */
export async function startZmqBroker(): Promise<{ xsub: string; xpub: string; close: () => Promise<void> }> {
  const frontend = new zmq.XSubscriber({ linger: 0 });
  const backend = new zmq.XPublisher({ linger: 0, noDrop: true, verbosity: "allSubsUnsubs" });
  await frontend.bind("tcp://127.0.0.1:*");
  await backend.bind("tcp://127.0.0.1:*");
  const proxy = new zmq.Proxy(frontend, backend);
  const running = proxy.run();
  return {
    xsub: frontend.lastEndpoint!,
    xpub: backend.lastEndpoint!,
    close: async () => {
      proxy.terminate();
      await running;
      frontend.close();
      backend.close();
    },
  };
}
