// The web console without a browser: its parsers and log directory reader, and a console
// serving a real in-process cluster (broker, three nodes with /metrics): what /api/state says as
// nodes come and go, the event tail (sampled, filtered, never seen by the nodes' discovery), the
// guard that stops a tail that falls behind, and the HTTP rules (loopback, token, Host, limits).
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Broker } from "../../src/cluster/broker.js";
import { layoutFromObject } from "../../src/cluster/layout.js";
import { ClusterNode } from "../../src/cluster/node.js";
import { DEFAULT_NODE_OPTIONS, type NodeOptions } from "../../src/cluster/options.js";
import { defineEvent } from "../../src/codec/broker/typed.js";
import { z } from "../../src/codec/broker/types.js";
import { startConsole, type RunningConsole } from "../../src/console/index.js";
import { LogDirWatcher } from "../../src/console/logdir.js";
import { extractNodeMetrics } from "../../src/console/metrics.js";
import { nameFromNodeId } from "../../src/console/observer.js";
import { parsePrometheus } from "../../src/console/prometheus.js";
import { ConfigError } from "../../src/errors.js";
import { startMetricsServer, type MetricsServer } from "../../src/telemetry/server.js";
import { SseStream } from "./sse.js";
import { until } from "../harness/until.js";

type Row = Record<string, any>;

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("console - Prometheus text: labels with escapes, only wanted families, bad lines counted, bounded", () => {
  const text = [
    "# HELP x y",
    'zeek_a_total{node="w-1",path="a\\"b\\\\c\\nd"} 12',
    "zeek_a_total 3.5e2",
    "other_metric 1",
    "zeek_a_total{broken 1",
    "zeek_a_total NotANumber",
    "zeek_a_total +Inf",
    `zeek_a_total{p="${"x".repeat(500)}"} 1`,
  ].join("\n");
  const r = parsePrometheus(text, (n) => n === "zeek_a_total");
  assert.deepEqual(r.samples.slice(0, 2), [
    { name: "zeek_a_total", labels: { node: "w-1", path: 'a"b\\c\nd' }, value: 12 },
    { name: "zeek_a_total", labels: {}, value: 350 },
  ]);
  assert.equal(r.samples[2]!.value, Infinity);
  assert.equal(r.samples[3]!.labels["p"]!.length, 200, "label values are cut");
  assert.equal(r.badLines, 2);
  const many = Array.from({ length: 20 }, (_, i) => `zeek_a_total{i="${i}"} ${i}`).join("\n");
  const b = parsePrometheus(many, () => true, { maxSamples: 5 });
  assert.equal(b.samples.length, 5);
  assert.equal(b.dropped, 15);
});

test("console - node metrics: Zeek's names, process metrics, peers, proxy and log counters; series of other nodes left out", () => {
  const text = [
    'zeek_cluster_core_incoming_events_total{node="w"} 10',
    'zeek_cluster_core_incoming_events_total{node="other"} 99',
    'zeek_cluster_zeromq_onloop_drops_total{node="w"} 4',
    'zeek_zmq_onloop_queue_length{node="w"} 7',
    'zeek_zmq_node_up{node="w",peer="manager"} 1',
    'zeek_zmq_node_up{node="w",peer="worker-2"} 0',
    "process_cpu_user_seconds_total 1.5",
    "process_cpu_system_seconds_total 0.5",
    "process_resident_memory_bytes 1048576",
    'zeek_cluster_zeromq_proxy_backend_messages_sent_total{node="w"} 40',
    'zeek_logger_written_records_total{node="w",path="conn"} 8',
    'zeek_logger_dropped_records_total{node="w",path="conn",reason="disk"} 1',
  ].join("\n");
  const { metrics, labelledNode } = extractNodeMetrics(text, "w");
  assert.equal(labelledNode, "w");
  assert.equal(metrics.eventsIn, 10);
  assert.equal(metrics.onloopDrops, 4);
  assert.equal(metrics.queue, 7);
  assert.equal(metrics.cpuSeconds, 2);
  assert.equal(metrics.rssBytes, 1048576);
  assert.deepEqual([...metrics.peersUp!], [["manager", true], ["worker-2", false]]);
  assert.equal(metrics.proxy![6], 40);
  assert.deepEqual(metrics.logPaths!.get("conn"), { written: 8, received: 0, dropped: 1 });
});

