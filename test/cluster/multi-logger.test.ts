// Several loggers in one layout (issue 14 item 3): each logger is `zeek-zmq logger --layout FILE
// --node logger-N` (its endpoint from the layout), the writing node PUSHes to the endpoints the
// layout gives a worker (connect_log_endpoints: every logger). Batches spread round-robin over all
// loggers (the split is recorded); a logger killed with SIGKILL loses nothing under log_sndhwm:
// its share queues in the node's pipe while the others keep writing, and arrives when it is back.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { connectLogEndpoints, layoutFromObject, type LayoutNodeEntry } from "../../src/cluster/layout.js";
import { CLI, TEST_CWD } from "../paths.js";
import { startLogSender } from "../faults/helpers.js";
import { Proc, ProcSet } from "../harness/proc.js";
import { freePorts } from "../harness/ports.js";
import { until } from "../harness/until.js";
import { metric, startPushNode, waitMetric, type LoggerProc } from "../logging/procs.js";

const WRITTEN = "zeek_logger_written_records_total";
const procs: Proc[] = [];
const dirs: string[] = [];
const faultProcs = new ProcSet();
after(() => {
  for (const p of procs) p.kill();
  faultProcs.killAll();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function newDir(): string {
  const d = mkdtempSync(join(tmpdir(), "zeek-zmq-multilog-"));
  dirs.push(d);
  return d;
}

/** A layout with a manager, `n` loggers on free ports and one worker; returns its file and object. */
async function layoutWith(n: number): Promise<{ file: string; loggers: string[]; endpoints: string[] }> {
  const nodes: Record<string, LayoutNodeEntry> = { manager: { type: "manager", host: "127.0.0.1" }, "worker-1": { type: "worker", host: "127.0.0.1" } };
  const loggers: string[] = [];
  const ports = await freePorts(n);
  for (let i = 1; i <= n; i++) {
    nodes[`logger-${i}`] = { type: "logger", host: "127.0.0.1", port: ports[i - 1] };
    loggers.push(`logger-${i}`);
  }
  const doc = { nodes };
  const file = join(newDir(), "layout.json");
  writeFileSync(file, JSON.stringify(doc));
  return { file, loggers, endpoints: connectLogEndpoints(layoutFromObject(doc, file), "worker-1") };
}

async function startLayoutLogger(layout: string, node: string, dir: string): Promise<LoggerProc> {
  const p = Proc.node(CLI, ["logger", "--layout", layout, "--node", node, "--log-dir", dir, "--metrics-port", "0"], { label: node, cwd: TEST_CWD, stdin: "ignore" }) as LoggerProc;
  procs.push(p);
  p.metricsUrl = (await p.line(/^metrics on (\S+)$/))[1]!;
  p.endpoint = (await p.line(/^listening on (\S+)$/))[1]!;
  return p;
}

const seqs = (dir: string): number[] => seqsOf(dir, "conn.log");
const faultSeqs = (dir: string): number[] => seqsOf(dir, "fault.log");

function seqsOf(dir: string, file: string): number[] {
  let text = "";
  try {
    text = readFileSync(join(dir, file), "utf8");
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

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("several loggers in one layout", () => {
  for (const n of [2, 4]) {
    it(`${n} loggers: a worker's batches spread round-robin over all of them, every record written once`, async (t) => {
      const { file, loggers, endpoints } = await layoutWith(n);
      assert.equal(endpoints.length, n, "connect_log_endpoints names every logger");
      const ds = loggers.map(() => newDir());
      const ls = await Promise.all(loggers.map((name, i) => startLayoutLogger(file, name, ds[i]!)));
      assert.deepEqual(ls.map((l) => l.endpoint), endpoints);
      const node = startPushNode("worker-1", endpoints);
      procs.push(node);
      const total = 100 * 10 * n; // 10 batches of 100 per logger
      await node.ask(`write ${total}`, /^wrote /);
      for (const l of ls) await waitMetric(l.metricsUrl, WRITTEN, 1);
      await until(`${total} records written in all`, async () => (await Promise.all(ls.map((l) => metric(l.metricsUrl, WRITTEN)))).reduce((a, b) => a + b, 0), (sum) => sum >= total);
      const split = await Promise.all(ls.map((l) => metric(l.metricsUrl, WRITTEN)));
      t.diagnostic(`per-logger split of ${total} records: ${split.join(" / ")}`);
      for (const s of split) assert.equal(s, total / n, "round-robin over connected peers: the same share each");
      await node.ask("close", /^closed$/);
      for (const l of ls) assert.equal((await l.stop()).code, 0, l.stderr);
      assert.deepEqual(ds.flatMap(seqs).sort((a, b) => a - b), range(total));
    });
  }

  it("4 loggers, one killed (SIGKILL) mid-run and restarted: the others keep writing, its queued batches arrive after the restart, nothing lost", async (t) => {
    const { file, loggers, endpoints } = await layoutWith(4);
    const ds = loggers.map(() => newDir());
    const ls = await Promise.all(loggers.map((name, i) => startLayoutLogger(file, name, ds[i]!)));
    // One record per batch (path "fault", seq 0..), log_sndhwm 1000 batches per logger.
    const sender = await startLogSender(faultProcs, { endpoints, sndhwm: 1000 });
    for (let i = 0; i < 4; i++) await sender.wait("connected", () => true, 0);
    assert.deepEqual(await sender.command({ cmd: "log", from: 0, n: 2000 }, "logged"), { e: "logged", ok: 2000, dropped: 0 });
    for (const l of ls) await waitMetric(l.metricsUrl, WRITTEN, 500);

    const victim = ls[1]!;
    const mark = sender.lines.length;
    victim.kill();
    await victim.exited;
    // Once the sender saw the connection go, logger-2's share queues in its pipe.
    await sender.wait("disconnected", () => true, mark);
    assert.deepEqual(await sender.command({ cmd: "log", from: 2000, n: 3200 }, "logged"), { e: "logged", ok: 3200, dropped: 0 }, "800 batches for logger-2: under its log_sndhwm");
    const others = [ls[0]!, ls[2]!, ls[3]!];
    for (const l of others) await waitMetric(l.metricsUrl, WRITTEN, 1300);
    const down = await Promise.all(others.map((l) => metric(l.metricsUrl, WRITTEN)));
    t.diagnostic(`while logger-2 was down the others wrote ${down.join(" / ")} records`);
    assert.equal(faultSeqs(ds[1]!).length, 500, "logger-2 wrote nothing while it was down");

    const back = await startLayoutLogger(file, loggers[1]!, ds[1]!);
    await waitMetric(back.metricsUrl, WRITTEN, 800);
    await sender.quit();
    for (const l of [ls[0]!, back, ls[2]!, ls[3]!]) assert.equal((await l.stop()).code, 0, l.stderr);
    const per = ds.map((d) => faultSeqs(d).length);
    t.diagnostic(`final split of 5200 records: ${per.join(" / ")}`);
    assert.deepEqual(per, [1300, 1300, 1300, 1300]);
    assert.deepEqual(ds.flatMap(faultSeqs).sort((a, b) => a - b), range(5200), "every record exactly once");
  });
});
