// `zeek-zmq cluster` as an operator relies on it: zeekctl's start and stop order with nothing
// lost at stop, logger nodes configured from the layout, failures that make the exit status
// non-zero, and scripts anywhere on disk.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { freePorts } from "../harness/ports.js";
import { until } from "../harness/until.js";
import type { Proc } from "../harness/proc.js";
import { zeekZmq } from "./procs.js";

/** A directory outside the repository, removed after the test. */
function tmpDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-lifecycle-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function indexOf(p: Proc, re: RegExp): number {
  const i = p.out.findIndex((l) => re.test(l));
  assert.ok(i >= 0, `no line matching ${re}:\n${p.out.join("\n")}\n${p.err.join("\n")}`);
  return i;
}

/** A layout with a logger on a free port and the broker on free ports. */
async function layoutWith(dir: string, nodes: Record<string, Record<string, unknown>>, options: Record<string, unknown> = {}): Promise<string> {
  const [xpub, xsub, log] = await freePorts(3);
  const all: Record<string, Record<string, unknown>> = {};
  for (const [name, n] of Object.entries(nodes)) all[name] = n["type"] === "logger" ? { ...n, port: log } : n;
  const file = join(dir, "layout.json");
  writeFileSync(file, JSON.stringify({ nodes: all, managerIsLogger: false, broker: { host: "127.0.0.1", xpubPort: xpub, xsubPort: xsub }, options }));
  return file;
}

// Every node writes numbered records while it runs and a burst more while it stops (in its
// cleanup, after the stop request): the logger must end up with every one of them. The script
// lives outside the repository and imports "zeek-zmq" like any user script.
const SEQ_SCRIPT = `import { z } from "zeek-zmq";
const columns = z.record({ node: z.string, seq: z.count, phase: z.string });
export default function (node, ctx) {
  let seq = 0n;
  let stream;
  let timer;
  ctx.ready.then(() => {
    stream = node.log.createStream({ id: "Seq::LOG", columns, path: "seqs" });
    timer = setInterval(() => { for (let i = 0; i < 20; i++) stream.write({ node: node.name, seq: ++seq, phase: "run" }); }, 20);
  }, () => undefined);
  return () => {
    clearInterval(timer);
    if (stream === undefined) return;
    for (let i = 0; i < 500; i++) stream.write({ node: node.name, seq: ++seq, phase: "stop" });
    console.log("wrote " + seq);
  };
}
`;

test("cluster - zeekctl's order: loggers, manager, proxies, workers up; stopped in reverse, and the logger gets every record written up to and during stop", async (t) => {
  const dir = tmpDir(t);
  const script = join(dir, "seq.mjs");
  writeFileSync(script, SEQ_SCRIPT);
  const nodes = { "logger-1": { type: "logger" }, manager: { type: "manager" }, "proxy-1": { type: "proxy" }, "worker-1": { type: "worker" }, "worker-2": { type: "worker" } };
  const layout = await layoutWith(dir, nodes);
  const logs = join(dir, "logs");
  const p = zeekZmq(t, ["cluster", layout, "--script", script, "--log-dir", logs, "--status-every", "0"]);
  for (const n of Object.keys(nodes)) await p.line(new RegExp(`^${n}: up `));
  // Some records per node before stopping.
  await p.line(/^worker-2: node_up .*\(4\/4 up\)$/);
  assert.deepEqual(await p.stop("SIGTERM"), { code: 0, signal: null }, p.err.join("\n"));

  const start = ["logger-1", "manager", "proxy-1", "worker-1"].map((n) => indexOf(p, new RegExp(`^${n}: starting \\(pid \\d+\\)$`)));
  assert.deepEqual([...start].sort((a, b) => a - b), start, "started loggers, manager, proxies, workers");
  assert.ok(start[2]! > indexOf(p, /^manager: broker /), "the proxies start once the broker is bound");
  // Each stage stops once the previous one has exited.
  const stopped = (n: string) => indexOf(p, new RegExp(`^${n}: stopped \\(exit code 0\\)$`));
  const stopping = (n: string) => indexOf(p, new RegExp(`^${n}: stopping$`));
  assert.ok(stopping("proxy-1") > Math.max(stopped("worker-1"), stopped("worker-2")));
  assert.ok(stopping("manager") > stopped("proxy-1"));
  assert.ok(stopping("logger-1") > stopped("manager"));

  const wrote = new Map<string, number>();
  for (const l of p.out) {
    const m = /^(\S+) \| wrote (\d+)$/.exec(l);
    if (m) wrote.set(m[1]!, Number(m[2]));
  }
  assert.deepEqual([...wrote.keys()].sort(), Object.keys(nodes).sort(), p.out.join("\n"));
  const seqs = new Map<string, Set<number>>();
  const text = readFileSync(join(logs, "logger-1", "seqs.log"), "utf8");
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const [node, seq] = line.split("\t");
    const set = seqs.get(node!) ?? new Set<number>();
    assert.ok(!set.has(Number(seq)), `${node} ${seq} written twice`);
    seqs.set(node!, set.add(Number(seq)));
  }
  for (const [node, n] of wrote) {
    const got = seqs.get(node)?.size ?? 0;
    assert.equal(got, n, `${node} wrote ${n} records, the logger has ${got}`);
  }
  assert.match(text, /\tstop$/m);
  // The summary at stop counts what the logger's files hold.
  const total = [...wrote.values()].reduce((x, y) => x + y, 0);
  assert.match(p.out.find((l) => l.startsWith("zeek-zmq cluster: logger-1 logs")) ?? "", new RegExp(`seqs\\.log ${total} records`));
});