test("console - node names inside Zeek node ids", () => {
  assert.equal(nameFromNodeId("zeromq_worker-1_host_4242_NeoO0O3g2oEWsSpZXf"), "worker-1");
  assert.equal(nameFromNodeId("zeromq_my_node_host_4242_NeoO0O3g2oEWsSpZXf"), "my_node");
  assert.equal(nameFromNodeId("zeromq_w_1_host_1_Nab", ["w", "w_1"]), "w_1", "the longest layout name wins");
  assert.equal(nameFromNodeId("zeromq_manager_h_1_Nab-websocket-3"), undefined, "WebSocket client ids are not nodes");
  assert.equal(nameFromNodeId("zeromq_a<b>\n_host_1_Nab"), undefined, "not a name a layout allows");
});

test("console - log directory: files and growth, cluster.log lines (TSV), rotation", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-console-logs-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const head = "#separator \\x09\n#path\tcluster\n#fields\tts\tnode\tmessage\n#types\ttime\tstring\tstring\n";
  const first = `${head}1700000000.000000\tmanager\tgot hello from worker-1 (id1)\n`;
  writeFileSync(join(dir, "cluster.log"), first);
  writeFileSync(join(dir, "conn.log"), "x".repeat(100));
  const w = new LogDirWatcher(dir);
  const s1 = await w.scan(1000);
  assert.deepEqual(s1.clusterLog, [{ ts: 1700000000, node: "manager", message: "got hello from worker-1 (id1)" }]);
  assert.deepEqual(s1.files.map((f) => [f.name, f.bytes]), [["cluster.log", first.length], ["conn.log", 100]]);
  appendFileSync(join(dir, "cluster.log"), "1700000001.000000\tworker-1\tgot hello from manager (id0)\n1700000002.0\tworker-1\tpart");
  appendFileSync(join(dir, "conn.log"), "y".repeat(50));
  const s2 = await w.scan(2000);
  assert.deepEqual(s2.clusterLog.map((l) => l.message), ["got hello from manager (id0)"], "a partial line waits for its end");
  assert.equal(s2.files.find((f) => f.name === "conn.log")!.rate, 50);
  renameSync(join(dir, "cluster.log"), join(dir, "cluster.2026-11-22-04-00-00.log"));
  writeFileSync(join(dir, "cluster.log"), `${head}1700000003.000000\tmanager\tafter rotation\n`);
  const s3 = await w.scan(3000);
  assert.deepEqual(s3.newlyRotated, ["cluster.2026-11-22-04-00-00.log"]);
  assert.equal(s3.rotatedCount, 1);
  assert.deepEqual(s3.clusterLog.map((l) => l.message), ["after rotation"]);
});

