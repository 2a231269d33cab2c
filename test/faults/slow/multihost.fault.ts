// Several hosts for real: four network namespaces created by this test (broker host with the
// manager, logger host, two worker hosts), each joined by a veth pair to a bridge in a fifth
// ("switch") namespace, addresses from a private /24 used only inside these namespaces. Every
// host's link gets `tc netem`: first none (the baseline), then 1 ms delay with 1 % loss, then
// 20 ms with 1 % loss. In each phase: the nodes discover each other, worker-1 publishes events to
// the manager and both workers log to the logger, with no-drop settings (HWM 0): every event and
// every log record arrives, none twice. The event throughput per phase is recorded (ZMTP has no
// per-message round trip, so a 20 ms link should cost little throughput). Skipped with a message
// where namespaces cannot be made; the netem phases are skipped with a message where the kernel
// has no netem qdisc (the no-netem phase still runs across the namespaces).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { CLI, ROOT, TEST_CWD } from "../../paths.js";
import { type NodeProc, stats } from "../../cluster/helpers/procs.js";
import { Proc, ProcSet } from "../../harness/proc.js";
import { until } from "../../harness/until.js";
import { LAYOUT, allUp, startFaultBroker, startLayoutNode } from "../helpers.js";

const tag = (process.pid % 100000).toString(36);
const HOSTS = ["broker", "logger", "w1", "w2"] as const;
type Host = (typeof HOSTS)[number];
const ns = (h: Host | "sw"): string => `zzmh-${h}-${tag}`;
// A /24 from 10.0.0.0/8 derived from the pid, used only inside the namespaces this test creates.
const NET = `10.${150 + (process.pid % 50)}.${(process.pid >> 8) % 256}`;
const ADDR: Record<Host, string> = { broker: `${NET}.1`, logger: `${NET}.2`, w1: `${NET}.3`, w2: `${NET}.4` };
const DEV = (h: Host): string => `zzmh${HOSTS.indexOf(h)}${tag}`.slice(0, 15);
const PEER = (h: Host): string => `zzms${HOSTS.indexOf(h)}${tag}`.slice(0, 15);
const FAULT_PROC = resolve(ROOT, "dist/test/faults/fault-proc.js");

const set = new ProcSet();
const created: string[] = [];
const dirs: string[] = [];

