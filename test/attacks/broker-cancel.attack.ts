// Row "one CANCEL for another node's zeek.cluster.nodeid.<id>. topic", with real nodes through
// zeek-zmq broker and through zmq_proxy.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { nativeBuild, startNativeProxy, startTsBroker } from "./harness.js";
import { foreignCancel } from "./broker-rows.js";

describe("a CANCEL of another node's nodeid topic", { timeout: 120_000 }, () => {
  test("zeek-zmq broker: ignored and counted; no node_down, the manager still reaches the worker", async (t) => {
    const r = await foreignCancel(t, await startTsBroker(t));
    assert.equal(r.nodeDown, false);
    assert.equal(r.delivered, true);
    assert.equal(r.counted["cancel_not_subscribed"], 1);
    assert.ok(r.alive && r.pairDuring && r.pairAfter && r.growthMb < 32, JSON.stringify(r));
  });

  test("zmq_proxy: recorded", async (t) => {
    const native = nativeBuild();
    if ("skip" in native) return t.skip(native.skip);
    const r = await foreignCancel(t, await startNativeProxy(t, native.dir));
    assert.ok(r.rssBeforeMb > 0);
  });
});
