// `zeek-zmq cluster` as a process: the built-in demo, supervision (restart after a crash, clean
// stop), zeekctl node.cfg layouts, and configuration errors reported before anything starts.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test, type TestContext } from "node:test";
import { zeekZmq, type CliProc } from "./procs.js";

function tmpFile(t: TestContext, name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-cluster-test-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Index of the first stdout line matching `re` (the output must have it). */
function indexOf(p: CliProc, re: RegExp): number {
  const i = p.out.findIndex((l) => re.test(l));
  assert.ok(i >= 0, `no line matching ${re}:\n${p.out.join("\n")}`);
  return i;
}

test("cluster - the demo with --duration starts 3 nodes that all see each other, aggregates, and exits 0", async (t) => {
  const p = zeekZmq(t, ["cluster", "--duration", "6", "--status-every", "0"]);
  assert.deepEqual(await p.exit(), { code: 0, signal: null }, p.err.join("\n"));
  const out = p.out;
  const head = /^zeek-zmq cluster: demo \(manager: manager, worker-1: worker, worker-2: worker\); layout (\S+); logs in (\S+)\/NODE\/$/.exec(out[0]!);
  assert.ok(head, out[0]);
  const [, layout, logs] = head;
  t.after(() => rmSync(dirname(logs!), { recursive: true, force: true }));
  assert.ok(!existsSync(layout!), "the generated layout is removed at exit");
  // The manager starts first and binds the broker; the workers only after that.
  const broker = indexOf(p, /^manager: broker xpub=tcp:\/\/127\.0\.0\.1:\d+ xsub=tcp:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(indexOf(p, /^manager: starting \(pid \d+\)$/) < broker);
  assert.ok(indexOf(p, /^worker-1: starting \(pid \d+\)$/) > broker);
  for (const n of ["manager", "worker-1", "worker-2"]) indexOf(p, new RegExp(`^${n}: up \\(id zeromq_${n}_`));
  for (const [n, peer] of [["manager", "worker-1"], ["manager", "worker-2"], ["worker-1", "manager"], ["worker-1", "worker-2"], ["worker-2", "manager"], ["worker-2", "worker-1"]])
    indexOf(p, new RegExp(`^${n}: node_up ${peer} \\([12]/2 up\\)$`));
  // Every node ends up seeing both others.
  for (const n of ["manager", "worker-1", "worker-2"]) indexOf(p, new RegExp(`^${n}: node_up \\S+ \\(2/2 up\\)$`));
  const totals = out.filter((l) => l.startsWith("manager | Demo totals: "));
  assert.ok(totals.length > 0, out.join("\n"));
  const last = /^manager \| Demo totals: 2 workers, (\d+) reports \(worker-1 (\d+), worker-2 (\d+)\), (\d+) conns, (\d+) bytes$/.exec(totals.at(-1)!);
  assert.ok(last, totals.at(-1));
  assert.equal(Number(last[1]), Number(last[2]) + Number(last[3]));
  assert.ok(Number(last[2]) > 1 && Number(last[3]) > 1, "both workers reported repeatedly");
  const stopping = indexOf(p, /^zeek-zmq cluster: 6 s elapsed: stopping nodes$/);
  // Workers stop first, then the manager; everything exits 0.
  assert.ok(indexOf(p, /^worker-1: stopped \(exit code 0\)$/) > stopping);
  assert.ok(indexOf(p, /^manager: stopped \(exit code 0\)$/) > indexOf(p, /^worker-2: stopped \(exit code 0\)$/));
  assert.equal(out.at(-1), "zeek-zmq cluster: all nodes stopped");
  assert.ok(!out.some((l) => /crashed|restart/.test(l)), out.join("\n"));
  // Each node wrote its own cluster.log (Zeek's Cluster::LOG) into its directory.
  for (const n of ["manager", "worker-1", "worker-2"]) assert.match(readFileSync(join(logs!, n, "cluster.log"), "utf8"), new RegExp(`\\t${n}\\tgot hello from `));
});

test("cluster - restarts nodes killed with SIGKILL (a worker, the manager and its broker); SIGINT stops everything with exit 0", async (t) => {
  const p = zeekZmq(t, ["cluster", "--status-every", "0"]);
  const logs = (await p.line(/; logs in (\S+)\/NODE\/$/))[1]!;
  t.after(() => rmSync(dirname(logs), { recursive: true, force: true }));
  const pid = Number((await p.line(/^worker-1: starting \(pid (\d+)\)$/))[1]);
  await p.line(/^manager: node_up worker-1 \(/);
  const from = p.out.length;
  process.kill(pid, "SIGKILL");
  await p.line(/^worker-1: crashed \(signal SIGKILL\); restart #1 in 0\.5 s$/, from);
  await p.line(/^manager: node_down worker-1 \(/, from);
  const again = Number((await p.line(/^worker-1: starting \(pid (\d+)\)$/, from))[1]);
  assert.notEqual(again, pid);
  await p.line(/^worker-1: up \(id zeromq_worker-1_/, from);
  await p.line(/^manager: node_up worker-1 \(/, from);

  // The manager (and its broker) too: it comes back on the same ports and the workers rejoin.
  const [, xpub, xsub] = await p.line(/^manager: broker xpub=(\S+) xsub=(\S+)$/);
  const manager = Number((await p.line(/^manager: starting \(pid (\d+)\)$/))[1]);
  const from2 = p.out.length;
  process.kill(manager, "SIGKILL");
  await p.line(/^manager: crashed \(signal SIGKILL\); restart #1 in 0\.5 s$/, from2);
  await p.line(new RegExp(`^manager: broker xpub=${xpub} xsub=${xsub}$`), from2);
  await p.line(/^manager: up /, from2);
  await p.line(/^worker-1: node_up manager \(/, from2);
  await p.line(/^manager \| Demo totals: 2 workers/, from2);

  assert.deepEqual(await p.stop("SIGINT"), { code: 0, signal: null });
  assert.equal(p.out.at(-1), "zeek-zmq cluster: all nodes stopped");
  assert.throws(() => process.kill(again, 0), /ESRCH/, "the restarted node is gone too");
});

test("cluster - runs a zeekctl node.cfg layout", async (t) => {
  const cfg = tmpFile(t, "node.cfg", "[manager]\ntype=manager\nhost=localhost\n\n[worker-1]\ntype=worker\nhost=localhost\ninterface=eth0\n");
  // zeekctl's ports are fixed (ZeekPort 27760 and up: broker, then a log port per node); here
  // every socket takes a free port instead, so each node also writes its own logs.
  const free = "tcp://127.0.0.1:*";
  const env = { ...process.env, ZEEK_ZMQ_LISTEN_XPUB_ENDPOINT: free, ZEEK_ZMQ_LISTEN_XSUB_ENDPOINT: free, ZEEK_ZMQ_LISTEN_LOG_ENDPOINT: free };
  const p = zeekZmq(t, ["cluster", cfg, "--status-every", "0"], { env });
  await p.line(/^manager: node_up worker-1 \(1\/1 up\)$/);
  await p.line(/^worker-1: node_up manager \(1\/1 up\)$/);
  assert.deepEqual(await p.stop("SIGTERM"), { code: 0, signal: null });
});

test("cluster - configuration errors are reported once, before any node starts", async (t) => {
  const cases: [string[], RegExp][] = [
    [[tmpFile(t, "layout.yaml", "nodes:\n  w: {type: worker}\n")], /^zeek-zmq cluster: layout: .*layout\.yaml: no manager defined/],
    [[tmpFile(t, "layout.json", '{"nodes": {"manager": {"type": "manager"}}, "options": {"xpub_sndhwm": -1}}')], /^zeek-zmq cluster: xpub_sndhwm: file .*layout\.json key "xpub_sndhwm": -1 is not allowed; expected an integer in 0\.\.2147483647$/],
    [["/nonexistent/node.cfg"], /^zeek-zmq cluster: layout: cannot read layout file \/nonexistent\/node\.cfg/],
    [["--script", "/nonexistent.mjs"], /^zeek-zmq cluster: script: \/nonexistent\.mjs: no such file$/],
  ];
  for (const [args, re] of cases) {
    const p = zeekZmq(t, ["cluster", ...args]);
    assert.equal((await p.exit()).code, 1, `${args.join(" ")}: ${p.err.join("\n")}`);
    assert.match(p.err.join("\n"), re);
    assert.ok(!p.out.some((l) => /starting/.test(l)), p.out.join("\n"));
  }
  const usage = zeekZmq(t, ["cluster", "--duration", "soon"]);
  assert.equal((await usage.exit()).code, 2, usage.err.join("\n"));
  assert.equal(usage.err[0], 'zeek-zmq cluster: --duration must be a number of seconds >= 0, got "soon"');
});
