// Fault: a node dies with SIGKILL (no goodbye). The kernel closes its TCP connections, the
// broker's XPUB drops that subscriber's subscriptions and forwards the unsubscriptions, and every
// other node raises node_down for it - no heartbeat needed. Bound asserted: NODE_DOWN_BOUND_MS.
// A restarted node (new node id) is seen up again.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { NodeProc } from "../cluster/helpers/procs.js";
import { ProcSet } from "../harness/proc.js";
import { LAYOUT, allUp, startFaultBroker, startLayoutNode } from "./helpers.js";

/** The documented bound (RELIABILITY.md): node_down everywhere within 1 s of SIGKILL on loopback. */
export const NODE_DOWN_BOUND_MS = 1000;

const set = new ProcSet();
after(() => set.killAll());

test("a node killed with SIGKILL: every other node sees node_down within 1 s, and node_up when it is back", async (t) => {
  const broker = await startFaultBroker(set, { xsub: "tcp://127.0.0.1:0", xpub: "tcp://127.0.0.1:0" });
  const names = LAYOUT.map(([n]) => n);
  const nodes = new Map<string, NodeProc>();
  for (const n of names) nodes.set(n, await startLayoutNode(set, n, broker));
  await allUp([...nodes.values()]);

  const measured: number[] = [];
  for (const victim of ["worker-2", "worker-1", "worker-2"]) {
    const v = nodes.get(victim)!;
    const watchers = [...nodes.values()].filter((p) => p !== v);
    const from = watchers.map((p) => p.lines.length);
    const t0 = performance.now();
    v.kill();
    const times = await Promise.all(
      watchers.map(async (p, i) => {
        const l = await p.wait("node_down", (x) => x["name"] === victim, from[i], 10_000);
        assert.equal(l["id"], v.id, `${p.label}: node_down carries the dead node's id`);
        return performance.now() - t0;
      }),
    );
    const worst = Math.max(...times);
    measured.push(worst);
    t.diagnostic(`SIGKILL ${victim}: node_down at ${watchers.map((p, i) => `${p.label} ${times[i]!.toFixed(1)} ms`).join(", ")}`);
    assert.ok(worst < NODE_DOWN_BOUND_MS, `node_down after SIGKILL took ${worst.toFixed(1)} ms, bound ${NODE_DOWN_BOUND_MS} ms`);

    // Restart it: a new id, and everyone sees it up again.
    const upFrom = watchers.map((p) => p.lines.length);
    const again = await startLayoutNode(set, victim, broker);
    assert.notEqual(again.id, v.id);
    await Promise.all(watchers.map((p, i) => p.wait("node_up", (x) => x["name"] === victim && x["id"] === again.id, upFrom[i], 10_000)));
    nodes.set(victim, again);
    // And it sees everyone: the next victim's node_down is only owed by nodes that had it up.
    await allUp([...nodes.values()]);
  }
  t.diagnostic(`worst node_down after SIGKILL over ${measured.length} kills: ${Math.max(...measured).toFixed(1)} ms`);
  await Promise.all([...nodes.values(), broker].map((p) => p.quit()));
});
