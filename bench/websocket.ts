// `npm run bench -- websocket [--rounds R] [--n N] [--pings P]`: Zeek's WebSocket API
// (src/websocket) between processes on a 2-core VM: a TS broker, a hosting node with the
// WebSocket server (every client its own backend, as in Zeek), a sink node, and this process
// with the WebSocket clients (the `ws` package) and the fan-out publisher.
//   in         one client -> host -> broker -> sink node: `Bench::event(s, c, a, t)` data
//              messages, typed against the host's declaration, counted by the sink's handler;
//              lossless (the client waits while its socket buffer is full; the host stalls it
//              rather than drop). Rate: the sink's, first to last event.
//   fanout K   a node publishes to a topic K clients subscribed to (K = 1, 10, 100): each event
//              reaches the host K times (one backend per client), is rendered once (shared
//              cache) and sent K times. Rate per client: events / time until every client has
//              all; the publisher keeps at most 2,000 events ahead of the slowest client.
//   ping-pong  client -> host backend -> broker -> host node (handler) -> broker -> backend ->
//              client: serial round trips, p50/p99 of 10,000 after 2,000 warm-up ones.
//   CPU        each process's CPU per event and utilisation (CPU s / wall s) in each phase:
//              a process near 1.0 is what limits that figure.
// Ends with `RESULT websocket in=<ev/s> fanout100=<ev/s per client> p50_us=<us> p99_us=<us>`.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { ClusterNode } from "../src/cluster/node.js";
import { Broker } from "../src/cluster/broker.js";
import { defineEvent } from "../src/codec/broker/typed.js";
import { z } from "../src/codec/broker/types.js";
import { cpuSeconds, median, start, type Child } from "./harness.js";

const HERE = fileURLToPath(import.meta.url);
const EVENT = defineEvent("Bench::event", [z.string, z.count, z.addr, z.time], ["s", "c", "a", "t"]);
const PING = defineEvent("Bench::ping", [z.count], ["n"]);
const PONG = defineEvent("Bench::pong", [z.count], ["n"]);
const IN_TOPIC = "bench.in";
const OUT_TOPIC = "bench.out";
const WINDOW = 2000;
const WARM_ROUND_TRIPS = 2000;
const LOGS = mkdtempSync(join(tmpdir(), "zeek-zmq-bench-ws-"));

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
const endpoints = (xsub: string, xpub: string) => ({ connectXpubEndpoint: xsub, connectXsubEndpoint: xpub });

/** A client's data message, as a browser would build it (Broker JSON v1). */
function eventText(i: number): string {
  return (
    `{"type":"data-message","topic":"${IN_TOPIC}","@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1},` +
    `{"@data-type":"vector","data":[{"@data-type":"string","data":"Bench::event"},{"@data-type":"vector","data":[{"@data-type":"string","data":"conn-established"},` +
    `{"@data-type":"count","data":${i}},{"@data-type":"address","data":"192.168.1.100"},{"@data-type":"timestamp","data":"2023-11-14T22:13:20.123"}]}]}]}`
  );
}
function pingText(n: number): string {
  return `{"type":"data-message","topic":"bench.ping","@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1},{"@data-type":"vector","data":[{"@data-type":"string","data":"Bench::ping"},{"@data-type":"vector","data":[{"@data-type":"count","data":${n}}]}]}]}`;
}

// ---- child roles ---------------------------------------------------------------------------

async function roleBroker(): Promise<void> {
  const b = new Broker({ listenXsubEndpoint: "tcp://127.0.0.1:0", listenXpubEndpoint: "tcp://127.0.0.1:0" });
  const ep = await b.start();
  say(`endpoints ${ep.xsub} ${ep.xpub}`);
}

/** The hosting node: answers Bench::ping with Bench::pong, serves the WebSocket API. */
async function roleHost(xsub: string, xpub: string): Promise<void> {
  const node = new ClusterNode({ name: "host", options: endpoints(xsub, xpub), logging: { dir: LOGS } });
  node.on(PING, (n) => void node.publish("bench.pong", PONG, [n]));
  await node.start();
  node.subscribe("bench.ping");
  await node.ready();
  const server = await node.listenWebsocket({ listenPort: 0, events: [EVENT, PONG] as never[], maxClients: 250 });
  say(`url ${server.url}`);
  if (process.env.WSDBG) {
    let elu = performance.eventLoopUtilization();
    setInterval(() => {
      const e = performance.eventLoopUtilization(elu);
      elu = performance.eventLoopUtilization();
      process.stderr.write(`host elu ${e.utilization.toFixed(2)} ${node.registry.render().split("\n").filter((l) => /^zeek_cluster_websocket_out|blocks_total/.test(l)).join(" ")}\n`);
    }, 500).unref();
  }
}

