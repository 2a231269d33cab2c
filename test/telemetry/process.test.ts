// What operators expect on every /metrics (scraped from real zeek-zmq processes): the standard
// process and Node.js metrics and zeek_zmq_version_info; and on the manager, Zeek 8's Prometheus
// HTTP service discovery document /services.json listing every node's metrics endpoint.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { layoutFromObject, type LayoutDocument } from "../../src/cluster/layout.js";
import { metricsTargets } from "../../src/cluster/services.js";
import { servicesJson } from "../../src/telemetry/server.js";
import { startBroker, zeekZmq } from "../cli/procs.js";
import { ROOT } from "../paths.js";

const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

function tmpDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-process-metrics-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** name{labels} -> value of every sample whose name starts with process_, nodejs_ or zeek_zmq_version. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^((?:process_|nodejs_|zeek_zmq_version)\S*) (\S+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** Asserts the process metrics of the process `pid` with node label `node`, against /proc. */
function checkProcessMetrics(text: string, node: string, pid: number): void {
  const s = samples(text);
  const get = (name: string): number => {
    const v = s.get(`${name}{node="${node}"}`);
    assert.ok(v !== undefined, `${name} missing in:\n${[...s.keys()].join("\n")}`);
    return v;
  };
  assert.match(text, /^# TYPE process_cpu_seconds_total counter$/m);
  assert.match(text, /^# TYPE process_resident_memory_bytes gauge$/m);
  assert.ok(get("process_cpu_seconds_total") > 0);
  assert.ok(Math.abs(get("process_cpu_seconds_total") - get("process_cpu_user_seconds_total") - get("process_cpu_system_seconds_total")) < 1e-6);
  const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
  const rss = get("process_resident_memory_bytes");
  assert.ok(rss > 20e6 && Math.abs(rss - rssKb * 1024) < 30e6, `rss ${rss} vs /proc ${rssKb} kB`);
  assert.ok(get("process_virtual_memory_bytes") >= rss);
  const limit = /^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/limits`, "utf8"))?.[1];
  if (limit !== undefined) assert.equal(get("process_max_fds"), Number(limit));
  const fds = get("process_open_fds");
  assert.ok(fds >= 3 && fds < 200, `open fds ${fds}`);
  const start = get("process_start_time_seconds");
  assert.ok(start > Date.now() / 1000 - 120 && start <= Date.now() / 1000, `start ${start}`);
  for (const n of ["nodejs_eventloop_lag_seconds", "nodejs_eventloop_lag_p99_seconds", "nodejs_eventloop_lag_max_seconds"]) {
    const v = get(n);
    assert.ok(v >= 0 && v < 5, `${n} ${v}`);
  }
  assert.ok(get("nodejs_heap_size_used_bytes") > 1e6);
  assert.ok(get("nodejs_heap_size_total_bytes") >= get("nodejs_heap_size_used_bytes"));
  assert.equal(s.get(`zeek_zmq_version_info{node="${node}",version="${VERSION}"}`), 1);
}

test("process metrics - broker, logger and node processes serve process_*, nodejs_* and zeek_zmq_version_info", async (t) => {
  const broker = await startBroker(t, ["--metrics-port", "0"]);
  const brokerUrl = (await broker.proc.line(/^metrics on (\S+)$/))[1]!;
  checkProcessMetrics(await (await fetch(brokerUrl)).text(), "broker", broker.proc.child.pid!);

  const logger = zeekZmq(t, ["logger", "--listen", "tcp://127.0.0.1:0", "--dir", tmpDir(t), "--metrics-port", "0"], { label: "logger" });
  const loggerUrl = (await logger.line(/^metrics on (\S+)$/))[1]!;
  await logger.line(/^listening on /);
  const loggerText = await (await fetch(loggerUrl)).text();
  const loggerNode = /zeek_zmq_version_info\{node="([^"]*)"/.exec(loggerText)?.[1];
  assert.ok(loggerNode !== undefined, loggerText);
  checkProcessMetrics(loggerText, loggerNode, logger.child.pid!);

  const node = zeekZmq(t, ["node", "--name", "worker-9", ...broker.connect, "--metrics-port", "0"], { label: "node" });
  const nodeUrl = (await node.line(/^metrics on (\S+)$/))[1]!;
  checkProcessMetrics(await (await fetch(nodeUrl)).text(), "worker-9", node.child.pid!);
  // No service discovery outside a manager, as in Zeek.
  assert.equal((await fetch(nodeUrl.replace(/\/metrics$/, "/services.json"))).status, 404);

  for (const p of [node, logger, broker.proc]) assert.equal((await p.stop()).code, 0);
});

test("process metrics - the event-loop lag shows a blocked loop", async (t) => {
  const broker = await startBroker(t);
  const dir = tmpDir(t);
  // A node script that blocks its event loop for 300 ms on SIGUSR2.
  const script = join(dir, "block.mjs");
  writeFileSync(script, `export default () => { process.on("SIGUSR2", () => { const t = Date.now(); while (Date.now() - t < 300); console.log("blocked"); }); };\n`);
  const node = zeekZmq(t, ["node", "--name", "w", ...broker.connect, "--metrics-port", "0", "--script", script], { label: "node" });
  const url = (await node.line(/^metrics on (\S+)$/))[1]!;
  await node.line(/^ready w /);
  await fetch(url); // starts a fresh lag window
  node.child.kill("SIGUSR2");
  await node.line(/^blocked$/);
  // The histogram records the blocked interval when the loop's sampling timer next fires; on a
  // loaded machine that can come after the scrape's request is read, so the spike shows in this
  // window or the next one.
  const lagMax = async () => samples(await (await fetch(url)).text()).get('nodejs_eventloop_lag_max_seconds{node="w"}')!;
  let max = await lagMax();
  if (max < 0.2) max = await lagMax();
  assert.ok(max >= 0.2 && max < 2, `lag max ${max}`);
  // The next window starts after the block: the spike is not reported again.
  const again = samples(await (await fetch(url)).text()).get('nodejs_eventloop_lag_max_seconds{node="w"}')!;
  assert.ok(again < 0.2, `next window ${again}`);
  assert.equal((await node.stop()).code, 0);
});

test("services.json - the manager serves Zeek's Prometheus HTTP service discovery document", async (t) => {
  const dir = tmpDir(t);
  const layoutDoc: LayoutDocument = {
    nodes: {
      manager: { type: "manager", metricsPort: 9991 },
      logger: { type: "logger", port: 27761, metricsPort: 9992 },
      "proxy-1": { type: "proxy" },
      "worker-1": { type: "worker", metricsPort: 9993 },
      "worker-2": { type: "worker", host: "::1", metricsPort: 9994 },
    },
  };
  const file = join(dir, "layout.json");
  writeFileSync(file, JSON.stringify(layoutDoc));
  const expected = '[{"targets":["127.0.0.1:9991","127.0.0.1:9992","127.0.0.1:9993","[::1]:9994"],"labels":{}}]';
  assert.equal(servicesJson(metricsTargets(layoutFromObject(layoutDoc, "test"))), expected);

  // The manager runs the broker on free ports and its own metrics on a free port (the flag wins over the layout).
  const manager = zeekZmq(
    t,
    ["node", "--name", "manager", "--layout", file, "--listen-xpub-endpoint", "tcp://127.0.0.1:0", "--listen-xsub-endpoint", "tcp://127.0.0.1:0", "--metrics-port", "0", "--connect-log-endpoints", "tcp://127.0.0.1:1"],
    { label: "manager" },
  );
  const url = (await manager.line(/^metrics on (\S+)$/))[1]!;
  const res = await fetch(url.replace(/\/metrics$/, "/services.json"));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.equal(await res.text(), expected);
  assert.deepEqual(JSON.parse(expected), [{ targets: ["127.0.0.1:9991", "127.0.0.1:9992", "127.0.0.1:9993", "[::1]:9994"], labels: {} }]);
  assert.equal((await fetch(url.replace(/\/metrics$/, "/services.json?x=1"))).status, 200);
  assert.equal((await fetch(url.replace(/\/metrics$/, "/services.json"), { method: "POST" })).status, 405);
  assert.equal((await manager.stop()).code, 0);
});
