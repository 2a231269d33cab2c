// Issue 11, "20,000 events with distinct topics / event names to a node": per-topic metric series
// without limit (+116 MB, /metrics 10 MB and 0.56 s per scrape). Now, as in Zeek, no per-topic
// series unless core_metrics has VERBOSE; with VERBOSE at most max_metric_series per family.
import assert from "node:assert/strict";
import { test } from "node:test";
import { until } from "./harness.js";
import { ATTACK_PREFIX, eventFrames, eventPayload, flood, hostilePublisher, report, RssSampler, victimBehindBroker } from "./node-helpers.js";

const N = 20_000;

async function attack(t: Parameters<typeof victimBehindBroker>[0], extra: string[], name: string) {
  const { broker, victim, good } = await victimBehindBroker(t, extra);
  const rss = new RssSampler(victim);
  const attacker = await hostilePublisher(t, broker);
  const events0 = await victim.metric("zeek_cluster_core_incoming_events_total");
  const flooding = flood(attacker, N, (i) => eventFrames(`${ATTACK_PREFIX}${i}.${"t".repeat(40)}`, "attacker", eventPayload(`Attack::event_${i}_${"e".repeat(40)}`)));
  await good.check(5); // during
  await flooding;
  // Every hostile event was handled or, the node being overloaded, dropped at onloop_queue_hwm (counted).
  await until("all hostile events accounted for", async () => (await victim.metric("zeek_cluster_core_incoming_events_total")) + (await victim.metric("zeek_cluster_zeromq_onloop_drops_total")), (n) => n >= events0 + N);
  await good.check(); // after
  const t0 = performance.now();
  const page = await (await fetch(victim.metricsUrl)).text();
  const scrapeMs = performance.now() - t0;
  const growth = rss.stop();
  const drops = await victim.metric("zeek_cluster_zeromq_onloop_drops_total");
  report(name, { events: N, onloop_drops: drops, rss_growth_mb: growth, metrics_kb: page.length / 1024, scrape_ms: scrapeMs });
  return { victim, page, growth };
}

test("node attack - 20,000 distinct topics and event names, Zeek's default core_metrics {INFO}: no per-topic series", async (t) => {
  const { victim, page, growth } = await attack(t, [], "node-series-info");
  assert.doesNotMatch(page, /zeek_cluster_core_verbose_/);
  assert.ok(page.length < 20_000, `/metrics is ${page.length} bytes`);
  assert.ok(growth < 30, `RSS grew ${growth.toFixed(1)} MB`);
  assert.ok((await victim.metric("zeek_cluster_core_incoming_events_total")) + (await victim.metric("zeek_cluster_zeromq_onloop_drops_total")) >= N);
});

test("node attack - the same with core_metrics VERBOSE: 10,000 series per family at most, the rest in __overflow__", async (t) => {
  const { victim, page, growth } = await attack(t, ["--core-metrics", "INFO,VERBOSE"], "node-series-verbose");
  const series = page.split("\n").filter((l) => l.startsWith("zeek_cluster_core_verbose_incoming_events_total{"));
  assert.ok(series.length <= 10_001, `${series.length} series`);
  assert.ok(page.length < 3_000_000, `/metrics is ${page.length} bytes`);
  const over = await victim.metric("zeek_cluster_core_verbose_incoming_events_total", { topic: "__overflow__" });
  const hits = await victim.metric("zeek_zmq_limit_hits_total", { reason: "max_metric_series" });
  const handled = (await victim.metric("zeek_cluster_core_incoming_events_total")) - 1; // minus the good ones is a lower bound
  assert.ok(series.length === 10_001 && over >= handled - 10_000 - 100 && hits >= over, `${series.length} series, overflow ${over}, limit hits ${hits}, events ${handled}`);
  assert.ok(growth < 60, `RSS grew ${growth.toFixed(1)} MB`);
  assert.equal(victim.proc.err.filter((l) => l.includes("max_metric_series")).length, 1, "warned once");
});
