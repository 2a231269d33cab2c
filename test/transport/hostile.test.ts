// Hostile peers at the socket level (issue 11): what a peer can make a socket hold is bounded and
// every refusal is a typed "limit" event naming the peer. Subscriptions (topic length, count per
// peer, table memory), CANCELs of someone else's topic, subscription changes for a peer that does
// not read (coalesced, exact), the idle probe (silent peers go, libzmq peers stay) and the
// connection limit freeing slots held by silent peers.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as zmq from "zeromq";
import { type LimitEvent, Pull, Push, XPub, XSub, type ZmtpSocket } from "../../src/transport/index.js";
import { ZmtpAttacker, subscriptionSet } from "../attacks/harness.js";
import { event, hex, take, until } from "./helpers.js";
import { NULL_GREETING, READY } from "./raw.js";

function limits(sock: ZmtpSocket): LimitEvent[] {
  const out: LimitEvent[] = [];
  sock.on("limit", (e) => out.push(e));
  return out;
}

const sub = (t: string | Buffer): Buffer => Buffer.concat([Buffer.of(1), Buffer.from(t)]);
const unsub = (t: string | Buffer): Buffer => Buffer.concat([Buffer.of(0), Buffer.from(t)]);

describe("XPUB subscription limits", () => {
  test("a topic longer than maxTopicLength is refused and reported; shorter ones still work", async () => {
    const xpub = new XPub({ verbose: true, maxTopicLength: 100 });
    const hits = limits(xpub);
    const ep = await xpub.bind("tcp://127.0.0.1:0");
    const a = await ZmtpAttacker.connect(ep, "XSUB");
    try {
      await a.write(Buffer.concat([a.subscribe("x".repeat(101)), a.subscribe("ok.")]));
      assert.deepEqual((await take(xpub, 1)).map(hex), [hex([sub("ok.")])]);
      await until(() => hits.length === 1, "the limit event");
      assert.equal(hits[0]!.reason, "max_topic_length");
      assert.match(hits[0]!.remote, /^127\.0\.0\.1:\d+$/);
      assert.match(hits[0]!.detail, /101 bytes \(maxTopicLength 100\)/);
      assert.equal(xpub.subscriptionCount, 1);
    } finally {
      a.close();
      await xpub.close();
    }
  });

  test("maxSubscriptionsPerPeer refuses a peer's next topic, not another peer's; a cancel makes room", async () => {
    const xpub = new XPub({ maxSubscriptionsPerPeer: 3 });
    const hits = limits(xpub);
    const ep = await xpub.bind("tcp://127.0.0.1:0");
    const a = await ZmtpAttacker.connect(ep, "XSUB");
    const b = await ZmtpAttacker.connect(ep, "XSUB");
    try {
      await a.write(Buffer.concat(["a1", "a2", "a3", "a4", "a5"].map((t) => a.subscribe(t))));
      await until(() => hits.length === 2, "two refusals");
      assert.deepEqual(hits.map((h) => h.reason), ["max_subscriptions_per_peer", "max_subscriptions_per_peer"]);
      await b.write(Buffer.concat(["b1", "b2", "b3"].map((t) => b.subscribe(t))));
      await until(() => xpub.subscriptionCount === 6, "b's three topics");
      await a.write(Buffer.concat([a.cancel("a1"), a.subscribe("a6")]));
      await until(() => xpub.subscriptionCount === 6 && hits.length === 2, "a6 in a1's place");
      const got = (await take(xpub, 8)).map((m) => m[0]!.toString("latin1"));
      assert.deepEqual(got.sort(), ["\x00a1", "\x01a1", "\x01a2", "\x01a3", "\x01a6", "\x01b1", "\x01b2", "\x01b3"]);
    } finally {
      a.close();
      b.close();
      await xpub.close();
    }
  });

  test("maxSubscriptionBytes refuses subscriptions once the table is full, and has room again after cancels", async () => {
    const xpub = new XPub({ maxSubscriptionBytes: 20_000, maxSubscriptionsPerPeer: 0 });
    const hits = limits(xpub);
    const ep = await xpub.bind("tcp://127.0.0.1:0");
    const a = await ZmtpAttacker.connect(ep, "XSUB");
    try {
      const topics = Array.from({ length: 100 }, (_, i) => `topic.${i}.${"p".repeat(200)}`);
      await a.write(Buffer.concat(topics.map((t) => a.subscribe(t))));
      await until(() => xpub.subscriptionCount + hits.length === 100, "every subscription accepted or refused");
      assert.ok(hits.length > 0 && hits.every((h) => h.reason === "max_subscription_bytes"), `${hits.length} refusals`);
      assert.ok(xpub.subscriptionBytes <= 20_000, `${xpub.subscriptionBytes} bytes held`);
      const held = xpub.subscriptionCount;
      await a.write(Buffer.concat(topics.slice(0, held).map((t) => a.cancel(t))));
      await until(() => xpub.subscriptionCount === 0, "all cancelled");
      await a.write(a.subscribe(topics[99]!));
      await until(() => xpub.subscriptionCount === 1, "room again");
    } finally {
      a.close();
      await xpub.close();
    }
  });

  test("a peer this socket connected to (a node's broker) is not limited per peer, only by the table's memory", async () => {
    const xpub = new XPub({ maxSubscriptionsPerPeer: 2 });
    const hits = limits(xpub);
    const { endpoint, peer, close } = await ZmtpAttacker.serve("XSUB");
    try {
      xpub.connect(endpoint);
      const broker = await peer;
      await broker.write(Buffer.concat(Array.from({ length: 50 }, (_, i) => broker.subscribe(`zeek.cluster.nodeid.n${i}.`))));
      await until(() => xpub.subscriptionCount === 50, "all 50 relayed subscriptions held");
      assert.equal(hits.length, 0);
    } finally {
      close();
      await xpub.close();
    }
  });
});

