// The broker and transport rows of issue 11 as functions of their size: test/attacks/broker-*.attack.ts
// run them at the sizes against zeek-zmq and libzmq (npm run test:attacks), broker.test.ts
// at a few seconds' worth in npm test. Each returns its measurements; the caller asserts.
import { connect as netConnect, type Socket } from "node:net";
import type { TestContext } from "node:test";
import * as zmq from "zeromq";
import { encodeCommand } from "../../src/transport/frame.js";
import type { NodeProc } from "../cluster/helpers/procs.js";
import { NULL_GREETING } from "../transport/raw.js";
import {
  type AttackResult,
  type BrokerTarget,
  type Checkable,
  GoodPair,
  GoodSender,
  type PullTarget,
  ZmtpAttacker,
  memory,
  metric,
  randomTopic,
  runAttack,
} from "./harness.js";
import { UntilTimeout, until } from "../harness/until.js";

export const LIMIT_HITS = "zeek_zmq_limit_hits_total";

/**
 * Resolves once the target has processed everything `a` sent (unless it closed the connection):
 * it answers a PING after all that came before it on the connection. The attacker must read
 * (`read` not false), and nothing else may come to it (its subscriptions match no traffic).
 */
export async function processed(a: ZmtpAttacker, what: string): Promise<void> {
  if (a.destroyed) return;
  const before = a.received;
  await a.write(a.ping(Buffer.from("processed?")));
  await until(`${what}: a PONG after what it sent`, () => a.received > before || a.destroyed, (done) => done);
}

/**
 * True once `node` (a publisher behind the broker) has every subscription the broker took so
 * far: a subscription made now reaches its XPUB after them, and an event it publishes on that
 * topic arrives (published again every 50 ms until the subscription is there). False when that
 * probe does not get through within 20 s: the broker's or the node's own subscription table is
 * full (max_subscription_bytes) and refuses every new topic, the probe included; then no event
 * says when the node is done, and the caller measures after that wait, saying so.
 */
async function forwardedTo(broker: { xpub: string }, node: NodeProc): Promise<boolean> {
  const topic = `processed.${process.pid}.${Date.now()}`;
  const sub = new zmq.Subscriber({ linger: 0, receiveTimeout: 50 });
  sub.connect(broker.xpub);
  sub.subscribe(topic);
  try {
    return await until(
      `${node.label} got the broker's subscriptions`,
      async () => {
        await node.command({ cmd: "msg", topic, s: "processed?" }, "sent");
        return sub.receive().then(
          () => true,
          (e: { code?: string }) => {
            if (e.code !== "EAGAIN") throw e;
            return false;
          },
        );
      },
      (got) => got,
    ).then(
      () => true,
      (e: unknown) => {
        if (!(e instanceof UntilTimeout)) throw e;
        return false;
      },
    );
  } finally {
    sub.close();
  }
}

/** The limit counter of a zeek-zmq target for `reason` (0 for libzmq, which has none). */
export async function hits(target: { metricsUrl?: string }, reason: string): Promise<number> {
  return target.metricsUrl === undefined ? 0 : metric(target.metricsUrl, LIMIT_HITS, { reason });
}

export interface RowResult extends AttackResult {
  /** Limit hits counted by the target during the row, by reason. */
  counted: Record<string, number>;
}

async function counted(target: { metricsUrl?: string; proc?: { child: { exitCode: number | null } } }, reasons: string[], before: Record<string, number>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const r of reasons) out[r] = target.proc?.child.exitCode === null || target.proc === undefined ? (await hits(target, r)) - (before[r] ?? 0) : NaN;
  return out;
}

async function snapshot(target: { metricsUrl?: string }, reasons: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const r of reasons) out[r] = await hits(target, r);
  return out;
}

/**
 * A peer that never reads sends `n` PINGs (9 bytes each) to a broker's XSUB, as an XPUB. Before
 * the fix every PING queued a PONG: 10M PINGs took the broker from 57 to 1,613 MB, for good.
 */
export async function pingFloodBroker(t: TestContext, target: BrokerTarget, n: number): Promise<RowResult> {
  const pair = await GoodPair.start(t, target);
  return pingFlood(t, `ping-flood-broker n=${n}`, target, target.xsub, "XPUB", pair, n);
}

