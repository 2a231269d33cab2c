// Fault: a silent peer. A node frozen with SIGSTOP keeps its TCP connections open (no FIN, no RST),
// so only heartbeats can notice it. With the zeek-zmq extension heartbeat_interval_ms /
// heartbeat_timeout_ms on the broker, the broker's XPUB times out the frozen node's connection and
// emits its unsubscriptions, and every other node raises node_down within interval + timeout
// (+ scheduling slack). After SIGCONT the node reconnects and is seen up again.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { NodeProc } from "../cluster/helpers/procs.js";
import { ProcSet } from "../harness/proc.js";
import { LAYOUT, allUp, startFaultBroker, startLayoutNode } from "./helpers.js";

export const HB = { heartbeatIntervalMs: 200, heartbeatTimeoutMs: 1000 };
/** Documented bound: interval + timeout + 500 ms slack (timers, event loop turns, the forwarding hop). */
export const FREEZE_BOUND_MS = HB.heartbeatIntervalMs + HB.heartbeatTimeoutMs + 500;

const set = new ProcSet();
after(() => set.killAll());

test(`a node frozen with SIGSTOP: node_down everywhere within ${FREEZE_BOUND_MS} ms with heartbeats 200/1000 ms`, async (t) => {
  const broker = await startFaultBroker(set, { xsub: "tcp://127.0.0.1:0", xpub: "tcp://127.0.0.1:0", ...HB });
  const nodes = new Map<string, NodeProc>();
  for (const [n] of LAYOUT) nodes.set(n, await startLayoutNode(set, n, broker, HB));
  await allUp([...nodes.values()]);

  const worst: number[] = [];
  for (const victim of ["worker-2", "worker-1"]) {
    const v = nodes.get(victim)!;
    const watchers = [...nodes.values()].filter((p) => p !== v);
    const from = watchers.map((p) => p.lines.length);
    const fromVictim = v.lines.length;
    const t0 = performance.now();
    v.child.kill("SIGSTOP");
    try {
      const times = await Promise.all(
        watchers.map(async (p, i) => {
          const l = await p.wait("node_down", (x) => x["name"] === victim, from[i], FREEZE_BOUND_MS + 5000);
          assert.equal(l["id"], v.id);
          return performance.now() - t0;
        }),
      );
      worst.push(Math.max(...times));
      t.diagnostic(`SIGSTOP ${victim}: node_down at ${watchers.map((p, i) => `${p.label} ${times[i]!.toFixed(0)} ms`).join(", ")}`);
      assert.ok(Math.max(...times) < FREEZE_BOUND_MS, `detected after ${Math.max(...times).toFixed(0)} ms, bound ${FREEZE_BOUND_MS} ms`);
      // Not before a heartbeat could have expired: it was the heartbeat, not a FIN.
      assert.ok(Math.min(...times) >= HB.heartbeatTimeoutMs, `detected after ${Math.min(...times).toFixed(0)} ms, before the heartbeat timeout?`);
    } finally {
      v.child.kill("SIGCONT");
    }
    // The thawed node finds its broker connection gone, drops its peers and rediscovers them.
    for (const w of watchers) await v.wait("node_down", (x) => x["name"] === w.label, fromVictim, FREEZE_BOUND_MS + 5000);
    await allUp([...nodes.values()]);
  }
  t.diagnostic(`worst heartbeat detection: ${Math.max(...worst).toFixed(0)} ms (interval ${HB.heartbeatIntervalMs} ms, timeout ${HB.heartbeatTimeoutMs} ms)`);
  await Promise.all([...nodes.values(), broker].map((p) => p.quit()));
});

// The thawed node finds its broker connection gone, raises node_down for its peers and runs
// discovery again on the replayed subscriptions; the others see node_up for it again.
test("a node thawed after SIGCONT is seen up again by the others", async () => {
  const broker = await startFaultBroker(set, { xsub: "tcp://127.0.0.1:0", xpub: "tcp://127.0.0.1:0", ...HB });
  const nodes: NodeProc[] = [];
  for (const [n] of LAYOUT) nodes.push(await startLayoutNode(set, n, broker, HB));
  await allUp(nodes);
  const [manager, w1, w2] = nodes as [NodeProc, NodeProc, NodeProc];
  const from = [manager.lines.length, w1.lines.length];
  w2.child.kill("SIGSTOP");
  try {
    await Promise.all([manager, w1].map((p, i) => p.wait("node_down", (x) => x["name"] === "worker-2", from[i], FREEZE_BOUND_MS + 5000)));
  } finally {
    w2.child.kill("SIGCONT");
  }
  await Promise.all([manager, w1].map((p, i) => p.wait("node_up", (x) => x["name"] === "worker-2" && x["id"] === w2.id, from[i], 5000)));
  await Promise.all([...nodes, broker].map((p) => p.quit()));
});
