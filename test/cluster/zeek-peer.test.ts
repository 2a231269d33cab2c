// A zeek-zmq node (a real process) and a libzmq node that behaves on the wire as Zeek 8.2 does
// (helpers/zeek-peer.ts), through our TS broker process and through a libzmq zmq_proxy: both see
// each other's node_up, losing either gives node_down on the other, Zeek's own payloads from the
// captures are accepted, in broker-bin-v1 and broker-json-v1.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { loadCapture } from "../broker/fixtures.js";
import { type NodeProc, startBroker, startNode } from "./helpers/procs.js";
import { BIN, JSON_FORMAT, type PeerFormat, ZeekPeer, decodeBin, decodeJson, encodeBin, encodeJson, startZmqBroker } from "./helpers/zeek-peer.js";

const LAYOUT: [string, "manager" | "worker"][] = [
  ["manager", "manager"],
  ["worker-1", "worker"],
];
const CAPTURES = { [BIN]: "discovery/discovery.capture.jsonl", [JSON_FORMAT]: "events/all-types.json-format.capture.jsonl" } as const;
const topicOf = (p: Buffer): string => p.toString("utf8");

/** worker-1 of a real capture: its node id, its subscription frames, its hello payloads. */
function realWorker1(format: PeerFormat) {
  const msgs = loadCapture(CAPTURES[format]);
  const subs = msgs.filter((m) => m.socket === "xpub" && m.parts[0]![0] === 1).map((m) => topicOf(m.parts[0]!.subarray(1)));
  const nodeidSub = subs.findIndex((t) => t.startsWith("zeek.cluster.nodeid.zeromq_worker-1_"));
  const nodeId = subs[nodeidSub]!.slice("zeek.cluster.nodeid.".length, -1);
  const hellos = msgs.filter((m) => m.socket === "xsub" && topicOf(m.parts[1]!) === nodeId && m.parts[0]!.includes("nodeid"));
  // The block of six subscriptions worker-1 made (§5.1 order), ending with its node topic.
  return { nodeId, subscriptions: subs.slice(nodeidSub - 4, nodeidSub + 2), hellos, msgs };
}

test("zeek-peer - the peer's codec and subscriptions reproduce Zeek's bytes from the captures", () => {
  for (const format of [BIN, JSON_FORMAT] as const) {
    const w = realWorker1(format);
    assert.deepEqual(w.subscriptions, ["zeek/supervisor", "zeek/table/", "zeek.cluster.pool.worker", "zeek.cluster.worker", `zeek.cluster.nodeid.${w.nodeId}.`, "zeek.cluster.node.worker-1."]);
    const all = w.msgs.filter((m) => m.socket === "xsub" && topicOf(m.parts[0]!).startsWith("zeek.cluster.nodeid."));
    assert.ok(all.length >= 4);
    for (const m of all) {
      assert.equal(topicOf(m.parts[2]!), format);
      const ev = format === BIN ? decodeBin(m.parts[3]!) : decodeJson(m.parts[3]!);
      assert.ok(ev, `decodes ${topicOf(m.parts[0]!)}`);
      assert.deepEqual((format === BIN ? encodeBin : encodeJson)(ev.name, ev.args), m.parts[3], `${format} ${ev.name} re-encodes byte for byte`);
    }
    // worker-1's own hellos, as the peer will send them with worker-1's identity.
    assert.ok(w.hellos.length >= 2);
    for (const m of w.hellos) {
      const ev = (format === BIN ? decodeBin : decodeJson)(m.parts[3]!)!;
      assert.deepEqual(ev.args, ["worker-1", w.nodeId]);
    }
  }
});

type BrokerKind = "TS broker process" | "libzmq zmq_proxy";

async function withBroker<T>(kind: BrokerKind, fn: (ep: { xsub: string; xpub: string }) => Promise<T>): Promise<T> {
  if (kind === "TS broker process") {
    const b = await startBroker();
    try {
      return await fn(b);
    } finally {
      b.kill();
    }
  }
  const b = await startZmqBroker();
  try {
    return await fn(b);
  } finally {
    await b.close();
  }
}

/** Resolves with the first node_up / node_down of the peer whose arguments satisfy `pred`; bounded. */
function peerEvent(peer: ZeekPeer, kind: "node_up" | "node_down", pred: (name: string, id: string) => boolean, ms = 15_000): Promise<[string, string]> {
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`peer: no ${kind} within ${ms} ms`)), ms);
    const on = (name: string, id: string): void => {
      if (!pred(name, id)) return;
      clearTimeout(timer);
      peer.off(kind as "node_up", on);
      res([name, id]);
    };
    peer.on(kind as "node_up", on);
  });
}

function makePeer(format: PeerFormat, ep: { xsub: string; xpub: string }): ZeekPeer {
  const w = realWorker1(format);
  return new ZeekPeer({
    name: "worker-1",
    nodeId: w.nodeId,
    layoutNames: LAYOUT.map((l) => l[0]),
    format,
    subscriptions: w.subscriptions,
    connectXsubEndpoint: ep.xpub,
    connectXpubEndpoint: ep.xsub,
  });
}

const procs: NodeProc[] = [];
const peers: ZeekPeer[] = [];
after(async () => {
  for (const p of procs) p.kill();
  await Promise.all(peers.map((p) => p.close().catch(() => undefined)));
});