describe("CANCEL semantics", () => {
  test("a CANCEL of a topic the peer does not hold is ignored and reported: one peer cannot unsubscribe another", async () => {
    const xpub = new XPub({ verboser: true });
    const hits = limits(xpub);
    const ep = await xpub.bind("tcp://127.0.0.1:0");
    const owner = new zmq.Subscriber({ linger: 0, receiveTimeout: 3000 });
    const attacker = await ZmtpAttacker.connect(ep, "XSUB");
    try {
      owner.connect(ep);
      owner.subscribe("zeek.cluster.nodeid.victim.");
      assert.deepEqual((await take(xpub, 1)).map(hex), [hex([sub("zeek.cluster.nodeid.victim.")])]);
      await attacker.write(attacker.cancel("zeek.cluster.nodeid.victim."));
      await until(() => hits.length === 1, "the cancel to be refused");
      assert.equal(hits[0]!.reason, "cancel_not_subscribed");
      assert.equal(xpub.pending, 0, "the cancel is not delivered (a proxy would pass it on)");
      xpub.send([Buffer.from("zeek.cluster.nodeid.victim.x"), Buffer.from("still here")]);
      assert.deepEqual((await owner.receive()).map(String), ["zeek.cluster.nodeid.victim.x", "still here"]);
    } finally {
      owner.close();
      attacker.close();
      await xpub.close();
    }
  });

  test("changesOnly: a repeated SUBSCRIBE is not delivered again, so a proxy's count equals the holders", async () => {
    const xpub = new XPub({ verboser: true, changesOnly: true });
    const ep = await xpub.bind("tcp://127.0.0.1:0");
    const a = await ZmtpAttacker.connect(ep, "XSUB");
    try {
      await a.write(Buffer.concat([a.subscribe("t"), a.subscribe("t"), a.subscribe("t"), a.cancel("t"), a.subscribe("u")]));
      assert.deepEqual((await take(xpub, 3)).map(hex), [hex([sub("t")]), hex([unsub("t")]), hex([sub("u")])]);
    } finally {
      a.close();
      await xpub.close();
    }
  });
});

