// Issue 11, "20,000 events with distinct topics / event names to a node": per-topic metric series
// without limit (+116 MB, /metrics 10 MB and 0.56 s per scrape). Now, as in Zeek, no per-topic
// series unless core_metrics has VERBOSE; with VERBOSE at most max_metric_series per family.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ZmtpAttacker } from "./harness.js";
import { until } from "../harness/until.js";
import { ATTACK_PREFIX, eventFrames, eventPayload, flood, hostilePublisher, report, RssSampler, victimBehindBroker, type GoodPublisher, type Victim } from "./node-helpers.js";

const N = 20_000;

async function attack(t: Parameters<typeof victimBehindBroker>[0], extra: string[], name: string) {
  const { broker, victim, good } = await victimBehindBroker(t, extra);
  const rss = new RssSampler(victim);
  const attacker = await hostilePublisher(t, broker);
  const r1 = await round(victim, good, attacker, 0);
  const growth1 = rss.maxMb - rss.baseMb;
  // A second round of as many new topic/event pairs: a bound holds, the memory does not grow with the attack.
  const r2 = await round(victim, good, attacker, N);
  const growth = rss.stop();
  const drops = await victim.metric("zeek_cluster_zeromq_onloop_drops_total");
  report(name, { events: 2 * N, onloop_drops: drops, rss_growth_mb_first: growth1, rss_growth_mb: growth, metrics_kb: r2.page.length / 1024, scrape_ms: r2.scrapeMs });
  return { victim, page: r2.page, growth1, growth, first: r1 };
}

async function round(victim: Victim, good: GoodPublisher, attacker: ZmtpAttacker, from: number) {
  const events0 = (await victim.metric("zeek_cluster_core_incoming_events_total")) + (await victim.metric("zeek_cluster_zeromq_onloop_drops_total"));
  const flooding = flood(attacker, N, (i) => eventFrames(`${ATTACK_PREFIX}${from + i}.${"t".repeat(40)}`, "attacker", eventPayload(`Attack::event_${from + i}_${"e".repeat(40)}`)));
  await good.check(5); // during
  await flooding;
  // Every hostile event was handled or, the node being overloaded, dropped at onloop_queue_hwm (counted).
  await until("all hostile events accounted for", async () => (await victim.metric("zeek_cluster_core_incoming_events_total")) + (await victim.metric("zeek_cluster_zeromq_onloop_drops_total")), (n) => n >= events0 + N);
  await good.check(); // after
  const t0 = performance.now();
  const page = await (await fetch(victim.metricsUrl)).text();
  return { page, scrapeMs: performance.now() - t0 };
}

test("node attack - 20,000 distinct topics and event names, Zeek's default core_metrics {INFO}: no per-topic series", async (t) => {
  const { victim, page, growth } = await attack(t, [], "node-series-info");
  assert.doesNotMatch(page, /zeek_cluster_core_verbose_/);
  assert.ok(page.length < 20_000, `/metrics is ${page.length} bytes`);
  assert.ok(growth < 30, `RSS grew ${growth.toFixed(1)} MB`);
  assert.ok((await victim.metric("zeek_cluster_core_incoming_events_total")) + (await victim.metric("zeek_cluster_zeromq_onloop_drops_total")) >= 2 * N);
});

test("node attack - the same with core_metrics VERBOSE: 10,000 series per family at most, the rest in __overflow__", async (t) => {
  const { victim, page, growth1, growth } = await attack(t, ["--core-metrics", "INFO,VERBOSE"], "node-series-verbose");
  const series = page.split("\n").filter((l) => l.startsWith("zeek_cluster_core_verbose_incoming_events_total{"));
  assert.ok(series.length <= 10_001, `${series.length} series`);
  assert.ok(page.length < 3_000_000, `/metrics is ${page.length} bytes`);
  const over = await victim.metric("zeek_cluster_core_verbose_incoming_events_total", { topic: "__overflow__" });
  const hits = await victim.metric("zeek_zmq_limit_hits_total", { reason: "max_metric_series" });
  const events = await victim.metric("zeek_cluster_core_incoming_events_total");
  // Every event beyond the 10,000 series (and the good publisher's one) counts in __overflow__.
  assert.ok(series.length === 10_001 && over >= events - 10_000 - 200 && hits >= over, `${series.length} series, overflow ${over}, limit hits ${hits}, events ${events}`);
  // 10,000 series hold ~3 MB of heap; V8's heap reservation for the garbage of creating them, and
  // the onloop queue when the node falls behind (bounded by onloop_queue_hwm), show in RSS.
  // Unbounded, 40,000 series took ~230 MB (issue 11: +116 MB per 20,000).
  assert.ok(growth < 100, `RSS grew ${growth.toFixed(1)} MB`);
  assert.ok(growth - growth1 < 40, `the second 20,000 pairs grew RSS by ${(growth - growth1).toFixed(1)} MB more`);
  assert.equal(victim.proc.err.filter((l) => l.includes("max_metric_series")).length, 1, "warned once");
});
