// `zeek-zmq node` as a process: joining a broker, discovery, the manager's broker thread,
// scripts, metrics, and clear errors for bad layouts, names and options.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test, type TestContext } from "node:test";
import { pathToFileURL } from "node:url";
import { freePorts } from "../harness/ports.js";
import { ROOT } from "../paths.js";
import { startBroker, zeekZmq } from "./procs.js";

function tmpFile(t: TestContext, name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-node-test-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** manager + worker-1; the manager runs no broker unless `managerRunsBroker`. */
function layoutFile(t: TestContext, managerRunsBroker = false): string {
  const doc = { nodes: { manager: { type: "manager" }, "worker-1": { type: "worker" } }, ...(managerRunsBroker ? {} : { options: { run_proxy_thread: false } }) };
  return tmpFile(t, "layout.json", JSON.stringify(doc));
}

function node(t: TestContext, name: string, args: string[]) {
  return zeekZmq(t, ["node", "--name", name, ...args], { label: name });
}

test("node - joins a standalone broker and sees node_up of the other node; exits 0 on SIGTERM", async (t) => {
  const { connect } = await startBroker(t);
  const layout = layoutFile(t);
  const manager = node(t, "manager", ["--layout", layout, ...connect]);
  const worker = node(t, "worker-1", ["--layout", layout, ...connect]);
  const [, mgrId] = await manager.line(/^ready manager (zeromq_manager_\S+)$/);
  const [, wrkId] = await worker.line(/^ready worker-1 (zeromq_worker-1_\S+)$/);
  await manager.line(new RegExp(`^node_up worker-1 ${wrkId}$`));
  await worker.line(new RegExp(`^node_up manager ${mgrId}$`));

  assert.deepEqual(await worker.stop("SIGTERM"), { code: 0, signal: null });
  await manager.line(new RegExp(`^node_down worker-1 ${wrkId}$`));
  assert.deepEqual(await manager.stop("SIGINT"), { code: 0, signal: null });
});

test("node - the manager runs the broker on free ports, a worker joins it, metrics show both sides", async (t) => {
  const layout = layoutFile(t, true);
  const manager = node(t, "manager", ["--layout", layout, "--listen-xpub-endpoint", "tcp://127.0.0.1:0", "--listen-xsub-endpoint", "tcp://127.0.0.1:0", "--metrics-port", "0", "--core-metrics", "INFO,VERBOSE"]);
  const [, xpub, xsub] = await manager.line(/^broker xpub=(\S+) xsub=(\S+)$/);
  const url = (await manager.line(/^metrics on (\S+)$/))[1]!;
  await manager.line(/^ready manager /);
  const worker = node(t, "worker-1", ["--layout", layout, "--connect-xsub-endpoint", xpub!, "--connect-xpub-endpoint", xsub!]);
  await worker.line(/^node_up manager /);
  await manager.line(/^node_up worker-1 /);
  const body = await (await fetch(url)).text();
  assert.match(body, /^zeek_cluster_zeromq_proxy_frontend_messages_received_total\{node="manager"\} \d+$/m);
  // The hello handshake went out through the node's own XPUB, counted per topic and handler (VERBOSE).
  assert.match(body, /^zeek_cluster_core_verbose_outgoing_events_total\{node="manager",topic="zeek\.cluster\.nodeid\.__normalized__",handler="Cluster::hello"\} 1$/m);
  assert.equal((await worker.stop()).code, 0);
  assert.equal((await manager.stop()).code, 0);
});

test("node - a --script registers handlers before start, publishes once ready, and cleans up on stop", async (t) => {
  const { connect } = await startBroker(t);
  const layout = layoutFile(t);
  const api = pathToFileURL(resolve(ROOT, "dist/src/index.js")).href;
  const script = tmpFile(
    t,
    "script.mjs",
    `import { eventFromSignature } from ${JSON.stringify(api)};
const ping = eventFromSignature("Test::ping(from: string, n: count)");
export default function (node, ctx) {
  node.on(ping, (from, n) => console.log(\`got ping from \${from} n=\${n}\`));
  node.on("node_up", (name) => {
    if (ctx.type === "worker" && name === "manager") node.publish("zeek.cluster.manager", ping, [node.name, 42n]);
  });
  ctx.ready.then(() => console.log(\`script ready as \${ctx.type}\`));
  return () => console.log("script cleanup");
}
`,
  );
  const manager = node(t, "manager", ["--layout", layout, ...connect, "--script", script]);
  await manager.line(/^script ready as manager$/);
  const worker = node(t, "worker-1", ["--layout", layout, ...connect, "--script", script]);
  await manager.line(/^got ping from worker-1 n=42$/);
  assert.equal((await worker.stop()).code, 0);
  assert.ok(worker.out.includes("script cleanup"), worker.out.join("\n"));
  assert.equal((await manager.stop()).code, 0);
  assert.ok(manager.out.includes("script cleanup"));
});

test("node - warns at start-up about options Node cannot honour", async (t) => {
  const { connect } = await startBroker(t);
  const p = node(t, "worker-1", ["--layout", layoutFile(t), ...connect, "--xpub-sndbuf", "65536"]);
  await p.errLine(/^zeek-zmq node\[worker-1\]: warning: xpub_sndbuf=65536 is ignored: Node's net\.Socket cannot set SO_SNDBUF/);
  await p.line(/^ready worker-1 /);
  assert.equal((await p.stop()).code, 0);
});

test("node - a name the layout does not have is a clear error", async (t) => {
  const layout = layoutFile(t);
  const p = node(t, "worker-9", ["--layout", layout]);
  assert.equal((await p.exit()).code, 1, p.err.join("\n"));
  assert.deepEqual(p.err, [`zeek-zmq node: layout: ${layout}: no node named "worker-9" (layout has: manager, worker-1)`]);
});

test("node - a bad layout is a clear error", async (t) => {
  const bad = tmpFile(t, "layout.yaml", "nodes:\n  manager:\n    type: boss\n");
  const p = node(t, "manager", ["--layout", bad]);
  assert.equal((await p.exit()).code, 1, p.err.join("\n"));
  assert.deepEqual(p.err, [`zeek-zmq node: layout: ${bad}: node "manager": type must be one of manager, logger, proxy, worker, got "boss"`]);

  const missing = node(t, "manager", ["--layout", "/nonexistent/layout.json"]);
  assert.equal((await missing.exit()).code, 1, missing.err.join("\n"));
  assert.match(missing.err.join("\n"), /cannot read layout file \/nonexistent\/layout\.json: ENOENT/);
});

test("node - bad option values are clear errors, whatever their source", async (t) => {
  const layout = layoutFile(t);
  const flag = node(t, "manager", ["--layout", layout, "--xpub-sndhwm", "lots"]);
  // A bad flag is a usage error; every error names the option as the user wrote it.
  assert.equal((await flag.exit()).code, 2, flag.err.join("\n"));
  assert.deepEqual(flag.err, ['zeek-zmq node: --xpub-sndhwm: "lots" is not allowed; expected an integer in 0..2147483647', 'Run "zeek-zmq node --help" for its options.']);

  const envProc = zeekZmq(t, ["node", "--name", "manager", "--layout", layout], { env: { ...process.env, ZEEK_ZMQ_LINGER_MS: "-2" } });
  assert.equal((await envProc.exit()).code, 1, envProc.err.join("\n"));
  assert.deepEqual(envProc.err, ['zeek-zmq node: ZEEK_ZMQ_LINGER_MS: "-2" is not allowed; expected an integer in -1..2147483647']);

  const file = tmpFile(t, "layout.json", JSON.stringify({ nodes: { manager: { type: "manager" } }, options: { hello_expiration: "soon" } }));
  const fromFile = node(t, "manager", ["--layout", file]);
  assert.equal((await fromFile.exit()).code, 1, fromFile.err.join("\n"));
  assert.match(fromFile.err[0]!, /^zeek-zmq node: hello_expiration: "soon" in .*layout\.json is not allowed; expected a positive interval/);
});

test("node - usage errors exit 2 with the usage", async (t) => {
  const noName = zeekZmq(t, ["node", "--layout", layoutFile(t)]);
  assert.equal((await noName.exit()).code, 2, noName.err.join("\n"));
  assert.equal(noName.err[0], "zeek-zmq node: --name NAME (or the CLUSTER_NODE environment variable) is required");

  const unknown = node(t, "manager", ["--bogus-option", "1"]);
  assert.equal((await unknown.exit()).code, 2, unknown.err.join("\n"));
  assert.equal(unknown.err[0], "zeek-zmq node: unknown flag --bogus-option");

  const script = node(t, "manager", ["--layout", layoutFile(t), "--script", "/nonexistent.mjs"]);
  assert.equal((await script.exit()).code, 1, script.err.join("\n"));
  assert.deepEqual(script.err, ["zeek-zmq node: script: /nonexistent.mjs: no such file"]);
});

test("node - a logger node takes the log file options as flags (the standalone logger's names): format, suffix, directory", async (t) => {
  const { connect } = await startBroker(t);
  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-node-test-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [port] = await freePorts(1);
  const layout = tmpFile(t, "layout.json", JSON.stringify({ managerIsLogger: false, nodes: { manager: { type: "manager" }, "logger-1": { type: "logger", port } }, options: { run_proxy_thread: false } }));
  const logger = node(t, "logger-1", ["--layout", layout, ...connect, "--log-dir", dir, "--log-format", "json", "--log-suffix", "txt"]);
  const manager = node(t, "manager", ["--layout", layout, ...connect]);
  await logger.line(/^node_up manager /);
  await manager.line(/^node_up logger-1 /);
  assert.equal((await manager.stop()).code, 0);
  assert.equal((await logger.stop()).code, 0);
  // The manager's cluster.log records reached the logger, which wrote them as JSON into cluster.txt.
  const lines = readFileSync(join(dir, "cluster.txt"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { node: string; message: string });
  assert.ok(lines.some((r) => r.node === "manager" && /^got hello from logger-1/.test(r.message)), JSON.stringify(lines));
  assert.ok(lines.some((r) => r.node === "logger-1"), "and its own");
});
