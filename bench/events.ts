// `npm run bench -- events [--rounds R] [--n N] [--pings P]` (`events fanout`: fanout.ts): Zeek events end to end between
// node processes. Every role runs in its own process (2-core VM: publisher, broker and subscriber
// share the two cores, as a Zeek worker, the manager's proxy thread and the manager would).
//   e2e       ClusterNode publisher -> broker -> ClusterNode subscriber, `bench(s, c, a, t)`
//             decoded and its handler called. Lossless: the subscriber's onloop_queue_hwm is 0 and
//             the publisher retries a refused publish() on "drain" (xpub_sndhwm 1000);
//             the rate is the subscriber's, first to N-th handler call.
//   C pair    bench/native pub -> broker -> bench/native sub (libzmq3-dev), same message size.
//   brokers   TS broker (src/cluster/broker.ts, own process) and C zmq_proxy (bench/native/proxy.c).
//   CPU       µs of CPU per event of each role during the e2e runs (process.cpuUsage, /proc).
//   ping-pong serial round trips node A -> broker -> node B -> broker -> node A: 10,000 measured
//             after 10,000 warm-up ones (JIT); the first 10,000 are reported too ("cold"). The
//             same with bench/native/pingpong (C libzmq nodes) through the same broker.
//   idle RSS  a started node with a 3-node layout, after 1 s idle.
// Ends with `RESULT events e2e=... p50_us=... p99_us=... c_proxy=... rss_mb=...`.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "../src/codec/broker/types.js";
import { defineEvent } from "../src/codec/broker/typed.js";
import { Broker } from "../src/cluster/broker.js";
import { layoutFromObject } from "../src/cluster/layout.js";
import { ClusterNode } from "../src/cluster/node.js";
import { buildNative, cpuSeconds, median, start, type Child } from "./harness.js";

const HERE = fileURLToPath(import.meta.url);
const BENCH = defineEvent("bench", [z.string, z.count, z.addr, z.time], ["s", "c", "a", "t"]);
const PING = defineEvent("Bench::ping", [z.count], ["n"]);
const PONG = defineEvent("Bench::pong", [z.count], ["n"]);
const TOPIC = "zeek.cluster.worker";
const ARGS = ["conn-established", 0n, "192.168.1.100", 1700000000.123456] as [string, bigint, string, number];
const PAYLOAD_BYTES = BENCH.encode(ARGS).length;

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const cpuUs = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return d.user + d.system;
};
/** Round trips before the measured ones: enough for V8 to have optimised the hot paths of all three processes. */
const WARM_ROUND_TRIPS = 10_000;
const endpoints = (xsub: string, xpub: string) => ({ connectXpubEndpoint: xsub, connectXsubEndpoint: xpub });

// ---- child roles ---------------------------------------------------------------------------

async function roleBroker(): Promise<void> {
  const b = new Broker({ listenXsubEndpoint: "tcp://127.0.0.1:0", listenXpubEndpoint: "tcp://127.0.0.1:0" });
  const ep = await b.start();
  say(`frontend ${ep.xsub}`);
  say(`backend ${ep.xpub}`);
}

async function roleSub(xsub: string, xpub: string, n: number): Promise<void> {
  const node = new ClusterNode({ name: "sub", options: { ...endpoints(xsub, xpub), onloopQueueHwm: 0 } });
  let count = 0;
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  node.on(BENCH, () => {
    if (++count === 1) {
      t0 = performance.now();
      cpu0 = process.cpuUsage();
    } else if (count === n) finish();
  });
  await node.start();
  node.subscribe(TOPIC);
  await node.ready();
  say("ready");
  await done;
  say(`rate ${Math.round(((n - 1) / (performance.now() - t0)) * 1000)} cpu_us ${(cpuUs(cpu0) / (n - 1)).toFixed(3)}`);
  await node.close();
}

async function rolePub(xsub: string, xpub: string, n: number): Promise<void> {
  // linger -1: close() waits until everything queued is sent (the subscriber counts all n).
  const node = new ClusterNode({ name: "pub", options: { ...endpoints(xsub, xpub), lingerMs: -1 } });
  node.on("reporter_warning", () => undefined); // refusals at the HWM are expected here, and retried
  await node.start(); // ready to publish: the subscriber's subscription has arrived
  say("subscribed");
  const args = [...ARGS] as typeof ARGS;
  let i = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await new Promise<void>((done) => {
    const pump = (): void => {
      for (; i < n; i++) {
        args[1] = BigInt(i);
        if (!node.publish(TOPIC, BENCH, args)) return void node.once("drain", pump); // at xpub_sndhwm: retry when there is room
      }
      done();
    };
    pump();
  });
  say(`rate ${Math.round((n / (performance.now() - t0)) * 1000)} refusals ${node.metrics.xpubDrops.value} cpu_us ${(cpuUs(cpu0) / n).toFixed(3)}`);
  await node.close(); // linger: flushes what is queued
}

