// A peer chooses the size of what it publishes: onloop_queue_hwm counts messages, so 10,000
// queued 1 MB events would be 10 GB. onloop_queue_max_bytes bounds the bytes queued for the
// handlers too; beyond it events are dropped (counted) like at the HWM.
import assert from "node:assert/strict";
import { test } from "node:test";
import { until } from "../harness/until.js";
import { ATTACK_PREFIX, eventFrames, flood, hostilePublisher, metricAtLeast, report, RssSampler, SLOW, victimBehindBroker } from "./node-helpers.js";

const N = 300;
const MB = 2 ** 20;

test("node attack - 300 events of 1 MB for a slow handler: the onloop queue holds at most onloop_queue_max_bytes", async (t) => {
  const { broker, victim, good } = await victimBehindBroker(t, ["--onloop-queue-max-bytes", String(16 * MB)]);
  const rss = new RssSampler(victim);
  const attacker = await hostilePublisher(t, broker);
  const big = Buffer.from(SLOW.encode(["B".repeat(MB)]));
  await flood(attacker, N, () => eventFrames(`${ATTACK_PREFIX}slow`, "attacker", big));
  await metricAtLeast(victim, "zeek_zmq_limit_hits_total", 1, { reason: "onloop_queue_max_bytes" });
  // Each of them was handled (20 ms each) or dropped.
  await until(
    "every big event handled or dropped",
    async () => (await victim.metric("zeek_cluster_core_incoming_events_total")) + (await victim.metric("zeek_cluster_zeromq_onloop_drops_total")),
    (n) => n >= N,
    60_000,
  );
  await good.check();
  const growth = rss.stop();
  const drops = await victim.metric("zeek_cluster_zeromq_onloop_drops_total");
  const hits = await victim.metric("zeek_zmq_limit_hits_total", { reason: "onloop_queue_max_bytes" });
  report("node-onloop-bytes", { events: N, event_mb: 1, onloop_drops: drops, limit_hits: hits, rss_growth_mb: growth });
  assert.ok(drops >= hits && hits > N / 2, `drops ${drops}, limit hits ${hits}`);
  // 16 MB queued at most, plus what is in flight in the socket buffers; unbounded it was ~300 MB.
  assert.ok(growth < 120, `RSS grew ${growth.toFixed(1)} MB`);
  assert.equal(victim.proc.err.filter((l) => l.includes("onloop_queue_max_bytes")).length, 1, "warned once");
});