/** Counts Bench::event on IN_TOPIC; prints the rate once `n` arrived, then starts over. */
async function roleSink(xsub: string, xpub: string, n: string): Promise<void> {
  const total = Number(n);
  const node = new ClusterNode({ name: "sink", options: { ...endpoints(xsub, xpub), onloopQueueHwm: 0 }, logging: { dir: LOGS } });
  let count = 0;
  let t0 = 0;
  node.on(EVENT, () => {
    if (++count === 1) t0 = performance.now();
    else if (count === total) {
      say(`rate ${Math.round(((total - 1) / (performance.now() - t0)) * 1000)}`);
      count = 0;
    }
  });
  await node.start();
  node.subscribe(IN_TOPIC);
  await node.ready();
  say("ready");
}

const ROLES: Record<string, (...a: string[]) => Promise<void>> = { broker: roleBroker, host: roleHost, sink: roleSink };

// ---- measurements (this process: clients and the fan-out publisher) ---------------------------

const role = (name: string, ...args: (string | number)[]): Child => start(process.execPath, [HERE, "--role", name, ...args.map(String)]);

class Procs {
  constructor(readonly list: { name: string; child: Child }[]) {}
  cpu(): number[] {
    return [...this.list.map((p) => cpuSeconds(p.child.pid)), process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6];
  }

  get names(): string[] {
    return [...this.list.map((p) => p.name), "clients"];
  }
}

interface Phase {
  rate: number;
  /** CPU µs per event and utilisation per process (Procs order, then this process). */
  cpuUs: number[];
  util: number[];
}

function phase(procs: Procs, events: number, wallS: number, cpu0: number[], rate: number): Phase {
  const cpu1 = procs.cpu();
  const d = cpu1.map((c, i) => c - cpu0[i]!);
  return { rate, cpuUs: d.map((x) => (x * 1e6) / events), util: d.map((x) => x / wallS) };
}

async function openClient(url: string, topics: string[]): Promise<{ ws: WebSocket; received: () => number; waitMessage: () => Promise<Buffer> }> {
  const ws = new WebSocket(url);
  await new Promise((r, j) => (ws.once("open", r), ws.once("error", j)));
  let count = -1; // the ack is not counted
  let waiter: ((b: Buffer) => void) | undefined;
  let acked!: () => void;
  const ack = new Promise<void>((r) => (acked = r));
  ws.on("message", (b: Buffer) => {
    if (count++ === -1) return acked();
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w(b);
    }
  });
  ws.send(JSON.stringify(topics));
  await ack;
  return { ws, received: () => count, waitMessage: () => new Promise<Buffer>((r) => (waiter = r)) };
}

/** Waits while the client's socket buffer is full (the host reads slower, or stalls it). */
async function room(ws: WebSocket): Promise<void> {
  while (ws.bufferedAmount > 1 << 20) await new Promise((r) => setTimeout(r, 1));
}

async function measureIn(url: string, sink: Child, procs: Procs, n: number): Promise<Phase> {
  const c = await openClient(url, []);
  const cpu0 = procs.cpu();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    c.ws.send(eventText(i));
    if ((i & 1023) === 1023) await room(c.ws);
  }
  const rate = Number(await sink.line("rate"));
  const p = phase(procs, n, (performance.now() - t0) / 1000, cpu0, rate);
  c.ws.close();
  return p;
}

async function measureFanout(url: string, pub: ClusterNode, procs: Procs, k: number, m: number): Promise<Phase> {
  const clients = await Promise.all(Array.from({ length: k }, () => openClient(url, [OUT_TOPIC])));
  const slowest = () => clients.reduce((lo, c) => Math.min(lo, c.received()), Infinity);
  const args = ["conn-established", 0n, "192.168.1.100", 1700000000.123456] as [string, bigint, string, number];
  const cpu0 = procs.cpu();
  const t0 = performance.now();
  let sent = 0;
  while (sent < m) {
    if (sent - slowest() >= WINDOW) {
      await new Promise((r) => setImmediate(r));
      continue;
    }
    args[1] = BigInt(sent);
    if (pub.publish(OUT_TOPIC, EVENT, args)) sent++;
    else await new Promise<void>((r) => pub.once("drain", () => r()));
  }
  while (slowest() < m) await new Promise((r) => setTimeout(r, 1));
  const wall = (performance.now() - t0) / 1000;
  const p = phase(procs, m * k, wall, cpu0, m / wall);
  for (const c of clients) c.ws.close();
  return p;
}

