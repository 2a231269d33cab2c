// Rows "10,100 idle handshaken connections" (new peers must get in while they stay), accept
// failures under a low descriptor limit (EMFILE reported, accepting resumes), and the handshake
// limits (max_pending_handshakes, max_handshake_bytes), against zeek-zmq broker and zmq_proxy.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { nativeBuild, startNativeProxy, startTsBroker } from "./harness.js";
import { descriptorExhaustion, handshakeFlood, idleFlood, oversizedHandshakes } from "./broker-rows.js";

describe("idle connections and descriptor exhaustion", { timeout: 600_000 }, () => {
  test("zeek-zmq broker (defaults): 10,100 idle connections; new peers get in within idle_ping_timeout_ms while they stay", async (t) => {
    const r = await idleFlood(t, await startTsBroker(t), 10_100);
    assert.ok(r.alive && r.pairDuring && r.pairAfter, JSON.stringify(r));
    // max_connections 10,000: the 100 beyond it refused at once, the silent ones PINGed and dropped.
    assert.equal(r.opened, 10_000);
    assert.ok(r.counted["max_connections"]! >= 100, JSON.stringify(r.counted));
    assert.ok(r.counted["idle_ping_timeout"]! >= 1, JSON.stringify(r.counted));
    // idle_ping_timeout_ms (10 s) plus libzmq's reconnect.
    assert.ok(r.joinSeconds < 15, `the new pair got in after ${r.joinSeconds} s`);
    assert.ok(r.growthMb < 160, `grew ${r.growthMb.toFixed(0)} MB`);
  });

  test("zmq_proxy: 10,100 idle connections (recorded)", async (t) => {
    const native = nativeBuild();
    if ("skip" in native) return t.skip(native.skip);
    const r = await idleFlood(t, await startNativeProxy(t, native.dir), 10_100);
    assert.ok(r.rssBeforeMb > 0);
  });

  test("zeek-zmq broker under 300 descriptors: 400 connections; reported, counted, accepting resumes", async (t) => {
    const r = await descriptorExhaustion(t, await startTsBroker(t, [], { nofile: 300 }), 400);
    assert.ok(r.alive && r.pairDuring && r.pairAfter && r.freshPair, JSON.stringify(r));
    assert.ok(r.opened < 300, `${r.opened} connections accepted under 300 descriptors`);
    assert.ok(r.reported && r.resumed, JSON.stringify(r));
    assert.ok(r.counted["nofile"]! >= 1, JSON.stringify(r.counted));
    assert.ok(r.growthMb < 64, `grew ${r.growthMb.toFixed(0)} MB`);
  });

  test("zmq_proxy under 300 descriptors: 400 connections (recorded)", async (t) => {
    const native = nativeBuild();
    if ("skip" in native) return t.skip(native.skip);
    const r = await descriptorExhaustion(t, await startNativeProxy(t, native.dir, { nofile: 300 }), 400);
    assert.ok(r.rssBeforeMb > 0);
  });

  test("zeek-zmq broker: 10,000 half-open handshakes; the oldest dropped beyond max_pending_handshakes, newcomers get in", async (t) => {
    const r = await handshakeFlood(t, await startTsBroker(t), 10_000);
    assert.ok(r.alive && r.pairDuring && r.pairAfter, JSON.stringify(r));
    assert.ok(r.counted["max_pending_handshakes"]! >= 10_000 - 1_024, JSON.stringify(r.counted));
    assert.ok(r.growthMb < 96, `grew ${r.growthMb.toFixed(0)} MB`);
  });

  test("zmq_proxy: 10,000 half-open handshakes (recorded)", async (t) => {
    const native = nativeBuild();
    if ("skip" in native) return t.skip(native.skip);
    const r = await handshakeFlood(t, await startNativeProxy(t, native.dir), 10_000);
    assert.ok(r.rssBeforeMb > 0);
  });

  test("zeek-zmq broker: 200 READY commands padded to 1,000 KiB; each stopped at max_handshake_bytes", async (t) => {
    const r = await oversizedHandshakes(t, await startTsBroker(t), 200, 1000);
    assert.ok(r.alive && r.pairDuring && r.pairAfter, JSON.stringify(r));
    assert.equal(r.counted["max_handshake_bytes"], 200);
    assert.ok(r.growthMb < 64, `grew ${r.growthMb.toFixed(0)} MB`);
  });

  test("zmq_proxy: 200 READY commands padded to 1,000 KiB (recorded)", async (t) => {
    const native = nativeBuild();
    if ("skip" in native) return t.skip(native.skip);
    const r = await oversizedHandshakes(t, await startNativeProxy(t, native.dir), 200, 1000);
    assert.ok(r.rssBeforeMb > 0);
  });
});