/** Node B of the ping-pong: answers Bench::ping(n) with Bench::pong(n). */
async function rolePonger(xsub: string, xpub: string): Promise<void> {
  const node = new ClusterNode({ name: "b", options: endpoints(xsub, xpub) });
  node.on(PING, (n) => void node.publish("zeek.bench.a", PONG, [n]));
  await node.start();
  node.subscribe("zeek.bench.b");
  await node.ready();
  say("ready");
}

/** Node A: WARM_ROUND_TRIPS + `rounds` serial round trips; prints p50/p99 (µs) of the measured ones, then of the first `rounds`. */
async function rolePinger(xsub: string, xpub: string, rounds: number): Promise<void> {
  const node = new ClusterNode({ name: "a", options: endpoints(xsub, xpub) });
  const total = WARM_ROUND_TRIPS + rounds;
  const rtt = new Float64Array(total);
  let t = 0n;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  node.on(PONG, (n) => {
    const i = Number(n);
    rtt[i] = Number(process.hrtime.bigint() - t) / 1000;
    if (i + 1 === total) return finish();
    t = process.hrtime.bigint();
    node.publish("zeek.bench.b", PING, [BigInt(i + 1)]);
  });
  await node.start();
  node.subscribe("zeek.bench.a");
  await node.ready(); // our subscription is at the broker, B's has reached our XPUB
  t = process.hrtime.bigint();
  node.publish("zeek.bench.b", PING, [0n]);
  await done;
  const pct = (xs: Float64Array): string => {
    xs.sort();
    return `${xs[Math.floor(xs.length * 0.5)]!.toFixed(1)} ${xs[Math.floor(xs.length * 0.99)]!.toFixed(1)}`;
  };
  say(`rtt ${pct(rtt.slice(WARM_ROUND_TRIPS))} ${pct(rtt.slice(0, rounds))}`);
  await node.close();
}

/** A worker of a 3-node layout, started and idle. */
async function roleIdle(xsub: string, xpub: string): Promise<void> {
  const layout = layoutFromObject({ nodes: { manager: { type: "manager" }, "worker-1": { type: "worker" }, "worker-2": { type: "worker" } } }, "bench");
  const node = new ClusterNode({ name: "worker-1", layout, options: endpoints(xsub, xpub) });
  await node.start();
  await new Promise((r) => setTimeout(r, 1000));
  say(`rss ${(process.memoryUsage.rss() / 2 ** 20).toFixed(1)}`);
  await node.close();
}

const ROLES: Record<string, (...a: string[]) => Promise<void>> = {
  broker: roleBroker,
  sub: (x, p, n) => roleSub(x!, p!, Number(n)),
  pub: (x, p, n) => rolePub(x!, p!, Number(n)),
  ponger: (x, p) => rolePonger(x!, p!),
  pinger: (x, p, n) => rolePinger(x!, p!, Number(n)),
  idle: (x, p) => roleIdle(x!, p!),
};

// ---- orchestration -------------------------------------------------------------------------

const role = (name: string, ...args: (string | number)[]): Child => start(process.execPath, [HERE, "--role", name, ...args.map(String)]);

type BrokerKind = "ts" | "c";

async function withBroker<T>(kind: BrokerKind, bin: string, fn: (xsub: string, xpub: string, brokerPid: number) => Promise<T>): Promise<T> {
  const b = kind === "ts" ? role("broker") : start(join(bin, "proxy"), ["tcp://127.0.0.1:*", "tcp://127.0.0.1:*"]);
  try {
    const xsub = await b.line("frontend ");
    const xpub = await b.line("backend ");
    return await fn(xsub.replace("0.0.0.0", "127.0.0.1"), xpub.replace("0.0.0.0", "127.0.0.1"), b.pid);
  } finally {
    b.kill();
  }
}

interface RunResult {
  rate: number;
  /** CPU µs per event: publisher, broker, subscriber (NaN where not measured: the C ends). */
  cpu: [number, number, number];
}