/** The same against a log receiver's PULL, as a PUSH (the logger: +755 MB for 40 MB of PINGs). */
export async function pingFloodPull(t: TestContext, target: PullTarget, n: number): Promise<RowResult> {
  const sender = await GoodSender.start(t, target);
  return pingFlood(t, `ping-flood-pull n=${n}`, target, target.endpoint, "PUSH", sender, n);
}

async function pingFlood(t: TestContext, row: string, target: { impl: string; pid: number; metricsUrl?: string; proc: BrokerTarget["proc"] }, endpoint: string, as: string, pair: Checkable, n: number): Promise<RowResult> {
  const reasons = ["max_connections", "idle_ping_timeout"];
  const before = await snapshot(target, reasons);
  const a = await ZmtpAttacker.connect(endpoint, as, { read: false });
  const ping = a.ping();
  let sent = 0;
  const r = await runAttack(t, row, target, pair, async () => {
    sent = await a.flood(n, () => ping, { chunkBytes: 256 * 1024, stallMs: 3000 });
  }, () => a.close());
  t.diagnostic(`${row}: ${sent} of ${n} PINGs written${sent < n ? " (then the target stopped reading)" : ""}`);
  return { ...r, counted: await counted(target, reasons, before) };
}

/**
 * One peer subscribes `n` topics of `len` random bytes at the broker's XPUB (as an XSUB), while a
 * zeek-zmq node is connected downstream (the broker forwards subscriptions to every node's XPUB).
 * Before the fix: 2,000 x 1,000 bytes took the broker from 58 to 540 MB (25,000: out of memory),
 * and 200,000 x 16 bytes +694 MB with the pair starved.
 */
export async function subscriptionFlood(
  t: TestContext,
  target: BrokerTarget,
  n: number,
  len: number,
  opts: { connections?: number; node?: NodeProc } = {},
): Promise<RowResult & { nodeGrowthMb?: number }> {
  const reasons = ["max_subscriptions_per_peer", "max_topic_length", "max_subscription_bytes"];
  const pair = await GoodPair.start(t, target);
  const before = await snapshot(target, reasons);
  const conns = opts.connections ?? 1;
  const attackers = await Promise.all(Array.from({ length: conns }, () => ZmtpAttacker.connect(target.xpub, "XSUB")));
  const nodeBefore = opts.node ? memory(opts.node.child.pid!).rssMb : 0;
  let nodeMax = nodeBefore;
  const r = await runAttack(
    t,
    `subscribe-flood n=${n} len=${len} connections=${conns}`,
    target,
    pair,
    async () => {
      const per = Math.ceil(n / conns);
      await Promise.all(
        attackers.map((a, k) => a.flood(Math.min(per, n - k * per), (i) => a.subscribe(randomTopic(len, k * per + i)), { chunkBytes: 256 * 1024, stallMs: 5000 })),
      );
      // Measure (and count) once the broker digested everything and the node what was forwarded.
      await Promise.all(attackers.map((a, k) => processed(a, `subscriber ${k + 1}`)));
      if (opts.node) {
        if (!(await forwardedTo(target, opts.node))) t.diagnostic(`subscribe-flood: a new subscription did not reach the downstream node within 20 s (a subscription table on the way is full); measured after that wait`);
        nodeMax = Math.max(nodeMax, memory(opts.node.child.pid!).rssMb);
      }
    },
    () => {
      for (const a of attackers) a.close();
    },
  );
  const out: RowResult & { nodeGrowthMb?: number } = { ...r, counted: await counted(target, reasons, before) };
  if (opts.node) {
    out.nodeGrowthMb = nodeMax - nodeBefore;
    t.diagnostic(`subscribe-flood: downstream zeek-zmq node grew ${out.nodeGrowthMb.toFixed(0)} MB`);
  }
  return out;
}

export interface CancelResult extends RowResult {
  /** The manager raised node_down for the live worker. */
  nodeDown: boolean;
  /** A message from the manager to the worker's nodeid topic arrived after the attack. */
  delivered: boolean;
}

