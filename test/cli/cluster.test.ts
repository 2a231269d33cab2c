// `zeek-zmq cluster` as a process: the built-in demo, supervision (restart after a crash, clean
// stop), zeekctl node.cfg layouts, and configuration errors reported before anything starts.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test, type TestContext } from "node:test";
import type { Proc } from "../harness/proc.js";
import { zeekZmq } from "./procs.js";

function tmpFile(t: TestContext, name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-cluster-test-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Index of the first stdout line matching `re` (the output must have it). */
function indexOf(p: Proc, re: RegExp): number {
  const i = p.out.findIndex((l) => re.test(l));
  assert.ok(i >= 0, `no line matching ${re}:\n${p.out.join("\n")}`);
  return i;
}

test("cluster - the demo with --duration: a logger, a manager and two workers that all see each other, log records, a summary, no leftovers", async (t) => {
  const p = zeekZmq(t, ["cluster", "--duration", "6", "--status-every", "0"]);
  assert.deepEqual(await p.exit(), { code: 0, signal: null }, p.err.join("\n"));
  const out = p.out;
  const head = /^zeek-zmq cluster: demo \(logger: logger, manager: manager, worker-1: worker, worker-2: worker\); layout (\S+)$/.exec(out[0]!);
  assert.ok(head, out[0]);
  const tmp = dirname(head[1]!);
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  // Where the logs go is said at start.
  assert.equal(out[1], `logs: logger writes ${tmp}/logs/logger/demo.log (Demo::LOG, from the workers) and ${tmp}/logs/logger/cluster.log`);
  // zeekctl's order: the logger first, then the manager (its broker bound before the workers start).
  const broker = indexOf(p, /^manager: broker xpub=tcp:\/\/127\.0\.0\.1:\d+ xsub=tcp:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(indexOf(p, /^logger: starting \(pid \d+\)$/) < indexOf(p, /^manager: starting \(pid \d+\)$/));
  assert.ok(indexOf(p, /^worker-1: starting \(pid \d+\)$/) > broker);
  const names = ["logger", "manager", "worker-1", "worker-2"];
  for (const n of names) indexOf(p, new RegExp(`^${n}: up \\(id zeromq_${n}_`));
  // Every node ends up seeing the three others.
  for (const n of names) indexOf(p, new RegExp(`^${n}: node_up \\S+ \\(3/3 up\\)$`));
  const totals = out.filter((l) => l.startsWith("manager | Demo totals: "));
  assert.ok(totals.length > 0, out.join("\n"));
  const last = /^manager \| Demo totals: 2 workers, (\d+) reports \(worker-1 (\d+), worker-2 (\d+)\), (\d+) conns, (\d+) bytes$/.exec(totals.at(-1)!);
  assert.ok(last, totals.at(-1));
  assert.equal(Number(last[1]), Number(last[2]) + Number(last[3]));
  assert.ok(Number(last[2]) > 1 && Number(last[3]) > 1, "both workers reported repeatedly");
  const stopping = indexOf(p, /^zeek-zmq cluster: 6 s elapsed: stopping nodes$/);
  // Stopped in the reverse order: workers, manager, the logger last.
  assert.ok(indexOf(p, /^worker-1: stopped \(exit code 0\)$/) > stopping);
  assert.ok(indexOf(p, /^manager: stopping$/) > indexOf(p, /^worker-2: stopped \(exit code 0\)$/));
  assert.ok(indexOf(p, /^logger: stopping$/) > indexOf(p, /^manager: stopped \(exit code 0\)$/));
  // The summary: records per path, as the logger's files hold them; at least every reported connection.
  const summary = /^zeek-zmq cluster: logger logs \((\S+)\): cluster\.log (\d+) records, demo\.log (\d+) records$/.exec(out.find((l) => l.startsWith("zeek-zmq cluster: logger logs")) ?? "");
  assert.ok(summary, out.join("\n"));
  assert.ok(Number(summary[3]) >= Number(last[4]), `demo.log has ${summary[3]} records, the workers reported ${last[4]} connections`);
  assert.ok(Number(summary[2]) >= 6, "cluster.log has the nodes' hellos");
  assert.equal(out.at(-1), "zeek-zmq cluster: all nodes stopped");
  assert.ok(!out.some((l) => /crashed|restart|failed/.test(l)), out.join("\n"));
  // The temporary directory (layout and logs) is gone.
  assert.ok(!existsSync(tmp), `${tmp} was removed`);
});

test("cluster - the demo keeps its directory with --keep: demo.log holds conn-like Demo::LOG records", async (t) => {
  const p = zeekZmq(t, ["cluster", "--duration", "5", "--status-every", "0", "--keep"]);
  assert.deepEqual(await p.exit(), { code: 0, signal: null }, p.err.join("\n"));
  const kept = /^zeek-zmq cluster: kept the demo's directory (\S+)$/.exec(p.out.at(-1)!);
  assert.ok(kept, p.out.join("\n"));
  t.after(() => rmSync(kept[1]!, { recursive: true, force: true }));
  const demo = readFileSync(join(kept[1]!, "logs/logger/demo.log"), "utf8");
  assert.match(demo, /^#path\tdemo$/m);
  assert.match(demo, /^#fields\tts\tuid\tid\.orig_h\tid\.orig_p\tid\.resp_h\tid\.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tworker$/m);
  assert.match(demo, /\tworker-1$/m);
  assert.match(demo, /\tworker-2$/m);
  assert.match(demo, /^#close\t/m);
});

test("cluster - restarts nodes killed with SIGKILL (a worker, the manager and its broker); SIGINT stops everything with exit 0", async (t) => {
  const p = zeekZmq(t, ["cluster", "--status-every", "0"]);
  const pid = Number((await p.line(/^worker-1: starting \(pid (\d+)\)$/))[1]);
  await p.line(/^manager: node_up worker-1 \(/);
  // Killed before it reported ready, it would be a node that never came up (which stops the cluster).
  await p.line(/^worker-1: up \(id /);
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
    [[tmpFile(t, "layout.json", '{"nodes": {"manager": {"type": "manager"}}, "options": {"xpub_sndhwm": -1}}')], /^zeek-zmq cluster: xpub_sndhwm: -1 in .*layout\.json is not allowed; expected an integer in 0\.\.2147483647$/],
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