describe("console - serving a live in-process cluster", () => {
  const layout = layoutFromObject({ nodes: { manager: { type: "manager" }, "worker-1": { type: "worker" }, "worker-2": { type: "worker" } } }, "console-test");
  const stats = defineEvent("Test::stats", [z.string, z.count], ["node", "n"]);
  const ping = defineEvent("Test::ping", [z.count]);
  let broker: Broker;
  let options: NodeOptions;
  const nodes = new Map<string, ClusterNode>();
  const servers = new Map<string, MetricsServer>();
  const warnings: string[] = [];
  let con: RunningConsole;
  // Nodes without a logger write their own cluster.log: not into the repository.
  const logDir = mkdtempSync(join(tmpdir(), "zeek-zmq-console-nodes-"));
  const state = async (): Promise<{ rows: Row[]; broker: Row | null }> => JSON.parse((await get(`${con.url}api/state`)).body);
  const row = async (name: string): Promise<Row> => (await state()).rows.find((r) => r["name"] === name)!;

  const startNode = async (name: string) => {
    const n = new ClusterNode({ name, layout, options: { ...options, helloExpiration: 1 }, logging: { dir: logDir } });
    n.on("reporter_warning", (m) => warnings.push(`${name}: ${m}`));
    n.on("reporter_error", (m) => warnings.push(`${name}: error: ${m}`));
    await n.start();
    nodes.set(name, n);
    servers.set(name, await startMetricsServer({ registry: n.registry, port: 0 }));
    return n;
  };

  before(async () => {
    broker = new Broker({ listenXsubEndpoint: "tcp://127.0.0.1:0", listenXpubEndpoint: "tcp://127.0.0.1:0" });
    const ep = await broker.start();
    options = { ...DEFAULT_NODE_OPTIONS, connectXpubEndpoint: ep.xsub, connectXsubEndpoint: ep.xpub, runProxyThread: false };
    for (const n of ["manager", "worker-1", "worker-2"]) await startNode(n);
    const brokerMetrics = await startMetricsServer({ registry: broker.registry, port: 0 });
    servers.set("broker", brokerMetrics);
    con = await startConsole({
      layout,
      options,
      metricsUrls: Object.fromEntries(["manager", "worker-1", "worker-2"].map((n) => [n, servers.get(n)!.url])),
      brokerMetricsUrl: brokerMetrics.url,
      web: { listen: "127.0.0.1:0", limits: { maxClients: 2 } },
      tail: { receiveHighWaterMark: 10_000 },
    });
  });

  after(async () => {
    await con?.close();
    for (const n of nodes.values()) await n.close();
    for (const s of servers.values()) await s.close();
    await broker?.close();
    rmSync(logDir, { recursive: true, force: true });
  });

  test("every node up, each seeing the other two; the broker's counters", async () => {
    const s = await until("3 nodes up, 2/2 seen", state, (s) => s.rows.length === 3 && s.rows.every((r) => r["state"] === "up" && r["sees"] === "2/2" && r["metrics"] === "ok"));
    for (const r of s.rows) {
      assert.equal(r["id"], nodes.get(r["name"])!.nodeId, "the id the console saw is the node's");
      assert.equal(r["type"], r["name"] === "manager" ? "manager" : "worker");
      assert.equal(r["missing"].length, 0);
    }
    assert.equal(s.rows[1]!["view"], "1-1", "worker-1 sees manager and worker-2");
    await until("broker counters", state, (s) => Array.isArray(s.broker?.["totals"]) && (s.broker!["totals"] as number[])[0]! > 0);
  });

  test("event rates and the event tail: sampled, filtered by prefix, with sender names resolved on the page side", async () => {
    const tail = new SseStream(`${con.url}api/tail?prefix=${encodeURIComponent("test.stats")}`);
    assert.equal(await tail.status, 200);
    await tail.next("subscribed");
    const w1 = nodes.get("worker-1")!;
    let i = 0;
    const timer = setInterval(() => {
      for (let k = 0; k < 200; k++) w1.publish("test.stats.a", stats, ["worker-1", BigInt(i++)]);
      w1.publish("test.other", ping, [1n]);
    }, 20);
    try {
      const u = await tail.next("tail", (d) => d.samples.length > 0 && d.rate > 1000);
      const s = u.samples[0];
      assert.equal(s.topic, "test.stats.a");
      assert.equal(s.sender, w1.nodeId);
      assert.equal(s.name, "Test::stats");
      assert.match(s.args, /^\("worker-1", \d+\)$/);
      assert.ok(u.samples.length <= 4, "a few samples per window, not every event");
      assert.ok(!tail.events.some((e) => e.event === "tail" && (e.data as any).samples.some((x: any) => x.topic !== "test.stats.a")), "only the prefix");
      await until("worker-1 out/s", () => row("worker-1"), (r) => r["out"] > 1000);
    } finally {
      clearInterval(timer);
      tail.close();
    }
    await until("tail closed", async () => con.console.tail!.size, (n) => n === 0);
  });

  test("a tail on a node-id prefix subscribes without the dot, and the nodes' discovery never notices the console", async () => {
    const tail = new SseStream(`${con.url}api/tail?prefix=${encodeURIComponent("zeek.cluster.nodeid.foo")}`);
    const sub = await tail.next("subscribed");
    assert.equal(sub.subscription, "zeek.cluster.nodeid");
    // hello_expiration is 1 s on these nodes: a subscription taken for a node id would be warned
    // about once it expires. What is under test is that this timer passes without a warning, so the
    // test waits the timer out (no event marks "nothing happened").
    await new Promise((r) => setTimeout(r, 1600));
    tail.close();
    assert.deepEqual(warnings, []);
  });

  test("a node that leaves is down for the console and for its peers' views; it comes back with a new id", async () => {
    const oldId = nodes.get("worker-2")!.nodeId;
    await nodes.get("worker-2")!.close();
    await servers.get("worker-2")!.close();
    const s = await until("worker-2 down", state, (s) => s.rows[2]!["state"] === "down" && s.rows[0]!["view"] === "-10");
    assert.equal(s.rows[0]!["sees"], "1/2");
    await startNode("worker-2");
    // The console scrapes the URL it was given; the new process has a new port.
    const rec = con.console.model.node("worker-2")!;
    rec.metricsUrl = servers.get("worker-2")!.url;
    const back = await until("worker-2 up again", () => row("worker-2"), (r) => r["state"] === "up" && r["sees"] === "2/2");
    assert.notEqual(back["id"], oldId);
  });

  test("the live stream: a snapshot, then ticks with only the rows that changed; streams are bounded", async () => {
    const a = new SseStream(`${con.url}api/events`);
    const snap = await a.next("snapshot");
    assert.deepEqual(snap.names, ["manager", "worker-1", "worker-2"]);
    assert.equal(snap.history.length, 7);
    assert.ok(snap.rows.every((r: Row, i: number) => r["i"] === i && r["state"] === "up"), "every row, with its index");
    const tick = await a.next("tick");
    assert.ok(tick.rows.length <= 3 && tick.point.length === 7);
    const b = new SseStream(`${con.url}api/events`);
    assert.equal(await b.status, 200);
    const c = new SseStream(`${con.url}api/events`);
    assert.equal(await c.status, 503, "maxClients is 2");
    for (const s of [a, b, c]) s.close();
  });

  test("the page and its assets are served from the package with a strict CSP; unknown paths 404; foreign Host names are refused", async () => {
    const page = await get(con.url);
    assert.equal(page.status, 200);
    assert.match(page.body, /<script type="module" src="app.js">/);
    assert.match(String(page.headers["content-security-policy"]), /script-src 'self'/);
    for (const asset of ["app.js", "console.css", "vendor/uPlot.iife.min.js", "vendor/uPlot.min.css"]) assert.equal((await get(con.url + asset)).status, 200, asset);
    assert.equal((await get(`${con.url}../../etc/passwd`)).status, 404);
    assert.equal((await get(`${con.url}api/state`, { host: "attacker.example:8080" })).status, 403, "DNS rebinding");
  });
});