/**
 * Row "one CANCEL for another node's zeek.cluster.nodeid.<id>. topic": a manager and a worker (real
 * node processes with discovery) through the broker; an attacker at the broker's XPUB cancels the
 * worker's nodeid topic. Before the fix the whole cluster raised node_down for the live worker
 * and never node_up again. Asserted by the caller: no node_down, the manager still reaches the
 * worker's nodeid topic, and the refusal is counted.
 */
export async function foreignCancel(t: TestContext, target: BrokerTarget): Promise<CancelResult> {
  const { startNode } = await import("../cluster/helpers/procs.js");
  const layout: [string, "manager" | "worker"][] = [
    ["manager", "manager"],
    ["worker-1", "worker"],
  ];
  const manager = await startNode({ name: "manager", layout }, target);
  t.after(() => manager.kill());
  const worker = await startNode({ name: "worker-1", layout }, target);
  t.after(() => worker.kill());
  await manager.wait("node_up", (l) => l["name"] === "worker-1");
  await worker.wait("node_up", (l) => l["name"] === "manager");
  const topic = `zeek.cluster.nodeid.${worker.id}.`;
  const pair = await GoodPair.start(t, target);
  const reasons = ["cancel_not_subscribed"];
  const before = await snapshot(target, reasons);
  const downsBefore = manager.all("node_down").length;
  let attacker: ZmtpAttacker | null = null;
  const r = await runAttack(t, "foreign-cancel", target, pair, async () => {
    attacker = await ZmtpAttacker.connect(target.xpub, "XSUB");
    await attacker.write(attacker.cancel(topic));
    // zeek-zmq: wait until the refusal is counted; libzmq counts nothing, the pair's round trip orders it.
    if (target.metricsUrl !== undefined) {
      await until("the refused CANCEL to be counted", () => hits(target, "cancel_not_subscribed"), (v) => v > before["cancel_not_subscribed"]!);
    }
  }, () => attacker?.close());
  // The manager publishes to the worker's own topic; the worker receives it only if the
  // manager's XPUB still holds the subscription.
  const from = worker.lines.length;
  let delivered = false;
  for (let i = 0; i < 20 && !delivered; i++) {
    await manager.command({ cmd: "msg", topic, s: `after-cancel-${i}` }, "sent");
    delivered = await worker.wait("event", (l) => l["name"] === "Test::msg", from, 250).then(() => true, () => false);
  }
  const nodeDown = manager.all("node_down").slice(downsBefore).some((l) => l["name"] === "worker-1");
  t.diagnostic(`foreign-cancel impl=${target.impl}: node_down for the live worker=${nodeDown}, manager -> worker nodeid topic delivered=${delivered}`);
  return { ...r, counted: await counted(target, reasons, before), nodeDown, delivered };
}

export interface ChurnResult extends RowResult {
  /** The stalled peer, once it read again, held exactly the broker's subscription set. */
  exactSet: boolean;
  /** Bytes of subscription traffic the stalled peer received in all. */
  stalledBytes: number;
}

/**
 * Row "SUBSCRIBE/CANCEL churn while another peer on the XSUB side never reads": an attacker at the
 * XPUB subscribes and cancels `n` distinct topics of `len` bytes (then keeps `keep` of them), while
 * a peer at the XSUB (as an XPUB, i.e. a publisher) never reads. Before the fix the broker went
 * from 57 to 1,221 MB. Then the stalled peer reads again and must end with exactly the broker's set.
 */