test("cluster - a logger node takes every logger feature from the layout's options: format, directory, suffix, rotation and post-processor", async (t) => {
  const dir = tmpDir(t);
  const marker = join(dir, "rotated.txt");
  const layout = await layoutWith(
    dir,
    { "logger-1": { type: "logger" }, manager: { type: "manager" } },
    { log_dir: join(dir, "from-layout"), log_format: "json", log_suffix: "txt", log_rotation_interval: "1 sec", log_rotation_postprocessor_cmd: `sh -c 'echo "$1 $2 $6" >> ${marker}' rotate` },
  );
  const p = zeekZmq(t, ["cluster", layout, "--status-every", "0"]);
  await p.line(/^logger-1: node_up manager/);
  // Wait for a rotation (the interval is 1 s, aligned to the clock).
  await until("a rotated cluster log", () => readdirSync(join(dir, "from-layout", "logger-1")), (files) => files.some((f) => /^cluster\.\d{4}-.*\.txt$/.test(f)));
  assert.deepEqual(await p.stop("SIGTERM"), { code: 0, signal: null }, p.err.join("\n"));
  // log_dir is the cluster's log directory (each node in its own subdirectory).
  const files = readdirSync(join(dir, "from-layout", "logger-1"));
  assert.ok(files.some((f) => /^cluster\.\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d(-\d+)?\.txt$/.test(f)), files.join(" "));
  const rotated = files.filter((f) => f.startsWith("cluster."));
  const records = rotated.flatMap((f) => readFileSync(join(dir, "from-layout", "logger-1", f), "utf8").split("\n").filter((l) => l !== ""));
  assert.ok(records.length > 0);
  for (const r of records) assert.equal((JSON.parse(r) as { node?: string }).node !== undefined, true, r);
  assert.match(readFileSync(marker, "utf8"), /cluster\.\S+\.txt cluster ascii$/m);
});

test("cluster - a node that fails before it comes up (its port is taken) stops the cluster with its error and exit status 1", async (t) => {
  const dir = tmpDir(t);
  const layout = await layoutWith(dir, { manager: { type: "manager" }, "worker-1": { type: "worker" } });
  const { broker } = JSON.parse(readFileSync(layout, "utf8")) as { broker: { xpubPort: number } };
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(broker.xpubPort, "127.0.0.1", r));
  t.after(() => taken.close());
  const p = zeekZmq(t, ["cluster", layout, "--duration", "20", "--status-every", "0"]);
  const exit = await p.exit();
  assert.equal(exit.code, 1, p.out.join("\n"));
  assert.match(p.err.at(-1)!, new RegExp(`^zeek-zmq cluster: node manager failed before it came up \\(exit code 1\\): zeek-zmq node: .*cannot bind tcp://127\\.0\\.0\\.1:${broker.xpubPort}: .*EADDRINUSE`));
  assert.ok(!p.out.some((l) => /restart/.test(l)), "not restarted in a loop");
  assert.ok(!p.out.some((l) => /elapsed/.test(l)), "stopped at once, not after --duration");
});

test("cluster - a --duration run whose nodes were not all up exits 1", async (t) => {
  const dir = tmpDir(t);
  // No broker anywhere: the nodes wait for one and never come up.
  const layout = await layoutWith(dir, { manager: { type: "manager" }, "worker-1": { type: "worker" } }, { run_proxy_thread: false });
  const p = zeekZmq(t, ["cluster", layout, "--duration", "2", "--status-every", "0"]);
  assert.equal((await p.exit()).code, 1, p.out.join("\n"));
  assert.equal(p.err.at(-1), "zeek-zmq cluster: not every node was up when the 2 s ended: manager (starting), worker-1 (starting)");
});

test("cluster - a --script anywhere on disk imports zeek-zmq; one that cannot load is a fatal error, not a restart loop", async (t) => {
  const dir = tmpDir(t);
  const layout = await layoutWith(dir, { manager: { type: "manager" }, "worker-1": { type: "worker" } });
  const app = join(dir, "app.mjs");
  writeFileSync(
    app,
    `import { eventFromSignature } from "zeek-zmq";
const ping = eventFromSignature("App::ping(from: string, n: count)");
export default function (node, ctx) {
  node.on(ping, (from, n) => console.log(node.name + " got ping " + n + " from " + from));
  if (ctx.type !== "worker") return;
  let n = 0n;
  const timer = setInterval(() => node.publish("zeek.cluster.manager", ping, [node.name, ++n]), 200);
  return () => clearInterval(timer);
}
`,
  );
  const ok = zeekZmq(t, ["cluster", layout, "--script", app, "--status-every", "0"]);
  await ok.line(/^manager \| manager got ping \d+ from worker-1$/);
  assert.equal((await ok.stop("SIGTERM")).code, 0);

  const broken = join(dir, "broken.mjs");
  writeFileSync(broken, `import { noSuchExport } from "zeek-zmq";\nexport default () => noSuchExport;\n`);
  const bad = zeekZmq(t, ["cluster", layout, "--script", broken, "--duration", "20", "--status-every", "0"]);
  assert.equal((await bad.exit()).code, 1, bad.out.join("\n"));
  assert.match(bad.err.at(-1)!, /^zeek-zmq cluster: node \S+ failed before it came up \(exit code 1\): zeek-zmq node: script: .*broken\.mjs: cannot load it: .*noSuchExport/);
});
