import assert from "node:assert/strict";
import { request } from "node:http";
import { test } from "node:test";
import { MetricsRegistry } from "../../src/telemetry/registry.js";
import { PROMETHEUS_CONTENT_TYPE, startMetricsServer } from "../../src/telemetry/server.js";
import { ClusterTelemetry, normalizeTopic, ProxyMetrics, ZeroMqMetrics, zeekRegistry } from "../../src/telemetry/zeek-metrics.js";

/** Parses exposition text into "name{labels}" -> value, checking every sample has HELP and TYPE. */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Set<string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const t = /^# TYPE (\S+) (counter|gauge)$/.exec(line);
    if (t?.[1]) typed.add(t[1]);
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    assert.ok(m?.[1] && m[3], `bad sample line ${JSON.stringify(line)}`);
    assert.ok(typed.has(m[1]), `no TYPE before ${m[1]}`);
    samples.set(m[1] + (m[2] ?? ""), Number(m[3]));
  }
  return samples;
}

test("telemetry - Zeek's ZeroMQ metric names, node label, counters bumped through plain fields", () => {
  const reg = zeekRegistry("worker-1");
  const zmq = new ZeroMqMetrics(reg);
  const proxy = new ProxyMetrics(reg);
  zmq.xpubDrops.value++;
  zmq.msgErrors.inc(3);
  proxy.frontendMessagesReceived.value += 4;
  proxy.backendBytesSent.value += 99;
  const s = parseExposition(reg.render());
  assert.equal(s.get('zeek_cluster_zeromq_xpub_drops_total{node="worker-1"}'), 1);
  assert.equal(s.get('zeek_cluster_zeromq_onloop_drops_total{node="worker-1"}'), 0);
  assert.equal(s.get('zeek_cluster_zeromq_msg_errors_total{node="worker-1"}'), 3);
  for (const side of ["frontend", "backend"])
    for (const what of ["messages", "bytes"])
      for (const dir of ["received", "sent"]) assert.ok(s.has(`zeek_cluster_zeromq_proxy_${side}_${what}_${dir}_total{node="worker-1"}`));
  assert.equal(s.get('zeek_cluster_zeromq_proxy_frontend_messages_received_total{node="worker-1"}'), 4);
  assert.deepEqual(proxy.statistics(), [4, 0, 0, 0, 0, 0, 0, 99]);
  assert.match(reg.render(), /^# HELP zeek_cluster_zeromq_xpub_drops_total Number of published events dropped due to XPUB socket HWM\.\n# TYPE zeek_cluster_zeromq_xpub_drops_total counter\n/);
});

test("telemetry - per-topic event counters (VERBOSE) with Zeek's nodeid normalisation", () => {
  const reg = zeekRegistry();
  const t = new ClusterTelemetry(reg, { verbose: true });
  t.onOutgoingEvent("zeek.cluster.nodeid.zeromq_a_h_1_Nx.", "Cluster::hello");
  t.onOutgoingEvent("zeek.cluster.nodeid.zeromq_b_h_2_Ny.", "Cluster::hello");
  t.onOutgoingEvent("zeek.cluster.worker", "Discovery::ping");
  t.onIncomingEvent('we"ird\\topic\n', "E");
  const s = parseExposition(reg.render());
  assert.equal(s.get("zeek_cluster_core_outgoing_events_total"), 3);
  assert.equal(s.get("zeek_cluster_core_incoming_events_total"), 1);
  assert.equal(s.get('zeek_cluster_core_verbose_outgoing_events_total{topic="zeek.cluster.nodeid.__normalized__",handler="Cluster::hello"}'), 2);
  assert.equal(s.get('zeek_cluster_core_verbose_outgoing_events_total{topic="zeek.cluster.worker",handler="Discovery::ping"}'), 1);
  assert.equal(s.get('zeek_cluster_core_verbose_incoming_events_total{topic="we\\"ird\\\\topic\\n",handler="E"}'), 1);
  assert.equal(normalizeTopic("zeek/cluster/nodeid/abc/"), "zeek/cluster/nodeid/__normalized__");
  assert.equal(normalizeTopic("zeek.cluster.node.x."), "zeek.cluster.node.x.");

  // A normalisation to "" skips the series (Zeek's rule); info: false drops the totals.
  const reg2 = new MetricsRegistry();
  const skip = new ClusterTelemetry(reg2, { info: false, verbose: true, normalizations: [[/^private\./, ""]] });
  skip.onOutgoingEvent("private.x", "E");
  skip.onOutgoingEvent("public.x", "E");
  assert.deepEqual([...parseExposition(reg2.render()).keys()], ['zeek_cluster_core_verbose_outgoing_events_total{topic="public.x",handler="E"}']);
});

test("telemetry - registry rules: same counter on re-registration, type clashes and bad names refused", () => {
  const reg = new MetricsRegistry({ constLabels: { node: "m" } });
  assert.equal(reg.counter("a", "h", { x: "1" }), reg.counter("a", "h", { x: "1" }));
  assert.notEqual(reg.counter("a", "h", { x: "1" }), reg.counter("a", "h", { x: "2" }));
  assert.throws(() => reg.gauge("a_total", "h"), /already registered as a counter/);
  assert.throws(() => reg.counter("bad-name", "h"), /invalid metric name/);
  assert.throws(() => reg.counter("b", "h", { "bad-label": "x" }), /invalid label name/);
  const g = reg.gauge("queue_depth", "h");
  g.set(5);
  g.dec();
  let reads = 0;
  reg.callbackCounter("cb", "read at scrape time", () => ++reads);
  const s = parseExposition(reg.render());
  assert.equal(s.get('queue_depth{node="m"}'), 4);
  assert.equal(s.get('cb_total{node="m"}'), 1);
  assert.equal(s.get('a_total{node="m",x="2"}'), 0);
  const fam = reg.counterFamily("f", "h", ["k"]);
  assert.throws(() => fam.withLabels(["1", "2"]), /expected 1 label values/);
});

function get(url: string, method = "GET"): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("telemetry - /metrics over real HTTP on a free port, then close", async () => {
  const reg = zeekRegistry("manager");
  const zmq = new ZeroMqMetrics(reg);
  const server = await startMetricsServer({ registry: reg, port: 0 });
  try {
    assert.ok(server.port > 0);
    assert.equal(server.url, `http://127.0.0.1:${server.port}/metrics`);
    zmq.onloopDrops.value += 2;
    const res = await get(server.url);
    assert.equal(res.status, 200);
    assert.equal(res.type, PROMETHEUS_CONTENT_TYPE);
    assert.equal(parseExposition(res.body).get('zeek_cluster_zeromq_onloop_drops_total{node="manager"}'), 2);
    assert.equal((await get(`http://127.0.0.1:${server.port}/other`)).status, 404);
    assert.equal((await get(server.url, "POST")).status, 405);
    const head = await get(server.url, "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    await assert.rejects(startMetricsServer({ registry: reg, port: server.port }), /metrics_port: cannot serve metrics on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  } finally {
    await server.close();
  }
  await assert.rejects(get(server.url), /ECONNREFUSED/);
});

test("telemetry - IPv6 loopback endpoint", async (t) => {
  let server;
  try {
    server = await startMetricsServer({ registry: new MetricsRegistry(), port: 0, host: "::1" });
  } catch (err) {
    t.skip(`no ::1 on this machine: ${(err as Error).message}`);
    return;
  }
  try {
    assert.equal(server.url, `http://[::1]:${server.port}/metrics`);
    assert.equal((await get(server.url)).status, 200);
  } finally {
    await server.close();
  }
});