export async function churnWithStalledPeer(t: TestContext, target: BrokerTarget, n: number, len: number, keep = 100): Promise<ChurnResult> {
  const { subscriptionSet } = await import("./harness.js");
  const pair = await GoodPair.start(t, target, "good.pair.");
  const reasons = ["max_subscription_backlog"];
  const before = await snapshot(target, reasons);
  const stalled = await ZmtpAttacker.connect(target.xsub, "XPUB", { read: false, keep: true });
  const attacker = await ZmtpAttacker.connect(target.xpub, "XSUB");
  const expected = new Set<string>(["good.pair."]);
  let exactSet = false;
  const r = await runAttack(t, `churn-stalled-peer n=${n} len=${len}`, target, pair, async () => {
    await attacker.flood(2 * n, (i) => (i % 2 === 0 ? attacker.subscribe(randomTopic(len, i >> 1)) : attacker.cancel(randomTopic(len, i >> 1))), { chunkBytes: 256 * 1024, stallMs: 10_000 });
    const kept = Array.from({ length: keep }, (_, i) => randomTopic(len, n + i));
    await attacker.write(Buffer.concat(kept.map((k) => attacker.subscribe(k))));
    for (const k of kept) expected.add(k.toString("latin1"));
    stalled.resume();
    const same = (): boolean => {
      const got = subscriptionSet(stalled.bytes());
      return got.size === expected.size && [...expected].every((e) => got.has(e));
    };
    exactSet = await until("the stalled peer's set", () => same(), (v) => v, 30_000).then(() => true, () => false);
  }, () => {
    attacker.close();
    stalled.close();
  });
  t.diagnostic(`churn: stalled peer received ${stalled.received} bytes for ${2 * n * (len + 12)} bytes of churn; exact final set=${exactSet}`);
  return { ...r, counted: await counted(target, reasons, before), exactSet, stalledBytes: stalled.received };
}

/**
 * max_subscription_backlog: the broker holds `topics` subscriptions of `len` bytes, and `peers`
 * publishers connect to its XSUB without ever reading the replay. All together they owe more than
 * the limit: the longest-stalled are disconnected and counted; a reading publisher still gets the set.
 */
export async function stalledReplays(t: TestContext, target: BrokerTarget, topics: number, len: number, peers: number): Promise<RowResult> {
  const pair = await GoodPair.start(t, target);
  const reasons = ["max_subscription_backlog"];
  const before = await snapshot(target, reasons);
  const holder = await ZmtpAttacker.connect(target.xpub, "XSUB");
  await holder.flood(topics, (i) => holder.subscribe(randomTopic(len, i)), { chunkBytes: 256 * 1024 });
  const stalled: ZmtpAttacker[] = [];
  const r = await runAttack(t, `stalled-replays topics=${topics} len=${len} peers=${peers}`, target, pair, async () => {
    for (let i = 0; i < peers; i++) stalled.push(await ZmtpAttacker.connect(target.xsub, "XPUB", { read: false }));
    if (target.metricsUrl !== undefined) {
      await until("backlog evictions", () => hits(target, "max_subscription_backlog"), (v) => v > before["max_subscription_backlog"]!);
    }
  }, () => {
    holder.close();
    for (const s of stalled) s.close();
  });
  return { ...r, counted: await counted(target, reasons, before) };
}

/**
 * Opens `n` connections to `endpoint` that complete the handshake as `as`, then stay silent (never
 * answering a PING), `batch` at a time; those not connected and handshaken within `timeoutMs` are
 * given up (a target out of descriptors may leave them unanswered).
 */
export async function idleConnections(endpoint: string, as: string, n: number, opts: { batch?: number; read?: boolean; timeoutMs?: number } = {}): Promise<ZmtpAttacker[]> {
  const out: ZmtpAttacker[] = [];
  const batch = opts.batch ?? 500;
  const connectOpts = { read: opts.read ?? true, timeoutMs: opts.timeoutMs ?? 5000 };
  for (let i = 0; i < n; i += batch) {
    const k = Math.min(batch, n - i);
    const got = await Promise.allSettled(Array.from({ length: k }, () => ZmtpAttacker.connect(endpoint, as, connectOpts)));
    for (const g of got) if (g.status === "fulfilled") out.push(g.value);
  }
  return out;
}

export interface IdleResult extends RowResult {
  /** Connections the attacker got handshaken. */
  opened: number;
  /** Of those, how many the target had closed when the newcomers got in. */
  droppedByTarget: number;
  /** Seconds from the last idle connection to the new pair's first message. */
  joinSeconds: number;
}

