// `npm run bench -- transport [--rounds R] [--n N]`: 4-part ~100-byte messages (topic, node id,
// format, payload) through (a) TS XPUB -> TS XSUB directly and (b) a native zmq_proxy
// (XSUB/XPUB, configured like Zeek's) with three publisher/subscriber pairs: TS<->TS, the
// `zeromq` package, and C (libzmq3-dev, built here). Every publisher and subscriber runs in its
// own process; rates are medians over rounds. Ends with one `RESULT transport ...` line.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as zmq from "zeromq";
import { curveKeyPair } from "../src/transport/curve-keys.js";
import { type SocketOptions, XPub, XSub } from "../src/transport/index.js";
import { buildNative, median, start, type Child } from "./harness.js";

const HERE = fileURLToPath(import.meta.url);
const TOPIC = "zeek.cluster.nodeid.worker-1."; // 29 bytes
const PREFIX = "zeek.cluster.";
const NODE = "worker-1-a1b2c3"; // 15
const FORMAT = "broker-bin-v1"; // 13
const PAYLOAD_BYTES = 43; // 29 + 15 + 13 + 43 = 100 bytes per message

const say = (line: string): void => void process.stdout.write(`${line}\n`);

// CURVE variant: keys from the parent (env), XSUB is the server as on Zeek's broker.
const CURVE_ENV = "ZEEK_ZMQ_BENCH_CURVE";
function curveOpts(server: boolean): SocketOptions {
  const raw = process.env[CURVE_ENV];
  if (raw === undefined) return {};
  const k = JSON.parse(raw) as { s: { publicKey: string; secretKey: string }; c: { publicKey: string; secretKey: string } };
  return server
    ? { curve: { server: { secretKey: k.s.secretKey, allowedClients: [k.c.publicKey] } } }
    : { curve: { client: { serverKey: k.s.publicKey, publicKey: k.c.publicKey, secretKey: k.c.secretKey } } };
}

// ---- child roles ---------------------------------------------------------------------------

async function tsSub(endpoint: string, n: number): Promise<void> {
  const xsub = new XSub(curveOpts(true));
  if (endpoint.endsWith(":0")) say(`endpoint ${await xsub.bind(endpoint)}`);
  else xsub.connect(endpoint);
  xsub.send([Buffer.from(`\x01${PREFIX}`)]);
  say("ready");
  let count = 0;
  let t0 = 0;
  await new Promise<void>((done) => {
    const drain = (): void => {
      for (;;) {
        const batch = xsub.receivePacked(1000); // the hot readers' API (ClusterNode, Broker)
        if (batch.length === 0) return;
        if (count === 0) t0 = performance.now();
        count += batch.length;
        if (count >= n) return done();
      }
    };
    xsub.on("readable", drain);
  });
  say(`rate ${Math.round(((n - 1) / (performance.now() - t0)) * 1000)}`);
  await xsub.close();
}

async function tsPub(endpoint: string, n: number): Promise<void> {
  const xpub = new XPub({ noDrop: true, sendHighWaterMark: 1000, linger: -1, ...curveOpts(false) });
  xpub.connect(endpoint);
  await xpub.receiveBatch(1);
  say("subscribed");
  const topic = Buffer.from(TOPIC);
  const node = Buffer.from(NODE);
  const format = Buffer.from(FORMAT);
  const payload = Buffer.alloc(PAYLOAD_BYTES, "p");
  let sent = 0;
  const t0 = performance.now();
  await new Promise<void>((done) => {
    const pump = (): void => {
      while (sent < n) {
        if (!xpub.send([topic, node, format, payload])) {
          xpub.once("drain", pump);
          return;
        }
        sent++;
      }
      done();
    };
    pump();
  });
  say(`rate ${Math.round((n / (performance.now() - t0)) * 1000)}`);
  await xpub.close();
}

async function zmqSub(endpoint: string, n: number): Promise<void> {
  const xsub = new zmq.XSubscriber({ linger: 0 });
  xsub.connect(endpoint);
  await xsub.send(Buffer.from(`\x01${PREFIX}`));
  say("ready");
  await xsub.receive();
  const t0 = performance.now();
  for (let i = 1; i < n; i++) await xsub.receive();
  say(`rate ${Math.round(((n - 1) / (performance.now() - t0)) * 1000)}`);
  xsub.close();
}

async function zmqPub(endpoint: string, n: number): Promise<void> {
  const xpub = new zmq.XPublisher({ noDrop: true, sendHighWaterMark: 1000 });
  xpub.connect(endpoint);
  await xpub.receive();
  say("subscribed");
  const msg = [Buffer.from(TOPIC), Buffer.from(NODE), Buffer.from(FORMAT), Buffer.alloc(PAYLOAD_BYTES, "p")];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    // With noDrop the package rejects with EAGAIN at the HWM instead of waiting: retry next turn.
    for (;;) {
      try {
        await xpub.send(msg);
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== "EAGAIN") throw err;
        await new Promise((r) => setImmediate(r));
      }
    }
  }
  say(`rate ${Math.round((n / (performance.now() - t0)) * 1000)}`);
  // Exiting now would kill libzmq's I/O thread with messages still queued: the parent kills us
  // once the subscriber has them all.
  await new Promise(() => setInterval(() => {}, 1 << 30));
}

const ROLES: Record<string, (endpoint: string, n: number) => Promise<void>> = { tsSub, tsPub, zmqSub, zmqPub };

// ---- orchestration -------------------------------------------------------------------------

/**
 * Node children get a larger young generation (fewer scavenges while batches are in flight); the
 * same flag for the TS and the `zeromq` package roles. Recorded with the results in BENCHMARKS.md.
 */
