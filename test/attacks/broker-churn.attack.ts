// Row "SUBSCRIBE/CANCEL churn while another peer on the XSUB side never reads", and the limit it
// rests on (max_subscription_backlog), against zeek-zmq broker and zmq_proxy.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { nativeBuild, startNativeProxy, startTsBroker } from "./harness.js";
import { churnWithStalledPeer, stalledReplays } from "./broker-rows.js";

const N = 500_000;
const LEN = 100;

describe("subscription churn with a publisher that never reads", { timeout: 900_000 }, () => {
  test("zeek-zmq broker: RSS +<128 MB, pair works, the stalled peer ends with exactly the broker's set", async (t) => {
    const r = await churnWithStalledPeer(t, await startTsBroker(t), N, LEN);
    assert.ok(r.alive && r.pairDuring && r.pairAfter, JSON.stringify(r));
    assert.ok(r.exactSet, "the stalled peer's final set");
    assert.ok(r.growthMb < 128, `grew ${r.growthMb.toFixed(0)} MB`);
  });

  test("zmq_proxy: recorded", async (t) => {
    const native = nativeBuild();
    if ("skip" in native) return t.skip(native.skip);
    const r = await churnWithStalledPeer(t, await startNativeProxy(t, native.dir), N, LEN);
    assert.ok(r.rssBeforeMb > 0);
  });

  // Loopback kernel buffers take up to ~36 MB per connection, so the set must be larger than that
  // for a peer to owe changes at all: 10,000 topics of 4 KB (40 MB, above the default
  // max_subscription_bytes, raised here), and a lower limit than the default 250,000.
  test("zeek-zmq broker: 20 publishers never reading a 40 MB replay hit max_subscription_backlog (5,000); RSS +<160 MB", async (t) => {
    const r = await stalledReplays(t, await startTsBroker(t, ["--max-subscription-backlog", "5000", "--max-subscription-bytes", "100000000"]), 10_000, 4_000, 20);
    assert.ok(r.alive && r.pairDuring && r.pairAfter, JSON.stringify(r));
    assert.ok(r.counted["max_subscription_backlog"]! > 0);
    assert.ok(r.growthMb < 160, `grew ${r.growthMb.toFixed(0)} MB`);
  });

  test("zmq_proxy: 20 publishers never reading a 40 MB replay (recorded)", async (t) => {
    const native = nativeBuild();
    if ("skip" in native) return t.skip(native.skip);
    const r = await stalledReplays(t, await startNativeProxy(t, native.dir), 10_000, 4_000, 20);
    assert.ok(r.rssBeforeMb > 0);
  });
});