describe("subscription changes for a peer that does not read", () => {
  test("churn of 20,000 distinct 1 KB topics is coalesced per topic and the peer ends with exactly the right set", async () => {
    const xsub = new XSub();
    const { endpoint, peer, close } = await ZmtpAttacker.serve("XPUB", { read: false, keep: true });
    try {
      xsub.connect(endpoint);
      const stalled = await peer;
      const expected = new Set<string>();
      const pad = "c".repeat(1000);
      let churned = 0;
      for (let i = 0; i < 20_000; i++) {
        const t = `churn.${i}.${pad}`;
        xsub.send([sub(t)]);
        churned += t.length * 2;
        if (i % 97 === 0) expected.add(t); // a few stay subscribed
        else xsub.send([unsub(t)]);
        if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
      }
      for (const t of ["keep.a", "keep.b"]) {
        xsub.send([sub(t)]);
        expected.add(t);
      }
      stalled.resume();
      await until(() => subscriptionSet(stalled.bytes()).size === expected.size, "the final set", 10_000);
      // Let anything still on its way arrive, then compare exactly.
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual([...subscriptionSet(stalled.bytes())].sort(), [...expected].sort());
      assert.ok(stalled.received < churned / 2, `${stalled.received} bytes sent for ${churned} bytes of churn`);
    } finally {
      close();
      await xsub.close();
    }
  });

  test("maxSubscriptionBacklog disconnects the longest-stalled peer; a reading peer keeps the exact set", async () => {
    const xsub = new XSub({ maxSubscriptionBacklog: 500 });
    const hits = limits(xsub);
    const stalledSrv = await ZmtpAttacker.serve("XPUB", { read: false });
    const goodSrv = await ZmtpAttacker.serve("XPUB", { keep: true });
    try {
      xsub.connect(stalledSrv.endpoint);
      const stalled = await stalledSrv.peer;
      const gone = event<{ remote: string }>(xsub, "disconnected");
      xsub.connect(goodSrv.endpoint);
      const good = await goodSrv.peer;
      const expected = new Set<string>();
      const pad = "s".repeat(2000);
      for (let i = 0; i < 5000 && hits.length === 0; i++) {
        const t = `held.${i}.${pad}`;
        xsub.send([sub(t)]);
        expected.add(t);
        if (i % 100 === 0) await new Promise((r) => setImmediate(r));
      }
      await until(() => hits.length > 0, "the backlog limit");
      assert.equal(hits[0]!.reason, "max_subscription_backlog");
      // The stalled peer is the one disconnected (a paused socket does not notice itself).
      assert.equal((await gone).remote, `127.0.0.1:${stalled.sock.localPort}`);
      await until(() => subscriptionSet(good.bytes()).size === expected.size, "the good peer's set");
      assert.deepEqual([...subscriptionSet(good.bytes())].sort(), [...expected].sort());
    } finally {
      stalledSrv.close();
      goodSrv.close();
      await xsub.close();
    }
  });
});