/** One publisher/subscriber run through a broker: the subscriber's rate and each role's CPU per event. */
async function pubSub(broker: BrokerKind, ends: "ts" | "c", n: number, bin: string): Promise<RunResult> {
  return withBroker(broker, bin, async (xsub, xpub, brokerPid) => {
    const sub = ends === "ts" ? role("sub", xsub, xpub, n) : start(join(bin, "sub"), [xpub, String(n), TOPIC]);
    let pub: Child | undefined;
    try {
      await sub.line("ready");
      pub = ends === "ts" ? role("pub", xsub, xpub, n) : start(join(bin, "pub"), [xsub, String(n), TOPIC, String(PAYLOAD_BYTES)]);
      await pub.line("subscribed");
      const b0 = cpuSeconds(brokerPid);
      const [p, r] = await Promise.race([
        Promise.all([pub.line("rate "), sub.line("rate ")]),
        new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`${broker} broker, ${ends} ends: no rate within 120 s`)), 120_000).unref()),
      ]);
      const brokerUs = ((cpuSeconds(brokerPid) - b0) * 1e6) / n;
      await Promise.all([pub.exited, sub.exited]);
      const cpuOf = (line: string): number => (line.includes("cpu_us ") ? Number(line.split("cpu_us ")[1]) : NaN);
      return { rate: Number(r.split(" ")[0]), cpu: [cpuOf(p), brokerUs, cpuOf(r)] };
    } finally {
      pub?.kill();
      sub.kill();
    }
  });
}

/** p50/p99 µs of measured round trips, then (TS nodes) of the first ones ("cold"). */
async function pingPong(rounds: number, bin: string, broker: BrokerKind, nodes: "ts" | "c"): Promise<number[]> {
  return withBroker(broker, bin, async (xsub, xpub) => {
    const native = (r: string): Child => start(join(bin, "pingpong"), [r, xsub, xpub, String(WARM_ROUND_TRIPS), String(rounds), String(PAYLOAD_BYTES)]);
    const b = nodes === "ts" ? role("ponger", xsub, xpub) : native("pong");
    try {
      await b.line("ready");
      const a = nodes === "ts" ? role("pinger", xsub, xpub, rounds) : native("ping");
      const out = (await a.line("rtt ")).split(" ").map(Number);
      await a.exited;
      return out;
    } finally {
      b.kill();
    }
  });
}

async function idleRss(bin: string): Promise<number> {
  return withBroker("ts", bin, async (xsub, xpub) => {
    const p = role("idle", xsub, xpub);
    const rss = Number(await p.line("rss "));
    await p.exited;
    return rss;
  });
}

const fmt = (x: number): string => Math.round(x).toLocaleString("en-US");

