// Row "a peer that never reads sends 10M PINGs": broker (zeek-zmq vs zmq_proxy) and log receiver
// (zeek-zmq logger vs a libzmq PULL). zeek-zmq owes at most one PONG per connection, so the
// flood costs no memory, and the well-behaved pair keeps working. No limit is involved (nothing
// is refused): the limit counters stay where they were.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { nativeBuild, startNativePull, startNativeProxy, startTsBroker, startTsLogger } from "./harness.js";
import { pingFloodBroker, pingFloodPull } from "./broker-rows.js";

const N = 10_000_000;

describe("10M PINGs from a peer that never reads", { timeout: 600_000 }, () => {
  test("zeek-zmq broker: RSS +<64 MB, pair works during and after", async (t) => {
    const r = await pingFloodBroker(t, await startTsBroker(t), N);
    assert.ok(r.alive && r.pairDuring && r.pairAfter, JSON.stringify(r));
    assert.ok(r.growthMb < 64, `grew ${r.growthMb.toFixed(0)} MB`);
  });

  test("zmq_proxy (libzmq): recorded", async (t) => {
    const native = nativeBuild();
    if ("skip" in native) return t.skip(native.skip);
    const r = await pingFloodBroker(t, await startNativeProxy(t, native.dir), N);
    assert.ok(r.rssBeforeMb > 0);
  });

  test("zeek-zmq logger: RSS +<64 MB, sender works during and after", async (t) => {
    const r = await pingFloodPull(t, await startTsLogger(t), N);
    assert.ok(r.alive && r.pairDuring && r.pairAfter, JSON.stringify(r));
    assert.ok(r.growthMb < 64, `grew ${r.growthMb.toFixed(0)} MB`);
  });

  test("libzmq PULL: recorded", async (t) => {
    const r = await pingFloodPull(t, await startNativePull(t), N);
    assert.ok(r.rssBeforeMb > 0);
  });
});
