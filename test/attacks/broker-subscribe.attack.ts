// Rows "2,000 / 25,000 SUBSCRIBEs of 1,000-byte random topics" and "200,000 SUBSCRIBEs of 16
// bytes", plus the limits they meet (max_subscriptions_per_peer, max_topic_length,
// max_subscription_bytes), against zeek-zmq broker (with a zeek-zmq node downstream, whose XPUB
// receives what the broker forwards) and zmq_proxy.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startNode } from "../cluster/helpers/procs.js";
import { type BrokerTarget, nativeBuild, startNativeProxy, startTsBroker } from "./harness.js";
import { subscriptionFlood } from "./broker-rows.js";

async function withNode(t: import("node:test").TestContext, target: BrokerTarget) {
  const node = await startNode({ name: "downstream" }, target);
  t.after(() => node.kill());
  return node;
}

const ROWS = [
  { n: 2_000, len: 1_000, conns: 1, maxGrowthMb: 64, reason: "", refused: 0 },
  // +24 MB live (the 10,000 accepted topics in the XPUB trie and the XSUB's table); the rest of
  // the growth is V8 heap and allocator slack from processing the flood, the same for 100,000.
  { n: 25_000, len: 1_000, conns: 1, maxGrowthMb: 128, reason: "max_subscriptions_per_peer", refused: 15_000 },
  { n: 100_000, len: 1_000, conns: 1, maxGrowthMb: 128, reason: "max_subscriptions_per_peer", refused: 90_000 },
  { n: 200_000, len: 16, conns: 1, maxGrowthMb: 48, reason: "max_subscriptions_per_peer", refused: 190_000 },
  { n: 1_000, len: 8_192, conns: 1, maxGrowthMb: 32, reason: "max_topic_length", refused: 1_000 },
  // The table holds 32 MiB (max_subscription_bytes); the XSUB's table of the same topics and slack come on top.
  { n: 400_000, len: 200, conns: 40, maxGrowthMb: 256, reason: "max_subscription_bytes", refused: -1 },
] as const;

describe("subscription floods", { timeout: 900_000 }, () => {
  for (const row of ROWS) {
    const name = `${row.n} SUBSCRIBEs of ${row.len} bytes over ${row.conns} connection(s)`;
    test(`zeek-zmq broker: ${name}`, async (t) => {
      const target = await startTsBroker(t);
      const node = await withNode(t, target);
      const r = await subscriptionFlood(t, target, row.n, row.len, { connections: row.conns, node });
      assert.ok(r.alive && r.pairDuring && r.pairAfter, JSON.stringify(r));
      assert.ok(r.growthMb < row.maxGrowthMb, `broker grew ${r.growthMb.toFixed(0)} MB`);
      assert.ok(r.nodeGrowthMb! < row.maxGrowthMb, `node grew ${r.nodeGrowthMb!.toFixed(0)} MB`);
      if (row.reason !== "") {
        const got = r.counted[row.reason]!;
        if (row.refused >= 0) assert.equal(got, row.refused, JSON.stringify(r.counted));
        else assert.ok(got > 0, JSON.stringify(r.counted));
      } else assert.deepEqual(Object.values(r.counted), [0, 0, 0]);
    });

    test(`zmq_proxy: ${name} (recorded)`, async (t) => {
      const native = nativeBuild();
      if ("skip" in native) return t.skip(native.skip);
      const target = await startNativeProxy(t, native.dir);
      const node = await withNode(t, target);
      const r = await subscriptionFlood(t, target, row.n, row.len, { connections: row.conns, node });
      assert.ok(r.rssBeforeMb > 0);
    });
  }
});