/**
 * Row "10,100 idle handshaken connections": they fill the broker's XPUB beyond max_connections and
 * stay open and silent; then a well-behaved pair (new peers, the subscriber at the flooded XPUB)
 * must get in while the attacker still holds them, and keep working after. Before the fix every
 * new peer was refused while they stayed. zeek-zmq: at the limit, peers silent for a second are
 * PINGed, the silent ones dropped within idle_ping_timeout_ms, and libzmq's reconnect gets the
 * newcomer in.
 */
export async function idleFlood(t: TestContext, target: BrokerTarget, n: number, opts: { pairMs?: number } = {}): Promise<IdleResult> {
  const reasons = ["max_connections", "idle_ping_timeout"];
  const before = await snapshot(target, reasons);
  let idle: ZmtpAttacker[] = [];
  let droppedByTarget = 0;
  let joinSeconds = NaN;
  // The pair exists only once the flood is in: the "during" checks wait for it.
  let startPair!: (p: Promise<GoodPair>) => void;
  const started = new Promise<GoodPair>((res) => (startPair = res));
  started.catch(() => {});
  const late: Checkable = { check: async (k, ms) => (await started).check(k, ms) };
  const r = await runAttack(
    t,
    `idle-connections n=${n}`,
    target,
    late,
    async () => {
      try {
        idle = await idleConnections(target.xpub, "XSUB", n);
      } catch (e) {
        startPair(Promise.reject(e as Error));
        throw e;
      }
      const t0 = performance.now();
      const pair = GoodPair.start(t, target, "good.pair.", opts.pairMs);
      startPair(pair);
      await pair.then(() => (joinSeconds = (performance.now() - t0) / 1000), () => {});
      droppedByTarget = idle.filter((a) => a.destroyed).length;
      t.diagnostic(`idle-connections impl=${target.impl}: ${idle.length} of ${n} handshaken; the new pair got in after ${joinSeconds.toFixed(1)} s, when the target had closed ${droppedByTarget} of them`);
    },
    () => {
      for (const a of idle) a.close();
    },
    opts,
  );
  return { ...r, counted: await counted(target, reasons, before), opened: idle.length, droppedByTarget, joinSeconds };
}

/**
 * Accept failures: the broker runs under a descriptor limit of `nofile`; an attacker opens `n`
 * silent connections, more than the limit allows. zeek-zmq reports it at once on stderr and counts
 * it (reason "nofile"); once the attacker leaves, accepting resumes and new peers get in.
 */
export async function descriptorExhaustion(t: TestContext, target: BrokerTarget, n: number): Promise<RowResult & { opened: number; reported: boolean; resumed: boolean; freshPair: boolean }> {
  const pair = await GoodPair.start(t, target);
  const reasons = ["nofile"];
  const before = await snapshot(target, reasons);
  let idle: ZmtpAttacker[] = [];
  let reported = false;
  const r = await runAttack(t, `descriptor-exhaustion n=${n}`, target, pair, async () => {
    // Every accepted connection costs the target a descriptor; those beyond its limit are given up after 3 s.
    idle = await idleConnections(target.xpub, "XSUB", n, { timeoutMs: 3000 });
    if (target.impl === "zeek-zmq") reported = await target.proc.errLine(/out of file descriptors/).then(() => true, () => false);
  }, () => {
    for (const a of idle) a.close();
  });
  let resumed = false;
  if (target.impl === "zeek-zmq") resumed = await target.proc.errLine(/file descriptors are free again/).then(() => true, () => false);
  // A new pair after the attack: accepting works again.
  const freshPair = await GoodPair.start(t, target, "fresh.pair.").then(() => true, () => false);
  t.diagnostic(`descriptor-exhaustion impl=${target.impl}: ${idle.length} of ${n} connections handshaken; reported=${reported} resumed=${resumed} new pair after=${freshPair}`);
  return { ...r, counted: await counted(target, reasons, before), opened: idle.length, reported, resumed, freshPair };
}

