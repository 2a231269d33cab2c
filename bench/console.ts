// `npm run bench -- console [--nodes 100] [--seconds 20]`: what the web console costs the page,
// its own process and the cluster, at 100 nodes and as many events per second as this machine's
// broker forwards. Processes: a TS broker (`zeek-zmq broker`), a fleet of N ClusterNodes with
// /metrics (one process), a publisher and a counting sink (the load), `zeek-zmq console` and
// headless Chromium on the page. Two phases of equal length: tail closed, then the tail open on
// the whole load. Measured per phase: the page's CPU (Chromium's own TaskDuration through the
// DevTools protocol), the console process's CPU (/proc), the tail thread's rate and CPU, and the
// sink's rate (the cluster's throughput, with and without the console subscribed).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ClusterNode } from "../src/cluster/node.js";
import { layoutFromObject, type LayoutDocument, type LayoutNodeEntry } from "../src/cluster/layout.js";
import { DEFAULT_NODE_OPTIONS } from "../src/cluster/options.js";
import { defineEvent } from "../src/codec/broker/typed.js";
import { z } from "../src/codec/broker/types.js";
import { startMetricsServer } from "../src/telemetry/server.js";
import { XSub } from "../src/transport/index.js";
import { cpuSeconds, start } from "./harness.js";

const SELF = fileURLToPath(import.meta.url);
const CLI = resolve(SELF, "../../src/cli/main.js");
const LOAD = defineEvent("Bench::load", [z.string, z.count]);

function flag(args: string[], name: string, def: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
}

function layoutDoc(n: number): LayoutDocument {
  const nodes: Record<string, LayoutNodeEntry> = { manager: { type: "manager" } };
  for (let i = 1; i < n; i++) nodes[`worker-${i}`] = { type: "worker" };
  return { nodes };
}

function endpoints(args: string[]): { xpub: string; xsub: string } {
  return { xpub: args[1]!, xsub: args[2]! };
}

/** N nodes in this process, each with /metrics; prints "metrics NAME URL" lines, then "ready". */
async function fleet(args: string[]): Promise<void> {
  const { xpub, xsub } = endpoints(args);
  const n = Number(args[3]);
  const layout = layoutFromObject(layoutDoc(n), "bench");
  const options = { ...DEFAULT_NODE_OPTIONS, connectXsubEndpoint: xpub, connectXpubEndpoint: xsub, runProxyThread: false };
  const started = await Promise.all(
    layout.nodes.map(async (l) => {
      const node = new ClusterNode({ name: l.name, layout, options, logging: { dir: tmpdir() } });
      node.on("reporter_warning", () => undefined);
      await node.start();
      const m = await startMetricsServer({ registry: node.registry, port: 0 });
      return [l.name, m.url] as const;
    }),
  );
  for (const [name, url] of started) console.log(`metrics ${name} ${url}`);
  console.log("ready");
}

/** Publishes Bench::load to bench.load as fast as the XPUB takes it (lossless, waits for drain). */
async function publisher(args: string[]): Promise<void> {
  const { xpub, xsub } = endpoints(args);
  const node = new ClusterNode({ name: "bench-pub", options: { ...DEFAULT_NODE_OPTIONS, connectXsubEndpoint: xpub, connectXpubEndpoint: xsub, runProxyThread: false }, discovery: false });
  await node.start();
  console.log("ready");
  let i = 0n;
  const burst = () => {
    for (let k = 0; k < 2000; k++) if (!node.publish("bench.load", LOAD, ["bench-pub", i++])) return void node.once("drain", burst);
    setImmediate(burst);
  };
  burst();
}

/** Counts what reaches a subscriber of "bench." (packed, no decoding): prints "rate N" each second. */
async function sink(args: string[]): Promise<void> {
  const x = new XSub({ receiveHighWaterMark: 10_000 });
  x.connect(args[1]!);
  x.send([Buffer.from("\x01bench.", "latin1")]);
  let n = 0;
  x.on("readable", () => {
    while (x.pending > 0) n += x.receivePacked(8192).length;
  });
  console.log("ready");
  setInterval(() => {
    console.log(`rate ${n}`);
    n = 0;
  }, 1000);
}