const NODE_FLAGS = ["--max-semi-space-size=32"];
const role = (name: string, endpoint: string, n: number, env?: NodeJS.ProcessEnv): Child =>
  start(process.execPath, [...NODE_FLAGS, HERE, "--role", name, endpoint, String(n)], env);

/** One publisher/subscriber run; returns [send rate, receive rate]. */
async function pair(sub: Child, pubStart: () => Child, subscribedVia?: Child): Promise<[number, number]> {
  await sub.line("ready");
  const pub = pubStart();
  try {
    await pub.line("subscribed");
    const [s, r] = await Promise.all([pub.line("rate "), sub.line("rate ")]);
    return [Number(s), Number(r)];
  } finally {
    pub.kill();
    sub.kill();
    subscribedVia?.kill();
  }
}

async function direct(n: number, curve = false): Promise<[number, number]> {
  const env = curve ? { [CURVE_ENV]: JSON.stringify({ s: curveKeyPair(), c: curveKeyPair() }) } : undefined;
  const sub = role("tsSub", "tcp://127.0.0.1:0", n, env);
  const ep = await sub.line("endpoint ");
  return pair(sub, () => role("tsPub", ep, n, env));
}

async function viaProxy(kind: "ts" | "zmq" | "c", n: number, bin: string): Promise<[number, number]> {
  const proxy = start(join(bin, "proxy"), ["tcp://127.0.0.1:*", "tcp://127.0.0.1:*"]);
  try {
    const frontend = await proxy.line("frontend ");
    const backend = await proxy.line("backend ");
    const sub =
      kind === "c" ? start(join(bin, "sub"), [backend, String(n), PREFIX]) : role(kind === "ts" ? "tsSub" : "zmqSub", backend, n);
    const pubStart = (): Child =>
      kind === "c" ? start(join(bin, "pub"), [frontend, String(n), TOPIC, String(PAYLOAD_BYTES)]) : role(kind === "ts" ? "tsPub" : "zmqPub", frontend, n);
    return await pair(sub, pubStart);
  } finally {
    proxy.kill();
  }
}

const fmt = (x: number): string => `${Math.round(x).toLocaleString("en-US")}`;

export async function main(args: string[]): Promise<void> {
  const opt = (name: string, dflt: number): number => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const rounds = opt("--rounds", 5);
  const n = opt("--n", 1_000_000);
  const nZmq = Math.max(1000, Math.round(n / 5)); // the zeromq package is ~10x slower; keep its rounds short
  const bin = buildNative();
  console.log(`transport bench: ${rounds} rounds, ${n} msgs (zeromq package: ${nZmq}), 4 parts, 100 bytes/msg, node ${process.version} ${NODE_FLAGS.join(" ")}`);
  const nCurve = Math.max(1000, Math.round(n / 5)); // every frame is a box: ~10x slower than plaintext
  const rows: Record<string, [number, number][]> = { direct: [], curve: [], ts: [], c: [], zmq: [] };
  for (let r = 0; r < rounds; r++) {
    rows.direct!.push(await direct(n));
    rows.curve!.push(await direct(nCurve, true));
    rows.ts!.push(await viaProxy("ts", n, bin));
    rows.c!.push(await viaProxy("c", n, bin));
    rows.zmq!.push(await viaProxy("zmq", nZmq, bin));
    console.log(`round ${r + 1}: ${Object.entries(rows).map(([k, v]) => `${k} send/recv ${fmt(v[r]![0])}/${fmt(v[r]![1])}`).join("; ")}`);
  }
  const med = (k: string, i: 0 | 1): number => median(rows[k]!.map((x) => x[i]));
  const tsSend = med("direct", 0);
  const tsRecv = med("direct", 1);
  const tsProxy = med("ts", 1);
  const cProxy = med("c", 1);
  const zmqProxy = med("zmq", 1);
  console.log("");
  console.log("| measurement (median msgs/s) | send | receive |");
  console.log("| --- | ---: | ---: |");
  console.log(`| (a) TS XPUB -> TS XSUB, direct | ${fmt(tsSend)} | ${fmt(tsRecv)} |`);
  console.log(`| (a) TS XPUB -> TS XSUB, direct, CURVE | ${fmt(med("curve", 0))} | ${fmt(med("curve", 1))} |`);
  console.log(`| (b) TS -> C zmq_proxy -> TS | ${fmt(med("ts", 0))} | ${fmt(tsProxy)} |`);
  console.log(`| (b) C -> C zmq_proxy -> C (libzmq3-dev) | ${fmt(med("c", 0))} | ${fmt(cProxy)} |`);
  console.log(`| (b) zeromq pkg -> C zmq_proxy -> zeromq pkg | ${fmt(med("zmq", 0))} | ${fmt(zmqProxy)} |`);
  console.log("");
  console.log(`ratios: TS/C through proxy = ${(tsProxy / cProxy).toFixed(2)} (target >= 0.90); TS/zeromq through proxy = ${(tsProxy / zmqProxy).toFixed(1)}x (target >= 5x)`);
  console.log(`targets (a): receive ${fmt(tsRecv)} (>= 1,000,000), send ${fmt(tsSend)} (>= 1,500,000)`);
  console.log(`RESULT transport_curve ts_send=${Math.round(med("curve", 0))} ts_recv=${Math.round(med("curve", 1))}`);
  console.log(`RESULT transport ts_send=${Math.round(tsSend)} ts_recv=${Math.round(tsRecv)} ts_proxy=${Math.round(tsProxy)} c_proxy=${Math.round(cProxy)} zeromq_proxy=${Math.round(zmqProxy)}`);
}

if (process.argv[2] === "--role") {
  const fn = ROLES[process.argv[3]!];
  if (!fn) throw new Error(`unknown role ${process.argv[3]}`);
  await fn(process.argv[4]!, Number(process.argv[5]));
  process.exit(0);
}