function run(cmd: string, ...args: string[]): { ok: boolean; err: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 10_000 });
  return { ok: r.status === 0, err: `${r.stderr ?? ""}${r.error?.message ?? ""}`.trim() };
}
function must(cmd: string, ...args: string[]): void {
  const r = run(cmd, ...args);
  if (!r.ok) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.err}`);
}

after(() => {
  set.killAll();
  for (const n of created.reverse()) run("ip", "netns", "del", n);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Builds the hosts and the switch; a reason string when that is not permitted here. */
function setup(): string | null {
  for (const n of [ns("sw"), ...HOSTS.map(ns)]) {
    const r = run("ip", "netns", "add", n);
    if (!r.ok) return `cannot create network namespaces here (ip netns add: ${r.err || "not permitted"})`;
    created.push(n);
  }
  const br = run("ip", "-n", ns("sw"), "link", "add", "br0", "type", "bridge");
  if (!br.ok) return `cannot create a bridge in a namespace (${br.err})`;
  must("ip", "-n", ns("sw"), "link", "set", "br0", "up");
  for (const h of HOSTS) {
    const link = run("ip", "link", "add", DEV(h), "netns", ns(h), "type", "veth", "peer", "name", PEER(h), "netns", ns("sw"));
    if (!link.ok) return `cannot create veth pairs between namespaces (${link.err})`;
    must("ip", "-n", ns("sw"), "link", "set", PEER(h), "master", "br0");
    must("ip", "-n", ns("sw"), "link", "set", PEER(h), "up");
    must("ip", "-n", ns(h), "addr", "add", `${ADDR[h]}/24`, "dev", DEV(h));
    must("ip", "-n", ns(h), "link", "set", "lo", "up");
    must("ip", "-n", ns(h), "link", "set", DEV(h), "up");
  }
  return null;
}

/** null when tc netem works on the hosts' links, else why not. */
function netemMissing(): string | null {
  const tc = run("ip", "netns", "exec", ns("w1"), "tc", "qdisc", "add", "dev", DEV("w1"), "root", "netem", "delay", "0ms");
  return tc.ok ? null : `tc netem is not available on this kernel (${tc.err}): the delay/loss phases need the sch_netem qdisc`;
}

/** Sets (or replaces) every host link's netem: `delay` ms each way out of each host, `loss` %. */
function netem(delayMs: number, lossPct: number): void {
  for (const h of HOSTS) {
    const args = ["netns", "exec", ns(h), "tc", "qdisc", "replace", "dev", DEV(h), "root", "netem", "delay", `${delayMs}ms`];
    if (lossPct > 0) args.push("loss", `${lossPct}%`);
    must("ip", ...args);
  }
}

const inHost = (h: Host): string[] => ["ip", "netns", "exec", ns(h)];

/** A log sender process (one record per batch, path "fault") in host `h`. */
async function logSender(h: Host, endpoint: string): Promise<Proc> {
  const cfg = { endpoints: [endpoint], sndhwm: 0 };
  const argv = [...inHost(h), process.execPath, FAULT_PROC, "--fault-logsender", JSON.stringify(cfg)];
  const p = set.add(Proc.spawn(argv[0]!, argv.slice(1), { label: `logsender-${h}`, cwd: TEST_CWD }));
  await p.wait("started");
  await p.wait("connected");
  return p;
}

function faultSeqs(dir: string): number[] {
  let text = "";
  try {
    text = readFileSync(join(dir, "fault.log"), "utf8");
  } catch {
    return [];
  }
  let col = -1;
  const out: number[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#fields")) col = line.split("\t").indexOf("seq") - 1;
    else if (line !== "" && !line.startsWith("#")) out.push(Number(line.split("\t")[col]));
  }
  return out;
}

test("four hosts (network namespaces, veth + bridge, tc netem none / 1 ms / 20 ms with 1 % loss): discovery, events and logs flow, nothing lost with HWM 0", async (t) => {
  const why = setup();
  if (why !== null) {
    t.skip(why);
    return;
  }
  const hwm0 = { xpubSndhwm: 0, onloopQueueHwm: 0, xsubRcvhwm: 0 };
  const broker = await startFaultBroker(set, { xsub: `tcp://${ADDR.broker}:0`, xpub: `tcp://${ADDR.broker}:0`, hwm: 0 }, inHost("broker"));
  const where: Record<string, Host> = { manager: "broker", "worker-1": "w1", "worker-2": "w2" };
  const nodes: NodeProc[] = [];
  for (const [name] of LAYOUT) nodes.push(await startLayoutNode(set, name, broker, hwm0, { prefix: inHost(where[name]!) }));
  const [manager, w1] = nodes as [NodeProc, NodeProc, NodeProc];

  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-multihost-"));
  dirs.push(dir);
  const largv = [...inHost("logger"), process.execPath, CLI, "logger", "--listen", `tcp://${ADDR.logger}:0`, "--dir", dir];
  const logger = set.add(Proc.spawn(largv[0]!, largv.slice(1), { label: "logger", cwd: TEST_CWD, stdin: "ignore" }));
  const endpoint = (await logger.line(/^listening on (\S+)/))[1]!;
  const senders = [await logSender("w1", endpoint), await logSender("w2", endpoint)];

  const N = 20_000;
  const RECORDS = 500;
  let published = 0;
  let logged = 0;
  const rates: Record<string, number> = {};
  const noNetem = netemMissing();
  const phases = [["no netem", 0, 0], ["1 ms, 1 % loss", 1, 1], ["20 ms, 1 % loss", 20, 1]] as const;
  for (const [phase, delay, loss] of phases) {
    await t.test(`${phase}: discovery, ${N} events worker-1 -> manager, ${2 * RECORDS} log records from two hosts`, { skip: delay > 0 && noNetem !== null ? noNetem : false }, async (st) => {
      if (delay > 0) netem(delay, loss);
      await allUp(nodes, 30_000);
      // Events: worker-1 -> broker host -> manager, every one delivered (no drops at HWM 0).
      const t0 = performance.now();
      assert.deepEqual(await w1.command({ cmd: "publish", topic: "zeek.cluster.manager", n: N, batch: 500 }, "published", 120_000), { e: "published", attempted: N, ok: N, dropped: 0 });
      published += N;
      const s = await until(`${phase}: manager received all ${published} events`, () => stats(manager), (x) => x.senders["worker-1"]?.received === published, 120_000);
      rates[phase] = N / ((performance.now() - t0) / 1000);
      assert.equal(s.senders["worker-1"]!.gaps, 0, "no event missing");
      // Logs: both workers' hosts -> logger host.
      for (const [i, snd] of senders.entries())
        assert.deepEqual(await snd.command({ cmd: "log", from: logged + i * RECORDS, n: RECORDS }, "logged", 60_000), { e: "logged", ok: RECORDS, dropped: 0 });
      logged += 2 * RECORDS;
      await until(`${phase}: all ${logged} log records on the logger host's disk`, async () => faultSeqs(dir).length, (n) => n >= logged, 60_000);
      st.diagnostic(`${phase}: ${Math.round(rates[phase]!).toLocaleString("en-US")} events/s worker-1 -> manager through the broker host; ${logged} log records written`);
    });
  }
  if (rates["20 ms, 1 % loss"] !== undefined)
    t.diagnostic(`throughput over the 20 ms + 1 % loss links: ${(rates["no netem"]! / rates["20 ms, 1 % loss"]).toFixed(2)}x slower than without netem (ZMTP pipelines: no per-message round trip)`);
  assert.deepEqual(faultSeqs(dir).sort((a, b) => a - b), Array.from({ length: logged }, (_, i) => i), "every log record exactly once");
  for (const snd of senders) await snd.quit();
  assert.equal((await logger.stop("SIGTERM")).code, 0);
});