test("console - a tail that falls behind the broker is stopped, with the reason", async (t) => {
  const broker = new Broker({ listenXsubEndpoint: "tcp://127.0.0.1:0", listenXpubEndpoint: "tcp://127.0.0.1:0" });
  const ep = await broker.start();
  const options = { ...DEFAULT_NODE_OPTIONS, connectXpubEndpoint: ep.xsub, connectXsubEndpoint: ep.xpub, runProxyThread: false };
  const pub = new ClusterNode({ name: "pub", options: { ...options, xpubSndhwm: 0 }, discovery: false, logging: { dir: tmpdir() } });
  await pub.start();
  // A tiny receive HWM stands for a subscriber that cannot keep up.
  const con = await startConsole({ options, web: { listen: "127.0.0.1:0" }, tail: { receiveHighWaterMark: 4, maxFullWindows: 2 } });
  t.after(async () => {
    await con.close();
    await pub.close();
    await broker.close();
  });
  const tail = new SseStream(`${con.url}api/tail?prefix=load`);
  await tail.next("subscribed");
  const ev = defineEvent("Load::x", [z.count]);
  const timer = setInterval(() => {
    for (let i = 0; i < 2000; i++) pub.publish("load.x", ev, [1n]);
  }, 5);
  try {
    const stopped = await tail.next("stopped");
    assert.match(stopped.reason, /fell behind .* listen_xpub_nodrop/);
    assert.equal(con.console.tail!.size, 0);
  } finally {
    clearInterval(timer);
    tail.close();
  }
});

test("console - binding: loopback by default; another address needs a token of 16+ characters; the token is checked", async (t) => {
  const options = { ...DEFAULT_NODE_OPTIONS, connectXpubEndpoint: "tcp://127.0.0.1:1", connectXsubEndpoint: "tcp://127.0.0.1:1" };
  await assert.rejects(startConsole({ options, web: { listen: "0.0.0.0:0" } }), (e) => e instanceof ConfigError && /not a loopback address.*ZEEK_ZMQ_WEB_TOKEN/.test(e.message));
  await assert.rejects(startConsole({ options, web: { listen: "127.0.0.1:0", token: "short" } }), /at least 16 characters/);
  await assert.rejects(startConsole({ options, web: { listen: "127.0.0.1" } }), /expected ADDR:PORT/);
  const token = "a-token-of-enough-length";
  const con = await startConsole({ options, web: { listen: "0.0.0.0:0", token } });
  t.after(() => con.close());
  const url = con.url.replace("0.0.0.0", "127.0.0.1");
  const none = await get(`${url}api/state`);
  assert.equal(none.status, 401);
  assert.match(String(none.headers["www-authenticate"]), /^Basic realm="zeek-zmq console"/);
  assert.equal((await get(`${url}api/state`, { authorization: `Basic ${Buffer.from("any:wrong-token-value!!").toString("base64")}` })).status, 401);
  assert.equal((await get(`${url}api/state`, { authorization: `Basic ${Buffer.from(`any:${token}`).toString("base64")}` })).status, 200);
  assert.equal((await get(`${url}api/state`, { authorization: `Bearer ${token}`, host: "console.example.org" })).status, 200, "with a token, any Host name");
});
