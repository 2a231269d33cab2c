// `npm run bench -- scale [N...]`: discovery at scale. N cluster nodes (manager, proxy, logger and
// N-3 workers of one layout), each a separate process, joined through the TS broker in its own
// process. Measured: the time from the last node's start (its start() resolved) until every node
// has seen node_up for every other; the broker's CPU seconds and the subscription messages it
// forwarded over that run; RSS per node (median). At N = 100, a worker is killed with SIGKILL
// (time until all others saw node_down) and started again (time until all others saw its node_up).
// Ends with RESULT scale n100_s n200_s rss_mb broker_cpu_s (the N = 200 broker CPU).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Broker } from "../src/cluster/broker.js";
import { layoutFromObject } from "../src/cluster/layout.js";
import { ClusterNode } from "../src/cluster/node.js";
import { cpuSeconds, median } from "./harness.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const RUN = join(ROOT, "dist/bench/run.js");
const SIZES = [10, 50, 100, 200];
const TIMEOUT_MS = 180_000;

type LayoutEntry = { name: string; type: "manager" | "proxy" | "logger" | "worker"; host: string; port?: number };

interface NodeConfig {
  name: string;
  layout: LayoutEntry[];
  xsub: string;
  xpub: string;
}

/** Node process: joins, prints "started", "all_up" once it saw every other node, then every node_up/node_down. */
async function nodeMain(cfg: NodeConfig): Promise<void> {
  const layout = layoutFromObject({ nodes: cfg.layout }, "scale");
  const node = new ClusterNode({ name: cfg.name, layout, options: { connectXpubEndpoint: cfg.xsub, connectXsubEndpoint: cfg.xpub } });
  const others = cfg.layout.length - 1;
  let up = 0;
  let all = false;
  node.on("node_up", (name) => {
    up++;
    if (all) process.stdout.write(`up ${name}\n`);
    else if (up === others) {
      all = true;
      process.stdout.write("all_up\n");
    }
  });
  node.on("node_down", (name) => {
    up--;
    process.stdout.write(`down ${name}\n`);
  });
  await node.start();
  process.stdout.write("started\n");
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === "stats") process.stdout.write(`stats ${process.memoryUsage.rss()}\n`);
    else if (line === "exit") break;
  }
  await node.close();
}

