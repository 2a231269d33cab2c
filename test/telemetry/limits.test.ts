// Metric series a peer can create are bounded: Zeek's default core_metrics {INFO} has none; with
// VERBOSE, and in every registry family, a cap hands out one __overflow__ series and counts the
// refusal in zeek_zmq_limit_hits_total{reason="max_metric_series"}.
import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveOptions } from "../../src/cluster/options.js";
import { MetricsRegistry } from "../../src/telemetry/registry.js";
import { ClusterTelemetry, zeekRegistry } from "../../src/telemetry/zeek-metrics.js";

const lines = (reg: MetricsRegistry, name: string): string[] => reg.render().split("\n").filter((l) => l.startsWith(name));

test("limits - core_metrics defaults to Zeek's {INFO}: 20,000 distinct topics and events leave no series behind", () => {
  const reg = zeekRegistry("worker-1");
  const t = new ClusterTelemetry(reg);
  assert.equal(t.verbose, false);
  for (let i = 0; i < 20_000; i++) t.onIncomingEvent(`zeek.attack.${i}`, `Attack::e${i}`);
  const text = reg.render();
  assert.match(text, /^zeek_cluster_core_incoming_events_total\{node="worker-1"\} 20000$/m);
  assert.doesNotMatch(text, /verbose/);
  assert.ok(text.length < 1000, `${text.length} bytes`);
});

test("limits - VERBOSE: series capped, the rest in __overflow__, refusals counted, the listener told once", () => {
  const reg = zeekRegistry("w");
  const told: string[] = [];
  reg.onSeriesLimit((f) => told.push(f));
  const t = new ClusterTelemetry(reg, { verbose: true, maxSeries: 100 });
  for (let i = 0; i < 5000; i++) t.onIncomingEvent(`zeek.attack.${i}`, "Attack::e");
  t.onIncomingEvent("zeek.attack.7", "Attack::e"); // an existing series still counts as itself
  t.onIncomingEvent("x".repeat(2000), "Attack::e"); // too long a label value
  const series = lines(reg, "zeek_cluster_core_verbose_incoming_events_total");
  assert.equal(series.length, 101);
  assert.ok(series.includes('zeek_cluster_core_verbose_incoming_events_total{node="w",topic="__overflow__",handler="__overflow__"} 4901'), series.at(-1));
  assert.ok(series.includes('zeek_cluster_core_verbose_incoming_events_total{node="w",topic="zeek.attack.7",handler="Attack::e"} 2'));
  assert.deepEqual(lines(reg, "zeek_zmq_limit_hits_total"), ['zeek_zmq_limit_hits_total{node="w",reason="max_metric_series"} 4901']);
  assert.deepEqual(told, ["zeek_cluster_core_verbose_incoming_events_total"]);
  // The outgoing family has its own cap and is untouched.
  t.onOutgoingEvent("zeek.cluster.worker", "Demo::ping");
  assert.equal(lines(reg, "zeek_cluster_core_verbose_outgoing_events_total").length, 1);
});

test("limits - the registry refuses unbounded families everywhere: counters, families, gauges", () => {
  const reg = new MetricsRegistry({ maxSeriesPerFamily: 3, maxLabelValueLength: 10 });
  const a = [0, 1, 2, 3, 4].map((i) => reg.counter("per_path", "h", { path: `p${i}` }));
  assert.equal(a[3], a[4], "both refused label sets share the overflow series");
  assert.ok(reg.isOverflow(a[3]!) && !reg.isOverflow(a[0]!));
  const fam = reg.counterFamily("fam", "h", ["k"]);
  for (let i = 0; i < 10; i++) fam.withLabels([`v${i}`]).value++;
  assert.equal(fam.withLabels(["too long a value"]), fam.withLabels(["v9"]));
  const g = reg.gauge("g", "h", { x: "y".repeat(11) });
  assert.ok(reg.isOverflow(g));
  const text = reg.render();
  assert.match(text, /^fam_total\{k="__overflow__"\} 7$/m);
  assert.equal(text.split("\n").filter((l) => l.startsWith("fam_total{")).length, 4);
  assert.match(text, /^g\{x="__overflow__"\} 0$/m);
  // 2 per_path + 7 + 2 fam + 1 gauge refusals.
  assert.match(text, /^zeek_zmq_limit_hits_total\{reason="max_metric_series"\} 12$/m);
  // Unlabelled series are a fixed set: never refused.
  for (let i = 0; i < 10; i++) reg.counter(`plain_${i}`, "h");
  assert.equal(text.includes("plain_"), false);
  assert.match(reg.render(), /^plain_9_total 0$/m);
});

test("limits - options: core_metrics takes Zeek's set syntax; limits are validated", () => {
  assert.deepEqual(resolveOptions().coreMetrics, ["INFO"]);
  assert.deepEqual(resolveOptions({ cli: { "core-metrics": "{VERBOSE, Cluster::Telemetry::INFO}" } }).coreMetrics, ["INFO", "VERBOSE"]);
  assert.deepEqual(resolveOptions({ env: { ZEEK_ZMQ_CORE_METRICS: "verbose" } }).coreMetrics, ["VERBOSE"]);
  assert.deepEqual(resolveOptions({ file: { core_metrics: ["INFO", "VERBOSE"] } }).coreMetrics, ["INFO", "VERBOSE"]);
  assert.deepEqual(resolveOptions({ cli: { "core-metrics": "{}" } }).coreMetrics, []);
  assert.throws(() => resolveOptions({ cli: { "core-metrics": "INFO,DEBUG" } }), /--core-metrics: "INFO,DEBUG" is not allowed; .*DEBUG .* not supported/);
  assert.throws(() => resolveOptions({ cli: { "core-metrics": "LOUD" } }), /--core-metrics: "LOUD" is not allowed; expected a set of INFO, VERBOSE/);
  const o = resolveOptions({ cli: { "max-metric-series": "50", "max-pending-hellos": "7", "max-seen-topics": "9", "max-node-id-length": "64", "onloop-queue-max-bytes": "0" } });
  assert.deepEqual([o.maxMetricSeries, o.maxPendingHellos, o.maxSeenTopics, o.maxNodeIdLength, o.onloopQueueMaxBytes], [50, 7, 9, 64, 0]);
  const d = resolveOptions();
  assert.deepEqual([d.maxMetricSeries, d.maxPendingHellos, d.maxSeenTopics, d.maxNodeIdLength, d.onloopQueueMaxBytes], [10_000, 10_000, 100_000, 1024, 256 * 2 ** 20]);
  assert.throws(() => resolveOptions({ cli: { "max-metric-series": "0" } }), /--max-metric-series: "0" is not allowed; expected an integer in 1\.\./);
});
