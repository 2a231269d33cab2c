// `npm run bench -- fanout [--rounds R]`: one publisher to 1, 10 and 50 subscribers through the TS
// broker (src/cluster/broker.ts, own process) and through libzmq's zmq_proxy (bench/native/proxy.c),
// alternated in the same run. Publisher and subscribers are the C libzmq programs of bench/native
// (lossless: XPUB_NODROP on the publisher and on both brokers' XPUB), so the brokers are all that
// differs. Each subscriber subscribes to a different prefix of the one topic, so the publisher can
// wait until every subscription has arrived before it sends. Measured: the median per-subscriber
// rate (first to last message), the slowest subscriber, and the broker's CPU per delivered message.
// Ends with RESULT fanout ts_s1 ts_s10 ts_s50 c_s1 c_s10 c_s50 (median per-subscriber msgs/s) and
// the brokers' CPU ns per delivery at 50 subscribers.
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Broker } from "../src/cluster/broker.js";
import { buildNative, cpuSeconds, median, start, type Child } from "./harness.js";

const RUN = join(dirname(fileURLToPath(import.meta.url)), "run.js");
const TOPIC = "zeek/fanout/" + "t".repeat(60);
const PAYLOAD_BYTES = 64;
const SUBSCRIBERS = [1, 10, 50];
/** Messages per run: total deliveries stay near 4M (2 cores: the subscribers share them). */
const messages = (k: number): number => Math.min(200_000, Math.floor(4_000_000 / k));

type Kind = "ts" | "c";

async function roleBroker(): Promise<void> {
  const b = new Broker({ listenXsubEndpoint: "tcp://127.0.0.1:0", listenXpubEndpoint: "tcp://127.0.0.1:0" });
  const ep = await b.start();
  process.stdout.write(`frontend ${ep.xsub}\nbackend ${ep.xpub}\n`);
}

interface Run {
  perSub: number;
  slowest: number;
  brokerNsPerDelivery: number;
}

async function run(kind: Kind, bin: string, k: number): Promise<Run> {
  const b = kind === "ts" ? start(process.execPath, [RUN, "fanout", "--role", "broker"]) : start(join(bin, "proxy"), ["tcp://127.0.0.1:*", "tcp://127.0.0.1:*"]);
  const subs: Child[] = [];
  let pub: Child | undefined;
  try {
    const xsub = (await b.line("frontend ")).replace("0.0.0.0", "127.0.0.1");
    const xpub = (await b.line("backend ")).replace("0.0.0.0", "127.0.0.1");
    const n = messages(k);
    for (let i = 0; i < k; i++) subs.push(start(join(bin, "sub"), [xpub, String(n), TOPIC.slice(0, TOPIC.length - i)]));
    await Promise.all(subs.map((s) => s.line("ready")));
    pub = start(join(bin, "pub"), [xsub, String(n), TOPIC, String(PAYLOAD_BYTES), String(k)]);
    await pub.line("subscribed");
    const cpu0 = cpuSeconds(b.pid);
    const rates = (await Promise.all(subs.map((s) => s.line("rate ")))).map(Number);
    const cpu = cpuSeconds(b.pid) - cpu0;
    await pub.line("rate ");
    return { perSub: median(rates), slowest: Math.min(...rates), brokerNsPerDelivery: (cpu * 1e9) / (n * k) };
  } finally {
    pub?.kill();
    for (const s of subs) s.kill();
    b.kill();
  }
}

export async function main(args: string[]): Promise<void> {
  if (args[0] === "--role") return roleBroker();
  const rounds = args[0] === "--rounds" ? Number(args[1]) : 3;
  // Its own directory: pub takes a fifth argument that older builds elsewhere may lack.
  const bin = buildNative(join(tmpdir(), `zeek-zmq-bench-fanout-${process.pid}`));
  const res: Record<string, Run[]> = {};
  for (let r = 0; r < rounds; r++)
    for (const k of SUBSCRIBERS)
      for (const kind of ["ts", "c"] as const) {
        const x = await run(kind, bin, k);
        (res[`${kind}${k}`] ??= []).push(x);
        console.log(`round ${r + 1}, ${kind === "ts" ? "TS broker" : "zmq_proxy"}, ${k} subscriber(s): ${Math.round(x.perSub).toLocaleString("en-US")} msgs/s per subscriber (slowest ${Math.round(x.slowest).toLocaleString("en-US")}), broker ${x.brokerNsPerDelivery.toFixed(0)} ns CPU per delivery`);
      }
  const m = (key: string, f: (x: Run) => number): number => median(res[key]!.map(f));
  console.log("| subscribers | TS broker msgs/s per sub | zmq_proxy msgs/s per sub | TS/C | TS broker ns CPU/delivery | zmq_proxy ns CPU/delivery |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const k of SUBSCRIBERS) {
    const ts = m(`ts${k}`, (x) => x.perSub);
    const c = m(`c${k}`, (x) => x.perSub);
    console.log(`| ${k} | ${Math.round(ts).toLocaleString("en-US")} | ${Math.round(c).toLocaleString("en-US")} | ${(ts / c).toFixed(2)} | ${m(`ts${k}`, (x) => x.brokerNsPerDelivery).toFixed(0)} | ${m(`c${k}`, (x) => x.brokerNsPerDelivery).toFixed(0)} |`);
  }
  const kv = SUBSCRIBERS.flatMap((k) => [`ts_s${k}=${Math.round(m(`ts${k}`, (x) => x.perSub))}`]).concat(SUBSCRIBERS.map((k) => `c_s${k}=${Math.round(m(`c${k}`, (x) => x.perSub))}`));
  console.log(`RESULT fanout ${kv.join(" ")} ts_ns_per_delivery_s50=${m("ts50", (x) => x.brokerNsPerDelivery).toFixed(0)} c_ns_per_delivery_s50=${m("c50", (x) => x.brokerNsPerDelivery).toFixed(0)}`);
}