/** Broker process: prints "broker XSUB XPUB"; "stats" prints the subscription messages it forwarded. */
async function brokerMain(): Promise<void> {
  const b = new Broker({ listenXsubEndpoint: "tcp://127.0.0.1:0", listenXpubEndpoint: "tcp://127.0.0.1:0" });
  const ep = await b.start();
  process.stdout.write(`broker ${ep.xsub} ${ep.xpub}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === "stats") process.stdout.write(`stats ${b.metrics.frontendMessagesSent.value} ${b.metrics.backendMessagesSent.value}\n`);
    else if (line === "exit") break;
  }
  await b.close();
}

/** A child speaking lines; `expect(prefix)` resolves with the next line starting with it. */
class Child {
  private readonly waiters: { prefix: string; resolve: (l: string) => void }[] = [];
  readonly exited: Promise<number | null>;
  onLine: ((l: string) => void) | null = null;
  constructor(readonly proc: ChildProcess) {
    createInterface({ input: proc.stdout! }).on("line", (l) => {
      const i = this.waiters.findIndex((w) => l.startsWith(w.prefix));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(l);
      this.onLine?.(l);
    });
    this.exited = new Promise((r) => proc.on("exit", (c) => r(c)));
  }

  expect(prefix: string, ms = TIMEOUT_MS): Promise<string> {
    return new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`no "${prefix}" line within ${ms} ms`)), ms);
      this.waiters.push({ prefix, resolve: (l) => (clearTimeout(t), res(l)) });
    });
  }

  send(line: string): void {
    this.proc.stdin!.write(line + "\n");
  }
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

function spawnNode(cfg: NodeConfig, cwd: string): Child {
  return new Child(spawn(process.execPath, ["--max-semi-space-size=2", RUN, "scale", "--node", JSON.stringify(cfg)], { stdio: ["pipe", "pipe", "inherit"], cwd }));
}

interface SizeResult {
  n: number;
  seconds: number;
  startSpan: number;
  brokerCpu: number;
  /** CPU seconds of one node process from its spawn to full connection (median), and of all. */
  nodeCpuMedian: number;
  nodeCpuSum: number;
  subsForwarded: number;
  msgsForwarded: number;
  rssMb: number;
  crash?: { downS: number; upS: number };
}

async function runSize(n: number, crash: boolean): Promise<SizeResult> {
  const cwd = mkdtempSync(join(tmpdir(), "zeek-zmq-bench-scale-"));
  const broker = new Child(spawn(process.execPath, [RUN, "scale", "--broker"], { stdio: ["pipe", "pipe", "inherit"] }));
  const nodes: Child[] = [];
  try {
    const [, xsub, xpub] = (await broker.expect("broker ")).split(" ") as [string, string, string];
    const layout: LayoutEntry[] = [
      { name: "manager", type: "manager", host: "127.0.0.1" },
      { name: "proxy-1", type: "proxy", host: "127.0.0.1" },
      { name: "logger-1", type: "logger", host: "127.0.0.1", port: await freePort() },
      ...Array.from({ length: n - 3 }, (_, i): LayoutEntry => ({ name: `worker-${i + 1}`, type: "worker", host: "127.0.0.1" })),
    ];
    const cpu0 = cpuSeconds(broker.proc.pid!);
    const t0 = performance.now();
    let lastStart = 0;
    const allUp: Promise<number>[] = [];
    const started: Promise<void>[] = [];
    for (const e of layout) {
      const c = spawnNode({ name: e.name, layout, xsub, xpub }, cwd);
      nodes.push(c);
      allUp.push(c.expect("all_up").then(() => performance.now()));
      started.push(c.expect("started").then(() => void (lastStart = Math.max(lastStart, performance.now()))));
    }
    await Promise.all(started);
    const tAll = Math.max(...(await Promise.all(allUp)));
    const brokerCpu = cpuSeconds(broker.proc.pid!) - cpu0;
    const nodeCpu = nodes.map((c) => cpuSeconds(c.proc.pid!));
    broker.send("stats");
    const [, subs, msgs] = (await broker.expect("stats ")).split(" ").map(Number) as [number, number, number];
    const rss: number[] = [];
    for (const c of nodes) {
      c.send("stats");
      rss.push(Number((await c.expect("stats ")).split(" ")[1]) / 2 ** 20);
    }
    const res: SizeResult = { n, seconds: Math.max(0, tAll - lastStart) / 1000, startSpan: (lastStart - t0) / 1000, brokerCpu, nodeCpuMedian: median(nodeCpu), nodeCpuSum: nodeCpu.reduce((a, b) => a + b, 0), subsForwarded: subs, msgsForwarded: msgs, rssMb: median(rss) };
    if (crash) res.crash = await crashAndRestart(nodes, layout, { xsub, xpub }, cwd);
    return res;
  } finally {
    for (const c of nodes) c.proc.kill("SIGKILL");
    broker.proc.kill("SIGKILL");
    await Promise.all([...nodes.map((c) => c.exited), broker.exited]);
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** SIGKILL worker-1; time until every other node saw node_down, then its restart's node_up everywhere. */
async function crashAndRestart(nodes: Child[], layout: LayoutEntry[], broker: { xsub: string; xpub: string }, cwd: string): Promise<{ downS: number; upS: number }> {
  const victimIndex = layout.findIndex((e) => e.name === "worker-1");
  const victim = nodes[victimIndex]!;
  const others = nodes.filter((_, i) => i !== victimIndex);
  const seen = (kind: string): Promise<number> =>
    Promise.all(others.map((c) => c.expect(`${kind} worker-1`).then(() => performance.now()))).then((ts) => Math.max(...ts));
  const downs = seen("down");
  const t0 = performance.now();
  victim.proc.kill("SIGKILL");
  const downS = ((await downs) - t0) / 1000;
  await victim.exited;
  const ups = seen("up");
  const t1 = performance.now();
  const again = spawnNode({ name: "worker-1", layout, xsub: broker.xsub, xpub: broker.xpub }, cwd);
  nodes[victimIndex] = again;
  const selfUp = again.expect("all_up").then(() => performance.now());
  const upS = (Math.max(await ups, await selfUp) - t1) / 1000;
  return { downS, upS };
}

export async function main(args: string[]): Promise<void> {
  if (args[0] === "--node") return nodeMain(JSON.parse(args[1]!) as NodeConfig);
  if (args[0] === "--broker") return brokerMain();
  const sizes = args.length > 0 ? args.map(Number) : SIZES;
  const results: SizeResult[] = [];
  for (const n of sizes) {
    const r = await runSize(n, n === 100);
    results.push(r);
    console.log(
      `N=${n}: fully connected ${r.seconds.toFixed(2)} s after the last start (starts took ${r.startSpan.toFixed(1)} s), ` +
        `broker CPU ${r.brokerCpu.toFixed(2)} s, node CPU ${r.nodeCpuMedian.toFixed(2)} s each (median; ${r.nodeCpuSum.toFixed(1)} s in all), subscriptions forwarded ${r.subsForwarded}, messages forwarded ${r.msgsForwarded}, RSS/node ${r.rssMb.toFixed(1)} MB` +
        (r.crash ? `; worker-1 SIGKILL: node_down everywhere in ${r.crash.downS.toFixed(2)} s, restarted: node_up everywhere in ${r.crash.upS.toFixed(2)} s` : ""),
    );
  }
  const at = (n: number): SizeResult | undefined => results.find((r) => r.n === n);
  const big = at(200) ?? results[results.length - 1]!;
  const crash = at(100)?.crash;
  console.log(
    `RESULT scale n100_s=${at(100)?.seconds.toFixed(2) ?? "NA"} n200_s=${at(200)?.seconds.toFixed(2) ?? "NA"} rss_mb=${big.rssMb.toFixed(1)} broker_cpu_s=${big.brokerCpu.toFixed(2)}` +
      (crash ? ` n100_down_s=${crash.downS.toFixed(2)} n100_restart_s=${crash.upS.toFixed(2)}` : ""),
  );
}