async function measurePingPong(url: string, pings: number): Promise<[number, number]> {
  const c = await openClient(url, ["bench.pong"]);
  const rtts: number[] = [];
  for (let i = 0; i < WARM_ROUND_TRIPS + pings; i++) {
    const t0 = process.hrtime.bigint();
    const reply = c.waitMessage();
    c.ws.send(pingText(i));
    await reply;
    if (i >= WARM_ROUND_TRIPS) rtts.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  c.ws.close();
  rtts.sort((a, b) => a - b);
  return [Math.round(rtts[Math.floor(rtts.length * 0.5)]!), Math.round(rtts[Math.floor(rtts.length * 0.99)]!)];
}

export async function main(args: string[]): Promise<void> {
  const opt = (name: string, dflt: number): number => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const rounds = opt("--rounds", 3);
  const n = opt("--n", 300_000);
  const pings = opt("--pings", 10_000);
  const fanouts: [number, number][] = [
    [1, 100_000],
    [10, 30_000],
    [100, 5_000],
  ];
  console.log(`websocket bench: ${rounds} rounds; in: ${fmt(n)} Bench::event(s, c, a, t) data messages; fan-out 1/10/100 clients x ${fanouts.map(([, m]) => fmt(m)).join("/")} events; ${fmt(pings)} round trips after ${fmt(WARM_ROUND_TRIPS)}; node ${process.version}`);
  const broker = role("broker");
  const [xsub, xpub] = (await broker.line("endpoints")).split(" ") as [string, string];
  const host = role("host", xsub, xpub);
  const url = await host.line("url");
  const sink = role("sink", xsub, xpub, n);
  await sink.line("ready");
  const pub = new ClusterNode({ name: "pub", options: endpoints(xsub, xpub), logging: { dir: LOGS } });
  await pub.start();
  const procs = new Procs([
    { name: "host", child: host },
    { name: "broker", child: broker },
    { name: "sink", child: sink },
  ]);
  const rows: Record<string, Phase[]> = {};
  const add = (k: string, p: Phase): void => void (rows[k] ??= []).push(p);
  const p50s: number[] = [];
  const p99s: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      add("in", await measureIn(url, sink, procs, n));
      for (const [k, m] of fanouts) add(`fanout${k}`, await measureFanout(url, pub, procs, k, m));
      const [p50, p99] = await measurePingPong(url, pings);
      p50s.push(p50);
      p99s.push(p99);
      console.log(`round ${r + 1}: in ${fmt(rows["in"]![r]!.rate)}/s; fan-out per client ${fanouts.map(([k]) => `${k}: ${fmt(rows[`fanout${k}`]![r]!.rate)}`).join(", ")} /s; ping-pong p50/p99 ${p50}/${p99} us`);
    }
  } finally {
    await pub.close();
    for (const c of [sink, host, broker]) c.kill();
  }
  const med = (k: string, f: (p: Phase) => number): number => median(rows[k]!.map(f));
  console.log("");
  console.log(`| measurement (median of ${rounds}) | rate | CPU µs per event: ${procs.names.join(", ")} | utilisation (CPU s / wall s): ${procs.names.join(", ")} |`);
  console.log("| --- | ---: | --- | --- |");
  for (const k of ["in", ...fanouts.map(([f]) => `fanout${f}`)]) {
    const cpu = procs.names.map((_, i) => med(k, (p) => p.cpuUs[i]!).toFixed(2)).join(", ");
    const util = procs.names.map((_, i) => med(k, (p) => p.util[i]!).toFixed(2)).join(", ");
    console.log(`| ${k === "in" ? "in: events/s, one client into the cluster" : `${k}: events/s per client (${k.slice(6)} clients; CPU per delivered event)`} | ${fmt(med(k, (p) => p.rate))} | ${cpu} | ${util} |`);
  }
  const p50 = median(p50s);
  const p99 = median(p99s);
  console.log(`| ping-pong client -> node -> client, µs | p50 ${p50} / p99 ${p99} | | |`);
  console.log("");
  const inRate = med("in", (p) => p.rate);
  console.log(`in ${fmt(inRate)}/s (target >= 100,000); ping-pong p50 ${p50} us (target <= 300)`);
  console.log(`RESULT websocket in=${Math.round(inRate)} fanout100=${Math.round(med("fanout100", (p) => p.rate))} p50_us=${p50} p99_us=${p99}`);
}

if (process.argv[2] === "--role") {
  const fn = ROLES[process.argv[3]!];
  if (!fn) throw new Error(`unknown role ${process.argv[3]}`);
  await fn(...process.argv.slice(4));
}
