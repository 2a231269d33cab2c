// The fast subset of the broker and transport attacks (in `npm test`): each row of
// test/attacks/broker-*.attack.ts at a few seconds' worth, against a real `zeek-zmq broker`
// process, with its limits lowered where the default would take a full-size attack to reach.
// Each asserts the RSS bound, the well-behaved pair during and after, and the limit counter.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GoodPair, ZmtpAttacker, startTsBroker } from "./harness.js";
import { churnWithStalledPeer, descriptorExhaustion, handshakeFlood, hits, idleFlood, oversizedHandshakes, pingFloodBroker, subscriptionFlood } from "./broker-rows.js";

test("broker attack (fast) - subscription floods meet max_subscriptions_per_peer, max_topic_length, max_subscription_bytes", async (t) => {
  const target = await startTsBroker(t, ["--max-subscriptions-per-peer", "500", "--max-topic-length", "256", "--max-subscription-bytes", "1000000"]);
  const perPeer = await subscriptionFlood(t, target, 2_000, 100);
  assert.ok(perPeer.alive && perPeer.pairDuring && perPeer.pairAfter, JSON.stringify(perPeer));
  assert.equal(perPeer.counted["max_subscriptions_per_peer"], 1_500);
  const long = await subscriptionFlood(t, target, 200, 1_000);
  assert.equal(long.counted["max_topic_length"], 200);
  // 5 peers x 500 topics of 200 bytes: more than 1 MB of table.
  const table = await subscriptionFlood(t, target, 2_500, 200, { connections: 5 });
  assert.ok(table.counted["max_subscription_bytes"]! > 0, JSON.stringify(table.counted));
  for (const r of [perPeer, long, table]) {
    assert.ok(r.alive && r.pairDuring && r.pairAfter, JSON.stringify(r));
    assert.ok(r.growthMb < 48, `grew ${r.growthMb.toFixed(0)} MB`);
  }
  // One warning per (reason, peer address), not one per refusal.
  const lines = target.proc.err.filter((l) => /max_subscriptions_per_peer|max_topic_length|max_subscription_bytes/.test(l));
  assert.ok(lines.length >= 3 && lines.length <= 6, lines.join("\n"));
});

test("broker attack (fast) - 1M PINGs from a peer that never reads: at most one PONG owed", async (t) => {
  const r = await pingFloodBroker(t, await startTsBroker(t), 1_000_000);
  assert.ok(r.alive && r.pairDuring && r.pairAfter, JSON.stringify(r));
  assert.ok(r.growthMb < 32, `grew ${r.growthMb.toFixed(0)} MB`);
  // Nothing refused: a PING flood is answered, not counted as a limit.
  assert.deepEqual(r.counted, { max_connections: 0, idle_ping_timeout: 0 });
});

test("broker attack (fast) - a CANCEL of the good subscriber's topic from another peer is ignored and counted", async (t) => {
  const target = await startTsBroker(t);
  const pair = await GoodPair.start(t, target, "victim.topic.");
  const attacker = await ZmtpAttacker.connect(target.xpub, "XSUB");
  t.after(() => attacker.close());
  await attacker.write(Buffer.concat(Array.from({ length: 100 }, () => attacker.cancel("victim.topic."))));
  await pair.check(10);
  assert.equal(await hits(target, "cancel_not_subscribed"), 100);
  await pair.check(10);
});

test("broker attack (fast) - subscription churn with a publisher that never reads: bounded, and it ends with the exact set", async (t) => {
  const r = await churnWithStalledPeer(t, await startTsBroker(t), 50_000, 100);
  assert.ok(r.alive && r.pairDuring && r.pairAfter && r.exactSet, JSON.stringify(r));
  assert.ok(r.growthMb < 64, `grew ${r.growthMb.toFixed(0)} MB`);
  assert.equal(r.counted["max_subscription_backlog"], 0);
});

test("broker attack (fast) - idle connections beyond max_connections: silent ones dropped, newcomers get in", async (t) => {
  const target = await startTsBroker(t, ["--max-connections", "300", "--idle-ping-timeout-ms", "1000"]);
  const r = await idleFlood(t, target, 400);
  assert.ok(r.alive && r.pairDuring && r.pairAfter, JSON.stringify(r));
  assert.equal(r.opened, 300);
  assert.ok(r.counted["max_connections"]! >= 100 && r.counted["idle_ping_timeout"]! >= 1, JSON.stringify(r.counted));
  assert.ok(r.joinSeconds < 8, `joined after ${r.joinSeconds} s`);
  assert.ok(r.growthMb < 48, `grew ${r.growthMb.toFixed(0)} MB`);
});

test("broker attack (fast) - half-open handshakes beyond max_pending_handshakes: the oldest dropped, newcomers get in", async (t) => {
  const r = await handshakeFlood(t, await startTsBroker(t), 1_500);
  assert.ok(r.alive && r.pairDuring && r.pairAfter, JSON.stringify(r));
  assert.ok(r.counted["max_pending_handshakes"]! >= 1_500 - 1_024, JSON.stringify(r.counted));
  assert.ok(r.growthMb < 48, `grew ${r.growthMb.toFixed(0)} MB`);
});

test("broker attack (fast) - READY padded to 512 KiB: stopped at max_handshake_bytes; to 2 MiB: refused at its header", async (t) => {
  const target = await startTsBroker(t);
  const r = await oversizedHandshakes(t, target, 50, 512);
  assert.equal(r.counted["max_handshake_bytes"], 50);
  const big = await oversizedHandshakes(t, target, 20, 2048);
  assert.equal(big.counted["max_message_size"], 20);
  for (const x of [r, big]) {
    assert.ok(x.alive && x.pairDuring && x.pairAfter, JSON.stringify(x));
    assert.ok(x.growthMb < 32, `grew ${x.growthMb.toFixed(0)} MB`);
  }
});

test("broker attack (fast) - out of descriptors (prlimit --nofile=200): reported, counted, accepting resumes", async (t) => {
  const r = await descriptorExhaustion(t, await startTsBroker(t, [], { nofile: 200 }), 250);
  assert.ok(r.alive && r.pairDuring && r.pairAfter && r.freshPair, JSON.stringify(r));
  assert.ok(r.reported && r.resumed, JSON.stringify(r));
  assert.ok(r.counted["nofile"]! >= 1, JSON.stringify(r.counted));
  assert.ok(r.growthMb < 32, `grew ${r.growthMb.toFixed(0)} MB`);
});