describe("idle connections", () => {
  test("a silent handshaken peer that does not answer PING is dropped; libzmq peers stay", async () => {
    const opts = { idlePingInterval: 100, idlePingTimeout: 200 };
    const pull = new Pull(opts);
    const xpub = new XPub(opts);
    const hits = [...[pull, xpub].map(limits)];
    const pullEp = await pull.bind("tcp://127.0.0.1:0");
    const xpubEp = await xpub.bind("tcp://127.0.0.1:0");
    const push = new zmq.Push({ linger: 0 });
    const subscriber = new zmq.Subscriber({ linger: 0, receiveTimeout: 3000 });
    const silent = await ZmtpAttacker.connect(pullEp, "PUSH");
    const drops: string[] = [];
    for (const s of [pull, xpub]) s.on("disconnected", (d) => drops.push(d.remote));
    try {
      push.connect(pullEp);
      subscriber.connect(xpubEp);
      subscriber.subscribe("t");
      await take(xpub, 1);
      await silent.closed();
      await until(() => hits[0]!.length === 1, "the limit event");
      assert.equal(hits[0]![0]!.reason, "idle_ping_timeout");
      // Ten idle intervals later the libzmq peers are still connected and served.
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(drops.length, 1, `only the silent peer was dropped: ${drops.join(", ")}`);
      await push.send("alive");
      assert.equal((await take(pull, 1))[0]![0]!.toString(), "alive");
      xpub.send([Buffer.from("t"), Buffer.from("alive")]);
      assert.deepEqual((await subscriber.receive()).map(String), ["t", "alive"]);
      assert.equal(hits[1]!.length, 0);
    } finally {
      push.close();
      subscriber.close();
      silent.close();
      await pull.close();
      await xpub.close();
    }
  });

  test("a silent ZMTP 3.0 peer (which cannot be PINGed) is dropped after interval + timeout", async () => {
    const pull = new Pull({ idlePingInterval: 100, idlePingTimeout: 100 });
    const hits = limits(pull);
    const ep = await pull.bind("tcp://127.0.0.1:0");
    const { connect } = await import("node:net");
    const sock = connect({ host: "127.0.0.1", port: Number(/:(\d+)$/.exec(ep)![1]) });
    sock.on("error", () => {});
    try {
      const g30 = Buffer.from(NULL_GREETING);
      g30[11] = 0;
      sock.write(Buffer.concat([g30, READY("PUSH")]));
      await event(pull, "handshake");
      await event(pull, "disconnected");
      assert.equal(hits[0]?.reason, "idle_ping_timeout");
      assert.match(hits[0]!.detail, /ZMTP 3\.0/);
    } finally {
      sock.destroy();
      await pull.close();
    }
  });

  test("a peer we are still writing to is slow, not idle: it is not dropped", async () => {
    const xpub = new XPub({ idlePingInterval: 50, idlePingTimeout: 50 });
    const ep = await xpub.bind("tcp://127.0.0.1:0");
    const slow = await ZmtpAttacker.connect(ep, "XSUB");
    try {
      await slow.write(slow.subscribe("t"));
      await take(xpub, 1);
      slow.sock.pause();
      const body = Buffer.alloc(64 * 1024);
      for (let i = 0; i < 200; i++) xpub.send([Buffer.from("t"), body]);
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(slow.destroyed, false);
    } finally {
      slow.close();
      await xpub.close();
    }
  });

  test("at maxConnections, silent peers are PINGed at once and dropped, so a libzmq peer gets in", async () => {
    const pull = new Pull({ maxConnections: 20, idlePingInterval: 60_000, idlePingTimeout: 300 });
    const hits = limits(pull);
    const ep = await pull.bind("tcp://127.0.0.1:0");
    const silent = await Promise.all(Array.from({ length: 20 }, () => ZmtpAttacker.connect(ep, "PUSH", { read: false })));
    // Silent for over a second: the probe at the limit only PINGs peers idle that long.
    await new Promise((r) => setTimeout(r, 1100));
    const push = new zmq.Push({ linger: 0 });
    try {
      push.connect(ep);
      await push.send("in");
      assert.equal((await take(pull, 1, 10_000))[0]![0]!.toString(), "in");
      assert.ok(hits.some((h) => h.reason === "max_connections"), "the first attempt was refused");
      assert.equal(hits.filter((h) => h.reason === "idle_ping_timeout").length, 20);
    } finally {
      push.close();
      for (const s of silent) s.close();
      await pull.close();
    }
  });
});

describe("replies to a peer that does not read", () => {
  test("PINGs from a peer that never reads get at most one pending PONG: the socket's buffered output stays small", async () => {
    const pull = new Pull();
    const ep = await pull.bind("tcp://127.0.0.1:0");
    const a = await ZmtpAttacker.connect(ep, "PUSH", { read: false });
    try {
      const heap0 = process.memoryUsage().heapUsed;
      const ping = a.ping(Buffer.from("0123456789abcdef"));
      const sent = await a.flood(2_000_000, () => ping, { chunkBytes: 256 * 1024, stallMs: 10_000 });
      assert.equal(sent, 2_000_000, "the PULL kept reading");
      // Every PING was read, yet the PONGs owed are one, not millions (about 150 bytes of heap each).
      const grewMb = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
      assert.ok(grewMb < 64, `heap grew ${grewMb.toFixed(0)} MB`);
      const push = new Push();
      push.connect(ep);
      push.send([Buffer.from("served")]);
      assert.equal((await take(pull, 1))[0]![0]!.toString(), "served");
      await push.close();
    } finally {
      a.close();
      await pull.close();
    }
  });
});