export async function main(args: string[]): Promise<void> {
  if (args[0] === "--fleet") return fleet(args);
  if (args[0] === "--pub") return publisher(args);
  if (args[0] === "--sink") return sink(args);
  const nodes = flag(args, "nodes", 100);
  const seconds = flag(args, "seconds", 20);
  const { launch } = await import("../test/console/browser.js");
  const browser = await launch();
  if (typeof browser === "string") throw new Error(`no browser: ${browser}`);

  const broker = start(process.execPath, [CLI, "broker", "--xpub", "tcp://127.0.0.1:0", "--xsub", "tcp://127.0.0.1:0"]);
  const [, xpub, xsub] = /xpub=(\S+) xsub=(\S+)/.exec(`x ${await broker.line("broker")}`)!;
  const fl = start(process.execPath, [SELF, "--fleet", xpub!, xsub!, String(nodes)]);
  const urls: string[] = [];
  for (let i = 0; i < nodes; i++) urls.push(await fl.line("metrics"));
  await fl.line("ready");
  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-bench-console-"));
  writeFileSync(join(dir, "layout.json"), JSON.stringify(layoutDoc(nodes)));
  const con = start(process.execPath, [CLI, "console", "--web", "127.0.0.1:0", "--layout", join(dir, "layout.json"), ...urls.flatMap((u) => ["--metrics", u.replace(" ", "=")]), xpub!, xsub!]);
  const url = await con.line("console on");
  const sk = start(process.execPath, [SELF, "--sink", xpub!]);
  await sk.line("ready");
  const pub = start(process.execPath, [SELF, "--pub", xpub!, xsub!]);
  await pub.line("ready");
  const sinkRates: number[] = [];
  const collect = async () => {
    for (;;) sinkRates.push(Number(await sk.line("rate")));
  };
  void collect().catch(() => undefined);

  const page = await browser.context.newPage();
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send("Performance.enable");
  await page.goto(url);
  await page.waitForSelector(`tr[data-node="worker-${nodes - 1}"][data-state="up"]`, { timeout: 120_000 });
  await new Promise((r) => setTimeout(r, 3000));

  const task = async () => ((await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "TaskDuration")?.value ?? 0);
  const phase = async (name: string) => {
    sinkRates.length = 0;
    const t0 = Date.now();
    const p0 = await task();
    const c0 = cpuSeconds(con.pid);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const dt = (Date.now() - t0) / 1000;
    const pagePct = ((await task()) - p0) / dt * 100;
    const serverPct = (cpuSeconds(con.pid) - c0) / dt * 100;
    const sorted = [...sinkRates].sort((a, b) => a - b);
    const sinkRate = sorted[sorted.length >> 1] ?? 0;
    const health = (await page.textContent("#console-health")) ?? "";
    console.log(`${name}: page CPU ${pagePct.toFixed(1)}% of a core, console process ${serverPct.toFixed(1)}%, cluster (sink) ${Math.round(sinkRate).toLocaleString("en-US")} events/s; ${health}`);
    return { pagePct, serverPct, sinkRate, health };
  };
  const closed = await phase("tail closed");
  await page.fill("#tail-prefix", "bench.");
  await page.click("#tail-toggle");
  await page.waitForSelector("#tail-lines li.event", { timeout: 20_000 });
  const open = await phase("tail open on bench.");
  const tailRate = Number((await page.getAttribute("#tail-status", "data-rate")) ?? 0);
  const tailCpu = Number(/tail [\d.kM]+ events\/s, ([\d.]+)% CPU/.exec(open.health)?.[1] ?? Number.NaN);
  const stopped = /stopped/.test((await page.textContent("#tail-status")) ?? "") ? 1 : 0;
  await browser.close();
  for (const c of [pub, sk, con, fl, broker]) c.kill();
  console.log(
    `RESULT console nodes=${nodes} page_cpu_pct=${closed.pagePct.toFixed(1)} page_cpu_tail_pct=${open.pagePct.toFixed(1)} server_cpu_pct=${closed.serverPct.toFixed(1)} server_cpu_tail_pct=${open.serverPct.toFixed(1)} ` +
      `cluster_rate=${Math.round(closed.sinkRate)} cluster_rate_tail=${Math.round(open.sinkRate)} tail_rate=${Math.round(tailRate)} tail_thread_cpu_pct=${tailCpu} tail_stopped=${stopped}`,
  );
  process.exit(0);
}

// The load and fleet roles run this file as their own processes.
if (process.argv[1] === SELF) void main(process.argv.slice(2));