/** Opens `n` plain TCP connections to `endpoint`, `batch` at a time, each writing `first` (maybe nothing) and nothing more. */
async function rawConnections(endpoint: string, n: number, first: Buffer, batch = 500): Promise<Socket[]> {
  const m = /^tcp:\/\/\[?([^\]]+)\]?:(\d+)$/.exec(endpoint)!;
  const out: Socket[] = [];
  for (let i = 0; i < n; i += batch) {
    const got = await Promise.allSettled(
      Array.from({ length: Math.min(batch, n - i) }, () => {
        const s = netConnect({ host: m[1]!, port: Number(m[2]) });
        s.on("error", () => {});
        // Read (and discard) what the target sends, so that its closing is seen.
        s.resume();
        out.push(s);
        return new Promise<void>((res, rej) => {
          const deadline = setTimeout(() => rej(new Error("connect timeout")), 3000);
          s.once("connect", () => {
            clearTimeout(deadline);
            if (first.length > 0) s.write(first);
            res();
          });
        });
      }),
    );
    void got;
  }
  return out;
}

/**
 * Connections that never complete their handshake: `n` TCP connections to the broker's XPUB that
 * send half a greeting and then nothing (a slowloris). zeek-zmq keeps at most
 * max_pending_handshakes (1,024) of them, dropping the oldest for each new one, so a newcomer that
 * completes its handshake always gets in; libzmq keeps each for its 30 s handshake interval.
 */
export async function handshakeFlood(t: TestContext, target: BrokerTarget, n: number): Promise<RowResult & { closedByTarget: number }> {
  const pair = await GoodPair.start(t, target);
  const reasons = ["max_pending_handshakes", "handshake_interval"];
  const before = await snapshot(target, reasons);
  let socks: Socket[] = [];
  let closedByTarget = 0;
  const r = await runAttack(t, `half-handshakes n=${n}`, target, pair, async () => {
    socks = await rawConnections(target.xpub, n, NULL_GREETING.subarray(0, 10));
    // A newcomer during the attack: a fresh subscriber must complete its handshake and receive.
    await GoodPair.start(t, target, "newcomer.");
    if (target.metricsUrl !== undefined && n > 1024) {
      await until("the oldest half-handshakes dropped", () => hits(target, "max_pending_handshakes"), (v) => v - before["max_pending_handshakes"]! >= n - 1024);
    }
    closedByTarget = socks.filter((s) => s.destroyed || s.readableEnded).length;
  }, () => {
    for (const s of socks) s.destroy();
  });
  t.diagnostic(`half-handshakes impl=${target.impl}: ${socks.length} connections, closed by the target while the attack lasted: ${closedByTarget}`);
  return { ...r, counted: await counted(target, reasons, before), closedByTarget };
}

/**
 * A handshake padded without end: `n` peers send the greeting and then a READY command whose
 * metadata is `kb` KiB. zeek-zmq stops each at max_handshake_bytes (64 KiB), or at once when the
 * command declares more than 1 MiB (counted as max_message_size); libzmq's READY is limited only by
 * its maximum message size (none by default).
 */
export async function oversizedHandshakes(t: TestContext, target: BrokerTarget, n: number, kb: number): Promise<RowResult> {
  const pair = await GoodPair.start(t, target);
  const reason = kb > 1024 ? "max_message_size" : "max_handshake_bytes";
  const reasons = [reason];
  const before = await snapshot(target, reasons);
  // READY with one property "X-Pad" of kb KiB: name length, name, value length (4 bytes), value.
  const value = Buffer.alloc(kb * 1024, 0x41);
  const prop = Buffer.concat([Buffer.from([5]), Buffer.from("X-Pad"), Buffer.alloc(4), value]);
  prop.writeUInt32BE(value.length, 6);
  const ready = encodeCommand("READY", prop);
  const first = Buffer.concat([NULL_GREETING, ready]);
  let socks: Socket[] = [];
  const r = await runAttack(t, `oversized-handshakes n=${n} kb=${kb}`, target, pair, async () => {
    socks = await rawConnections(target.xpub, n, first, 50);
    await Promise.all(socks.map((s) => (s.writableLength === 0 || s.destroyed ? Promise.resolve() : new Promise<void>((res) => s.once("drain", res).once("close", res)).then(() => undefined))));
    if (target.metricsUrl !== undefined) await until("oversized handshakes refused", () => hits(target, reason), (v) => v - before[reason]! >= n);
  }, () => {
    for (const s of socks) s.destroy();
  });
  return { ...r, counted: await counted(target, reasons, before) };
}