for (const kind of ["TS broker process", "libzmq zmq_proxy"] as const)
  describe(`zeek-peer - through a ${kind}`, () => {
    test("node_up both ways with Zeek's hello bytes; node_down when either side dies; Zeek's events accepted", () =>
      withBroker(kind, async (ep) => {
        const w = realWorker1(BIN);
        const node = await startNode({ name: "manager", layout: LAYOUT, subscribe: ["zeek.fixtures.all-types"] }, ep);
        procs.push(node);
        const peer = makePeer(BIN, ep);
        peers.push(peer);
        const peerSaw: { topic: string; name: string; payload: Buffer }[] = [];
        peer.on("event", (topic, name, _args, payload) => peerSaw.push({ topic, name, payload }));
        const peerUp = peerEvent(peer, "node_up", (n) => n === "manager");
        peer.start();
        const [, upId] = await peerUp;
        assert.equal(upId, node.id);
        const up = await node.wait("node_up", (l) => l["name"] === "worker-1");
        assert.equal(up["id"], w.nodeId, "the node took the id of Zeek's capture");

        // Our hellos are byte-identical to what Zeek would send for (manager, our id), to the peer's nodeid topic.
        const ours = peerSaw.filter((e) => e.name.endsWith("hello"));
        assert.deepEqual(ours.map((e) => e.name).sort(), ["Cluster::Backend::ZeroMQ::hello", "Cluster::hello"]);
        for (const e of ours) {
          assert.equal(e.topic, `zeek.cluster.nodeid.${w.nodeId}.`);
          assert.deepEqual(e.payload, encodeBin(e.name, ["manager", node.id]));
        }

        // Every event of the all-types capture (real Zeek payloads), republished by the peer.
        const events = loadCapture("events/all-types.capture.jsonl").filter((m) => m.socket === "xsub" && topicOf(m.parts[0]!) === "zeek.fixtures.all-types");
        for (const m of events) await peer.publish("zeek.fixtures.all-types", m.parts[3]!);
        const last = decodeBin(events.at(-1)!.parts[3]!)?.name ?? "Fixture::done";
        await node.wait("event", (l) => l["name"] === last);
        const got = node.all("event").filter((l) => l["topic"] === "zeek.fixtures.all-types");
        assert.equal(got.length, events.length, "every real Zeek event arrived");
        assert.ok(got.every((l) => l["format"] === BIN));

        // The peer goes away like a killed Zeek (connections drop, nothing unsubscribed).
        let from = node.lines.length;
        await peer.close();
        const down = await node.wait("node_down", (l) => l["name"] === "worker-1", from);
        assert.equal(down["id"], w.nodeId);

        // It comes back; then the node is SIGKILLed and the peer sees node_down.
        from = node.lines.length;
        const peer2 = makePeer(BIN, ep);
        peers.push(peer2);
        const up2 = peerEvent(peer2, "node_up", (n) => n === "manager");
        peer2.start();
        await up2;
        await node.wait("node_up", (l) => l["name"] === "worker-1", from);
        const peerDown = peerEvent(peer2, "node_down", (n, id) => n === "manager" && id === node.id);
        node.kill();
        await peerDown;
        assert.deepEqual(node.all("error"), [], "no errors on the node");
      }));
  });

test("zeek-peer - broker-json-v1 cluster: hellos and Zeek's JSON events both ways", () =>
  withBroker("TS broker process", async (ep) => {
    const w = realWorker1(JSON_FORMAT);
    const node = await startNode({ name: "manager", layout: LAYOUT, eventFormat: JSON_FORMAT, subscribe: ["zeek.fixtures.all-types"] }, ep);
    procs.push(node);
    const peer = makePeer(JSON_FORMAT, ep);
    peers.push(peer);
    const hellos: Buffer[] = [];
    peer.on("event", (_t, name, _a, payload) => name.endsWith("hello") && hellos.push(payload));
    const peerErrors: string[] = [];
    peer.on("reporter_error", (m) => peerErrors.push(m));
    const peerUp = peerEvent(peer, "node_up", (n) => n === "manager");
    peer.start();
    await peerUp;
    await node.wait("node_up", (l) => l["name"] === "worker-1" && l["id"] === w.nodeId);
    // Zeek's JSON text exactly (the peer's encoder reproduces the capture's bytes, see above).
    assert.deepEqual(hellos.map((h) => h.toString()).sort(), ["Cluster::Backend::ZeroMQ::hello", "Cluster::hello"].map((n) => encodeJson(n, ["manager", node.id]).toString()).sort());
    assert.deepEqual(peerErrors, [], "the node published broker-json-v1 (Zeek checks the format frame)");

    // Zeek's JSON events of the capture: each one is either delivered or counted as an error
    // (Zeek's own JSON writer emits some values its reader refuses: inf, nan, huge reals).
    const events = w.msgs.filter((m) => m.socket === "xsub" && topicOf(m.parts[0]!) === "zeek.fixtures.all-types");
    for (const m of events) await peer.publish("zeek.fixtures.all-types", m.parts[3]!);
    const last = decodeJson(events.at(-1)!.parts[3]!)!.name;
    await node.wait("event", (l) => l["name"] === last);
    const stats = await node.command({ cmd: "stats" }, "stats");
    const got = node.all("event").filter((l) => l["topic"] === "zeek.fixtures.all-types");
    assert.ok(got.every((l) => l["format"] === JSON_FORMAT));
    assert.ok(got.length >= events.length - 4, `most of Zeek's JSON events decode (${got.length}/${events.length})`);
    assert.equal(got.length + (stats["msgErrors"] as number), events.length, "delivered + msg_errors = sent");
    assert.deepEqual(got.find((l) => l["name"] === "Fixture::bools")?.["args"], [{ "@data-type": "count", data: 1 }, { "@data-type": "boolean", data: true }, { "@data-type": "boolean", data: false }]);
    await node.quit();
  }));
