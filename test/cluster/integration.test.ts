// A cluster of real processes: a TS broker, a manager and two workers (helpers/node-proc.ts),
// plus a libzmq publisher injecting malformed messages and short-lived publishers. One scenario,
// in steps, because every step builds on the cluster the previous one left.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as zmq from "zeromq";
import { PING } from "./helpers/node-proc.js";
import { until } from "../harness/until.js";
import { type BrokerProc, type LayoutNodes, type NodeProc, scrape, startBroker, startNode } from "./helpers/procs.js";

const LAYOUT: LayoutNodes = [
  ["manager", "manager"],
  ["worker-1", "worker"],
  ["worker-2", "worker"],
];
const ECHO = "zeek.test.echo";

type Stats = { senders: Record<string, { received: number; last: number; gaps: number }>; msgErrors: number; up: Record<string, string> };
const stats = async (p: NodeProc): Promise<Stats> => (await p.command({ cmd: "stats" }, "stats")) as unknown as Stats;
const receivedFrom = async (p: NodeProc, sender: string): Promise<number> => (await stats(p)).senders[sender]?.received ?? 0;

describe("integration - broker, manager and two workers as processes", () => {
  let broker: BrokerProc;
  const nodes = new Map<string, NodeProc>();
  const all: NodeProc[] = [];
  const node = (name: string): NodeProc => nodes.get(name)!;
  const start = async (name: string, extra: Partial<Parameters<typeof startNode>[0]> = {}): Promise<NodeProc> => {
    const p = await startNode({ name, layout: LAYOUT, subscribe: [ECHO], ...extra }, broker);
    nodes.set(name, p);
    all.push(p);
    return p;
  };

  before(async () => {
    broker = await startBroker();
    await start("manager", { metrics: true });
    await Promise.all([start("worker-1"), start("worker-2")]);
  });

  after(async () => {
    for (const p of all) p.kill();
    broker?.kill();
  });

  test("node_up on every side (3 x 2)", async () => {
    for (const [name] of LAYOUT)
      for (const [other] of LAYOUT)
        if (other !== name) {
          const up = await node(name).wait("node_up", (l) => l["name"] === other);
          assert.equal(up["id"], node(other).id, `${name} sees ${other} with its node id`);
        }
    for (const [name] of LAYOUT) assert.equal(node(name).all("node_up").length, 2, `${name}: one node_up per peer`);
  });

  test("events are delivered by role topic", async () => {
    await node("manager").command({ cmd: "publish", topic: "zeek.cluster.worker", n: 200, batch: 50 }, "published");
    await node("worker-1").command({ cmd: "publish", topic: "zeek.cluster.manager", n: 300 }, "published");
    await node("worker-2").command({ cmd: "publish", topic: "zeek.cluster.manager", n: 300 }, "published");
    for (const w of ["worker-1", "worker-2"]) await until(`${w} got 200 pings`, () => receivedFrom(node(w), "manager"), (n) => n === 200);
    const m = await until("manager got 2 x 300 pings", () => stats(node("manager")), (s) => s.senders["worker-1"]?.received === 300 && s.senders["worker-2"]?.received === 300);
    assert.equal(m.senders["worker-1"]!.gaps + m.senders["worker-2"]!.gaps, 0);
    assert.equal(m.senders["manager"], undefined, "the manager is no worker");
  });

  test("own messages are filtered by sender id", async () => {
    const m = node("manager");
    const w2 = node("worker-2");
    const from = w2.lines.length;
    await m.command({ cmd: "msg", topic: ECHO, s: "from-manager" }, "sent");
    await w2.wait("event", (l) => (l["args"] as { data: string }[])[0]?.data === "from-manager", from);
    // worker-2 answers on the same topic only after the broker forwarded the manager's message
    // to every subscriber: when the answer reaches the manager, its own echo came before it.
    await w2.command({ cmd: "msg", topic: ECHO, s: "from-worker-2" }, "sent");
    await m.wait("event", (l) => (l["args"] as { data: string }[])[0]?.data === "from-worker-2");
    await node("worker-1").wait("event", (l) => (l["args"] as { data: string }[])[0]?.data === "from-worker-2");
    const seen = (p: NodeProc): string[] => p.all("event").filter((l) => l["topic"] === ECHO).map((l) => (l["args"] as { data: string }[])[0]!.data);
    assert.deepEqual(seen(m), ["from-worker-2"]);
    assert.deepEqual(seen(w2), ["from-manager"]);
    assert.deepEqual(seen(node("worker-1")), ["from-manager", "from-worker-2"]);
  });

  test("wrong part counts and undecodable payloads count in msg_errors; the node keeps serving", async () => {
    const m = node("manager");
    const before = await scrape(m.metricsUrl!, "zeek_cluster_zeromq_msg_errors_total");
    const pub = new zmq.XPublisher({ noDrop: true, linger: 1000 });
    try {
      pub.connect(broker.xsub);
      // XPUB filters on the sender side: wait until the manager's topic subscription arrived.
      for await (const [f] of pub) if (f!.toString("latin1", 1) === "zeek.cluster.manager") break;
      const t = Buffer.from("zeek.cluster.manager");
      const id = Buffer.from("zeromq_injector_localhost_1_Nx");
      const bin = Buffer.from("broker-bin-v1");
      const swapped = PING.encode(["x", 1n]);
      swapped[swapped.lastIndexOf(0x05)] = 0x02; // the sender string re-tagged as a count: undecodable as ping(string, count)
      const bad = [
        [t],
        [t, id, bin],
        [t, id, bin, PING.encode(["injector", 1n]), Buffer.from("5th")],
        [t, id, bin, Buffer.from("certainly not broker-bin-v1")],
        [t, id, Buffer.from("broker-json-v1"), Buffer.from("{not json")],
        [t, id, Buffer.from("broker-xml-v1"), PING.encode(["injector", 1n])],
        [t, id, bin, swapped],
      ];
      for (const parts of bad) await pub.send(parts);
      const errors = await until("msg_errors", () => scrape(m.metricsUrl!, "zeek_cluster_zeromq_msg_errors_total"), (v) => v >= before + bad.length);
      assert.equal(errors, before + bad.length);
    } finally {
      pub.close();
    }
    assert.equal(await receivedFrom(m, "injector"), 0);
    await node("worker-1").command({ cmd: "publish", topic: "zeek.cluster.manager", n: 50 }, "published");
    await until("manager still serving", () => receivedFrom(m, "worker-1"), (n) => n === 350);
    assert.equal((await stats(m)).msgErrors, before + 7, "counters in /metrics and in the node agree");
  });

  test("SIGKILL of a worker: node_down everywhere; a restarted worker is up again, no duplicate errors", async (t) => {
    const m = node("manager");
    const w2 = node("worker-2");
    const old = node("worker-1");
    const [fm, fw] = [m.lines.length, w2.lines.length];
    const t0 = Date.now();
    old.kill();
    const downs = await Promise.all([m, w2].map((p, i) => p.wait("node_down", (l) => l["name"] === "worker-1", [fm, fw][i]).then((l) => [l, Date.now() - t0] as const)));
    for (const [l] of downs) assert.equal(l["id"], old.id);
    const worst = Math.max(...downs.map((d) => d[1]));
    t.diagnostic(`node_down after SIGKILL: manager ${downs[0]![1]} ms, worker-2 ${downs[1]![1]} ms`);
    assert.ok(worst < 5000, `node_down within 5 s of the SIGKILL (took ${worst} ms)`);

    const fresh = await start("worker-1");
    assert.notEqual(fresh.id, old.id);
    for (const [p, from] of [[m, fm], [w2, fw]] as const) {
      const up = await p.wait("node_up", (l) => l["name"] === "worker-1", from);
      assert.equal(up["id"], fresh.id);
    }
    await fresh.wait("node_up", (l) => l["name"] === "manager");
    await fresh.wait("node_up", (l) => l["name"] === "worker-2");
    const up = await until("all up", () => stats(m), (s) => s.up["worker-1"] === fresh.id && s.up["worker-2"] === w2.id);
    assert.equal(Object.keys(up.up).length, 2);
    for (const p of [m, w2, fresh]) {
      assert.deepEqual(p.all("error"), [], `${p.label}: no errors`);
      assert.ok(!p.all("warning").some((l) => /duplicate|never said goodbye/i.test(String(l["msg"]))), `${p.label}: no duplicate warnings`);
    }
  });

  test("ready to publish: short-lived nodes that publish right after start() lose nothing", async () => {
    const m = node("manager");
    for (let i = 1; i <= 3; i++) {
      const name = `oneshot-${i}`;
      // No layout: no discovery, nothing else to wait for; it publishes, reports and exits.
      const p = await startNode({ name, publishOnStart: { topic: "zeek.cluster.manager", n: 500 } }, broker);
      all.push(p);
      const pub = await p.wait("published");
      assert.equal(pub["ok"], 500);
      assert.equal((await p.exit()).code, 0);
      await until(`manager got ${name}'s 500`, () => receivedFrom(m, name), (n) => n === 500);
    }
  });
});
