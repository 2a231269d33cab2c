// A silent partition on a real link: two network namespaces created by this test, joined by a veth
// pair. The broker, manager and worker-1 run in namespace A, worker-2 in namespace B and reaches the
// broker over the veth. Setting B's end of the link down drops every packet without FIN or RST;
// with heartbeats 200/1000 ms the broker times the connection out and the others see node_down
// within the same bound as for SIGSTOP. Skipped with a message where namespaces cannot be created.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, test } from "node:test";
import type { NodeProc } from "../../cluster/helpers/procs.js";
import { ProcSet } from "../../harness/proc.js";
import { LAYOUT, allUp, startFaultBroker, startLayoutNode } from "../helpers.js";

const HB = { heartbeatIntervalMs: 200, heartbeatTimeoutMs: 1000 };
const BOUND_MS = HB.heartbeatIntervalMs + HB.heartbeatTimeoutMs + 500;

const tag = (process.pid % 100000).toString(36);
const NS_A = `zzfault-a-${tag}`;
const NS_B = `zzfault-b-${tag}`;
const VETH_A = `zzfa${tag}`;
const VETH_B = `zzfb${tag}`;
// A /30 from 10.0.0.0/8 derived from the pid, used only between the two namespaces.
const NET = `10.${200 + (process.pid % 50)}.${(process.pid >> 8) % 256}`;
const ADDR_A = `${NET}.1`;

const set = new ProcSet();
const created: string[] = [];

function ip(...args: string[]): { ok: boolean; err: string } {
  const r = spawnSync("ip", args, { encoding: "utf8", timeout: 10_000 });
  return { ok: r.status === 0, err: `${r.stderr ?? ""}${r.error?.message ?? ""}`.trim() };
}
function must(...args: string[]): void {
  const r = ip(...args);
  if (!r.ok) throw new Error(`ip ${args.join(" ")} failed: ${r.err}`);
}

after(() => {
  set.killAll();
  for (const ns of created.reverse()) ip("netns", "del", ns); // deleting a namespace deletes its veth end
});

/** Creates the namespaces and the link; returns a reason string when that is not permitted. */
function setup(): string | null {
  for (const ns of [NS_A, NS_B]) {
    const r = ip("netns", "add", ns);
    if (!r.ok) return `cannot create network namespaces here (ip netns add: ${r.err || "not permitted"})`;
    created.push(ns);
  }
  const link = ip("link", "add", VETH_A, "netns", NS_A, "type", "veth", "peer", "name", VETH_B, "netns", NS_B);
  if (!link.ok) return `cannot create a veth pair between namespaces (${link.err})`;
  must("-n", NS_A, "addr", "add", `${ADDR_A}/30`, "dev", VETH_A);
  must("-n", NS_B, "addr", "add", `${NET}.2/30`, "dev", VETH_B);
  for (const [ns, dev] of [[NS_A, VETH_A], [NS_B, VETH_B]] as const) {
    must("-n", ns, "link", "set", "lo", "up");
    must("-n", ns, "link", "set", dev, "up");
  }
  return null;
}

test(`a silent network partition (veth link down between namespaces): node_down within ${BOUND_MS} ms with heartbeats 200/1000 ms`, async (t) => {
  const why = setup();
  if (why !== null) {
    t.skip(why);
    return;
  }
  const inA = ["ip", "netns", "exec", NS_A];
  const inB = ["ip", "netns", "exec", NS_B];
  const broker = await startFaultBroker(set, { xsub: `tcp://${ADDR_A}:0`, xpub: `tcp://${ADDR_A}:0`, ...HB }, inA);
  const nodes: NodeProc[] = [];
  for (const [name] of LAYOUT) nodes.push(await startLayoutNode(set, name, broker, HB, { prefix: name === "worker-2" ? inB : inA }));
  await allUp(nodes);
  const [manager, w1, w2] = nodes as [NodeProc, NodeProc, NodeProc];

  const from = [manager.lines.length, w1.lines.length];
  const t0 = performance.now();
  must("-n", NS_B, "link", "set", VETH_B, "down");
  const times = await Promise.all(
    [manager, w1].map(async (p, i) => {
      const l = await p.wait("node_down", (x) => x["name"] === "worker-2", from[i], BOUND_MS + 5000);
      assert.equal(l["id"], w2.id);
      return performance.now() - t0;
    }),
  );
  t.diagnostic(`link down: node_down at manager ${times[0]!.toFixed(0)} ms, worker-1 ${times[1]!.toFixed(0)} ms`);
  assert.ok(Math.max(...times) < BOUND_MS, `detected after ${Math.max(...times).toFixed(0)} ms, bound ${BOUND_MS} ms`);
  assert.ok(Math.min(...times) >= HB.heartbeatTimeoutMs, "detected by the heartbeat timeout, not by a FIN/RST");
  await Promise.all([manager, w1, broker].map((p) => p.quit()));
});