export async function main(args: string[]): Promise<void> {
  // Fan-out (1, 10, 50 subscribers; TS broker vs zmq_proxy) lives in fanout.ts; reachable from here too.
  if (args[0] === "fanout") return (await import("./fanout.js")).main(args.slice(1));
  const opt = (name: string, dflt: number): number => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const rounds = opt("--rounds", 3);
  const n = opt("--n", 1_000_000);
  const pings = opt("--pings", 10_000);
  const bin = buildNative();
  console.log(
    `events bench: ${rounds} rounds, ${fmt(n)} events of ${PAYLOAD_BYTES} payload bytes (bench(s, c, a, t)), ${fmt(pings)} round trips after ${fmt(WARM_ROUND_TRIPS)} warm-up ones, node ${process.version}`,
  );
  const rows: Record<string, number[]> = {};
  const add = (k: string, v: number): void => void (rows[k] ??= []).push(v);
  const m = (k: string): number => median(rows[k]!);
  const us = (x: number): string => x.toFixed(2);
  for (let r = 0; r < rounds; r++) {
    for (const broker of ["ts", "c"] as const) {
      const e2e = await pubSub(broker, "ts", n, bin);
      add(`e2e-${broker}`, e2e.rate);
      e2e.cpu.forEach((c, i) => add(`cpu${i}-${broker}`, c));
      const pair = await pubSub(broker, "c", n, bin);
      add(`pair-${broker}`, pair.rate);
      add(`pairCpu-${broker}`, pair.cpu[1]);
      const [p50, p99, cold50, cold99] = await pingPong(pings, bin, broker, "ts");
      add(`p50-${broker}`, p50!);
      add(`p99-${broker}`, p99!);
      add(`cold50-${broker}`, cold50!);
      add(`cold99-${broker}`, cold99!);
      const [c50, c99] = await pingPong(pings, bin, broker, "c");
      add(`c50-${broker}`, c50!);
      add(`c99-${broker}`, c99!);
    }
    add("rss", await idleRss(bin));
    const last = (k: string): number => rows[k]![r]!;
    console.log(
      `round ${r + 1}: e2e ts-broker ${fmt(last("e2e-ts"))}, c-proxy ${fmt(last("e2e-c"))}; C pair ts-broker ${fmt(last("pair-ts"))}, c-proxy ${fmt(last("pair-c"))} /s; ` +
        `ping-pong p50/p99 ts-broker ${last("p50-ts")}/${last("p99-ts")} (C nodes ${last("c50-ts")}/${last("c99-ts")}), c-proxy ${last("p50-c")}/${last("p99-c")} (C nodes ${last("c50-c")}/${last("c99-c")}) us; idle RSS ${last("rss")} MB`,
    );
  }
  const e2eTs = m("e2e-ts");
  const e2eC = m("e2e-c");
  const e2e = Math.max(e2eTs, e2eC);
  const best: BrokerKind = e2eTs >= e2eC ? "ts" : "c";
  console.log("");
  console.log("| measurement (median) | TS broker | C zmq_proxy |");
  console.log("| --- | ---: | ---: |");
  console.log(`| e2e events/s, ClusterNode -> broker -> ClusterNode, handler called | ${fmt(e2eTs)} | ${fmt(e2eC)} |`);
  console.log(`| C pub -> broker -> C sub, msgs/s | ${fmt(m("pair-ts"))} | ${fmt(m("pair-c"))} |`);
  console.log(`| e2e / C pair | ${(e2eTs / m("pair-ts")).toFixed(2)} | ${(e2eC / m("pair-c")).toFixed(2)} |`);
  console.log(`| e2e CPU µs/event: publisher, broker, subscriber | ${us(m("cpu0-ts"))}, ${us(m("cpu1-ts"))}, ${us(m("cpu2-ts"))} | ${us(m("cpu0-c"))}, ${us(m("cpu1-c"))}, ${us(m("cpu2-c"))} |`);
  console.log(`| C pair: broker CPU µs/msg | ${us(m("pairCpu-ts"))} | ${us(m("pairCpu-c"))} |`);
  console.log(`| ping-pong p50 / p99 µs, ClusterNodes (warm) | ${m("p50-ts")} / ${m("p99-ts")} | ${m("p50-c")} / ${m("p99-c")} |`);
  console.log(`| ping-pong p50 / p99 µs, ClusterNodes, first ${fmt(pings)} (cold) | ${m("cold50-ts")} / ${m("cold99-ts")} | ${m("cold50-c")} / ${m("cold99-c")} |`);
  console.log(`| ping-pong p50 / p99 µs, C libzmq nodes | ${m("c50-ts")} / ${m("c99-ts")} | ${m("c50-c")} / ${m("c99-c")} |`);
  console.log(`idle node RSS: ${m("rss")} MB`);
  console.log("");
  console.log(
    `e2e ${fmt(e2e)}/s (${best} broker): ${(e2e / 106_000).toFixed(2)}x Zeek's 106k (target >= 320,000 = 3x); ${(e2e / m(`pair-${best}`)).toFixed(2)} of the C pair through the same broker (target >= 0.80)`,
  );
  console.log(`ping-pong (TS broker) p50 ${m("p50-ts")} us (target <= 150, Zeek 328), p99 ${m("p99-ts")} us (target <= 300, Zeek 441); idle RSS ${m("rss")} MB (target <= 60, Zeek 78)`);
  console.log(`brokers: TS broker forwards ${fmt(m("pair-ts"))} msgs/s = ${(m("pair-ts") / m("pair-c")).toFixed(2)}x the C zmq_proxy (moonshot >= 1,000,000)`);
  console.log(`RESULT events e2e=${Math.round(e2e)} p50_us=${m("p50-ts")} p99_us=${m("p99-ts")} c_proxy=${Math.round(m("pair-c"))} rss_mb=${m("rss")}`);
}

if (process.argv[2] === "--role") {
  const fn = ROLES[process.argv[3]!];
  if (!fn) throw new Error(`unknown role ${process.argv[3]}`);
  await fn(...process.argv.slice(4));
  if (process.argv[3] !== "broker" && process.argv[3] !== "ponger") process.exit(0);
}
