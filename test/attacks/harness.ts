// Shared pieces of the attack suite (test/attacks/*.attack.ts, `npm run test:attacks`; the fast
// subset, *.test.ts, runs in `npm test`). An attack starts a real target process (zeek-zmq broker,
// logger or node, or the libzmq reference: zmq_proxy from bench/native/proxy.c, a libzmq PULL),
// attacks it over real TCP with a raw ZMTP peer, and asserts (a) the target's RSS growth stays under
// a bound, (b) a well-behaved pair keeps working during and after, (c) the metric counted it.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import * as zmq from "zeromq";
import { encodeCommand, encodeFrame } from "../../src/transport/frame.js";
import { startBroker, zeekZmq } from "../cli/procs.js";
import { Proc } from "../harness/proc.js";
import { CLI, ROOT } from "../paths.js";
import { NULL_GREETING, READY } from "../transport/raw.js";
import { until, WAIT_MS } from "../harness/until.js";

export { WAIT_MS };

// ---- memory --------------------------------------------------------------------------------

/** Resident and peak resident set size of a process in MB (/proc, Linux). */
export function memory(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
}

// ---- metrics -------------------------------------------------------------------------------

/**
 * Sum of the series of `name` in a Prometheus text page whose labels include every
 * `key="value"` of `labels` (e.g. `{ reason: "subscription-limit" }`); 0 if none.
 */
export async function metric(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(url)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!(line.startsWith(name + "{") || line.startsWith(name + " "))) continue;
    const open = line.indexOf("{");
    const labelText = open > 0 && open < line.indexOf(" ") ? line.slice(open, line.indexOf("}") + 1) : "";
    if (want.every((w) => labelText.includes(w))) sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

// ---- targets -------------------------------------------------------------------------------

export interface BrokerTarget {
  impl: "zeek-zmq" | "zmq_proxy";
  pid: number;
  /** Where node XPUBs (publishers) connect. */
  xsub: string;
  /** Where node XSUBs (subscribers) connect. */
  xpub: string;
  /** Prometheus page (zeek-zmq only). */
  metricsUrl?: string;
  proc: Proc;
}

/** `zeek-zmq broker` on free loopback ports with /metrics; with `nofile`, under that descriptor limit (prlimit). */
export async function startTsBroker(t: TestContext, extra: string[] = [], opts: { nofile?: number } = {}): Promise<BrokerTarget> {
  if (opts.nofile === undefined) {
    const b = await startBroker(t, ["--metrics-port", "0", ...extra]);
    const m = await b.proc.line(/^metrics on (\S+)$/);
    return { impl: "zeek-zmq", pid: b.proc.child.pid!, xsub: b.xsub, xpub: b.xpub, metricsUrl: m[1]!, proc: b.proc };
  }
  const args = ["broker", "--xpub", "tcp://127.0.0.1:0", "--xsub", "tcp://127.0.0.1:0", "--metrics-port", "0", ...extra];
  const proc = spawnLimited(t, opts.nofile, process.execPath, [CLI, ...args], "zeek-zmq broker");
  const ep = await proc.line(/^broker xpub=(\S+) xsub=(\S+)$/);
  const m = await proc.line(/^metrics on (\S+)$/);
  return { impl: "zeek-zmq", pid: proc.child.pid!, xsub: ep[2]!, xpub: ep[1]!, metricsUrl: m[1]!, proc };
}

/** `cmd args` under a descriptor limit of `nofile` (prlimit execs it: the pid is the command's); killed when the test ends. */
export function spawnLimited(t: TestContext, nofile: number, cmd: string, args: string[], label: string): Proc {
  const cwd = mkdtempSync(join(tmpdir(), "zeek-zmq-attack-"));
  const p = Proc.spawn("prlimit", [`--nofile=${nofile}:${nofile}`, "--", cmd, ...args], { label, cwd, stdin: "ignore", t });
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  return p;
}

let nativeDir: string | null | undefined;

/**
 * The libzmq reference programs of bench/native (zmq_proxy as Zeek configures it), built against
 * libzmq3-dev, which is installed with apt-get when missing. Null (with the reason) if impossible.
 */
export function nativeBuild(): { dir: string } | { skip: string } {
  if (nativeDir === undefined) {
    try {
      if (!existsSync("/usr/include/zmq.h")) {
        execFileSync("apt-get", ["install", "-y", "-qq", "libzmq3-dev"], { stdio: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
      }
      const out = join(tmpdir(), "zeek-zmq-attack-native");
      mkdirSync(out, { recursive: true });
      execFileSync("cc", ["-O2", "-o", join(out, "proxy"), join(ROOT, "bench/native/proxy.c"), "-lzmq"], { stdio: "ignore" });
      nativeDir = out;
    } catch {
      nativeDir = null;
    }
  }
  return nativeDir === null ? { skip: "libzmq3-dev is not installed and apt-get could not install it (root and the Debian mirror needed): no zmq_proxy to compare with" } : { dir: nativeDir };
}

/** libzmq's zmq_proxy (bench/native/proxy.c) on free loopback ports; with `nofile`, under that descriptor limit. */
export async function startNativeProxy(t: TestContext, dir: string, opts: { nofile?: number } = {}): Promise<BrokerTarget> {
  const endpoints = ["tcp://127.0.0.1:*", "tcp://127.0.0.1:*"];
  const proc = opts.nofile !== undefined ? spawnLimited(t, opts.nofile, join(dir, "proxy"), endpoints, "zmq_proxy") : Proc.spawn(join(dir, "proxy"), endpoints, { label: "zmq_proxy", stdin: "ignore", t });
  const child = proc.child;
  const front = await proc.line(/^frontend (\S+)$/);
  const back = await proc.line(/^backend (\S+)$/);
  return { impl: "zmq_proxy", pid: child.pid!, xsub: front[1]!, xpub: back[1]!, proc };
}

export { zeekZmq };

// ---- a raw, hostile ZMTP peer ----------------------------------------------------------------

/**
 * A ZMTP 3.1 peer over a plain TCP socket (NULL mechanism) that sends whatever the attack needs:
 * commands, frames, subscriptions, and optionally never reads what the target sends back.
 */
export class ZmtpAttacker {
  /** Bytes the target sent us (counted; kept only with `keep`). */
  received = 0;
  private closedP: Promise<void>;
  private readonly chunks: Buffer[] | null;

  private constructor(
    readonly sock: Socket,
    keep = false,
  ) {
    this.chunks = keep ? [] : null;
    sock.on("data", (d: Buffer) => {
      this.received += d.length;
      this.chunks?.push(d);
    });
    sock.on("error", () => {});
    this.closedP = new Promise((r) => sock.once("close", () => r()));
  }

  /** Everything the target sent (greeting included); only with `keep: true`. */
  bytes(): Buffer {
    if (this.chunks === null) throw new Error("ZmtpAttacker: connect with { keep: true } to keep the bytes");
    return Buffer.concat(this.chunks);
  }

  /** Starts reading again after `read: false`. */
  resume(): void {
    this.sock.resume();
  }

  /**
   * Listens on 127.0.0.1 for one connection from the target (a socket that connects, e.g. an
   * XSUB dialing its publishers) and handshakes as `socketType`; options as connect().
   */
  static async serve(socketType: string, opts: { read?: boolean; keep?: boolean } = {}): Promise<{ endpoint: string; peer: Promise<ZmtpAttacker>; close: () => void }> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const endpoint = `tcp://127.0.0.1:${(server.address() as { port: number }).port}`;
    const peer = new Promise<ZmtpAttacker>((resolve, reject) => {
      server.once("connection", (sock: Socket) => {
        const a = new ZmtpAttacker(sock, opts.keep);
        a.handshake(socketType, endpoint, opts.read).then(() => resolve(a), reject);
      });
    });
    return { endpoint, peer, close: () => server.close() };
  }

  private async handshake(socketType: string, endpoint: string, read?: boolean, ms = WAIT_MS): Promise<void> {
    const sock = this.sock;
    sock.write(NULL_GREETING);
    sock.write(READY(socketType));
    // The target's greeting + READY is at least 64 + 27 bytes.
    await until(`${socketType} handshake with ${endpoint}`, () => this.received, (n) => n >= 64 + 27 || sock.destroyed, ms);
    if (sock.destroyed) throw new Error(`the target closed the connection during the handshake (${endpoint})`);
    if (read === false) sock.pause();
  }

  /**
   * Connects and completes the NULL handshake as `socketType` (e.g. "XSUB" against a broker's
   * XPUB, "XPUB" against its XSUB, "PUSH" against a logger's PULL). With `read: false` the
   * attacker stops reading right after the handshake (the target's writes back up). With
   * `timeoutMs`, gives up (and closes) when connect and handshake take longer: a target that stops
   * accepting leaves SYNs unanswered, which the kernel retries for about two minutes.
   */
  static async connect(endpoint: string, socketType: string, opts: { read?: boolean; keep?: boolean; localAddress?: string; timeoutMs?: number } = {}): Promise<ZmtpAttacker> {
    const m = /^tcp:\/\/\[?([^\]]+)\]?:(\d+)$/.exec(endpoint);
    if (!m) throw new Error(`not a tcp endpoint: ${endpoint}`);
    const ms = opts.timeoutMs ?? WAIT_MS;
    const sock = connect({ host: m[1]!, port: Number(m[2]), ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
    const deadline = setTimeout(() => sock.destroy(new Error(`connect to ${endpoint}: no answer within ${ms} ms`)), ms);
    try {
      await new Promise<void>((res, rej) => sock.once("connect", () => res()).once("error", rej));
      const a = new ZmtpAttacker(sock, opts.keep);
      await a.handshake(socketType, endpoint, opts.read, ms);
      return a;
    } catch (e) {
      sock.destroy();
      throw e;
    } finally {
      clearTimeout(deadline);
    }
  }

  get destroyed(): boolean {
    return this.sock.destroyed;
  }

  /** Resolves when the target (or we) closed the connection. */
  closed(): Promise<void> {
    return this.closedP;
  }

  /** Writes raw bytes; resolves when the kernel took them (or the socket is gone). */
  write(bytes: Uint8Array): Promise<void> {
    if (this.sock.destroyed) return Promise.resolve();
    return new Promise((r) => {
      if (this.sock.write(bytes)) r();
      else {
        const done = (): void => {
          this.sock.off("drain", done);
          this.sock.off("close", done);
          r();
        };
        this.sock.once("drain", done).once("close", done);
      }
    });
  }

  command(name: string, data: Uint8Array = Buffer.alloc(0)): Buffer {
    return encodeCommand(name, data);
  }

  subscribe(topic: Uint8Array | string): Buffer {
    return encodeCommand("SUBSCRIBE", typeof topic === "string" ? Buffer.from(topic) : topic);
  }

  cancel(topic: Uint8Array | string): Buffer {
    return encodeCommand("CANCEL", typeof topic === "string" ? Buffer.from(topic) : topic);
  }

  /** A PING with TTL 0 and the given context. */
  ping(context: Uint8Array = Buffer.alloc(0)): Buffer {
    return encodeCommand("PING", Buffer.concat([Buffer.from([0, 0]), context]));
  }

  /** One message of `frames` (MORE flags set on all but the last). */
  message(frames: readonly Uint8Array[]): Buffer {
    return Buffer.concat(frames.map((f, i) => encodeFrame(f, i < frames.length - 1)));
  }

  /**
   * Writes `count` copies of what `make(i)` returns, in chunks of about `chunkBytes`, waiting
   * for the kernel between chunks (so a target that stops reading stops us too: then the promise
   * resolves once `stallMs` pass without progress). Resolves with the number written.
   */
  async flood(count: number, make: (i: number) => Uint8Array, opts: { chunkBytes?: number; stallMs?: number } = {}): Promise<number> {
    const chunkBytes = opts.chunkBytes ?? 64 * 1024;
    const stallMs = opts.stallMs ?? 2000;
    let i = 0;
    while (i < count && !this.sock.destroyed) {
      const parts: Uint8Array[] = [];
      let size = 0;
      const start = i;
      while (i < count && size < chunkBytes) {
        const b = make(i++);
        parts.push(b);
        size += b.length;
      }
      const wrote = this.write(Buffer.concat(parts));
      const stalled = await Promise.race([wrote.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), stallMs).unref())]);
      if (stalled) return start;
    }
    return i;
  }

  close(): void {
    this.sock.destroy();
  }
}

// ---- reading what a target sent ---------------------------------------------------------------

/** One ZMTP frame of a byte stream (after the 64-byte greeting). */
export interface RawFrame {
  command: boolean;
  more: boolean;
  /** Command name, or "" for a data frame. */
  name: string;
  /** Command data or frame body. */
  body: Buffer;
}

/** The complete frames in `bytes` (a ZMTP stream without its greeting); a partial last frame is left out. */
export function parseFrames(bytes: Buffer): RawFrame[] {
  const out: RawFrame[] = [];
  let p = 0;
  while (p + 2 <= bytes.length) {
    const flags = bytes[p]!;
    const long = (flags & 2) !== 0;
    if (long && p + 9 > bytes.length) break;
    const size = long ? Number(bytes.readBigUInt64BE(p + 1)) : bytes[p + 1]!;
    const start = p + (long ? 9 : 2);
    if (start + size > bytes.length) break;
    const body = bytes.subarray(start, start + size);
    if (flags & 4) {
      const n = body[0]!;
      out.push({ command: true, more: false, name: body.toString("latin1", 1, 1 + n), body: body.subarray(1 + n) });
    } else out.push({ command: false, more: (flags & 1) !== 0, name: "", body });
    p = start + size;
  }
  return out;
}

/**
 * The subscription set a peer ends up with after receiving `bytes` (greeting included): SUBSCRIBE
 * and CANCEL commands and 01/00+topic data frames applied in order, as a set (latin1 topics).
 */
export function subscriptionSet(bytes: Buffer): Set<string> {
  const set = new Set<string>();
  let first = true;
  for (const f of parseFrames(bytes.subarray(64))) {
    const single = first && !f.more;
    if (!f.command) first = !f.more;
    if (f.command && f.name === "SUBSCRIBE") set.add(f.body.toString("latin1"));
    else if (f.command && f.name === "CANCEL") set.delete(f.body.toString("latin1"));
    else if (!f.command && single && f.body.length > 0 && f.body[0]! <= 1) {
      if (f.body[0] === 1) set.add(f.body.toString("latin1", 1));
      else set.delete(f.body.toString("latin1", 1));
    }
  }
  return set;
}

// ---- well-behaved peers --------------------------------------------------------------------

/** A well-behaved pair that proves the target still serves: `check` resolves once `n` fresh messages went through. */
export interface Checkable {
  check(n?: number, ms?: number): Promise<void>;
}

// ---- a well-behaved pub/sub pair through a broker --------------------------------------------

/**
 * A libzmq publisher (connected to the broker's XSUB) and subscriber (connected to its XPUB,
 * subscribed to `topic`). `check()` proves the path works: it publishes until the subscriber has
 * received `n` fresh messages, within the time limit.
 */
export class GoodPair implements Checkable {
  private seq = 0;
  private constructor(
    private readonly pub: zmq.Publisher,
    private readonly sub: zmq.Subscriber,
    private readonly topic: string,
  ) {}

  /** Connects both and waits (at most `ms`) until a first message went through. */
  static async start(t: TestContext, broker: { xsub: string; xpub: string }, topic = "good.pair.", ms = WAIT_MS): Promise<GoodPair> {
    const pub = new zmq.Publisher({ linger: 0 });
    const sub = new zmq.Subscriber({ linger: 0, receiveTimeout: 200 });
    t.after(() => {
      pub.close();
      sub.close();
    });
    pub.connect(broker.xsub);
    sub.connect(broker.xpub);
    sub.subscribe(topic);
    const pair = new GoodPair(pub, sub, topic);
    await pair.check(1, ms);
    return pair;
  }

  /** Resolves once `n` messages published from now on arrived; throws after `ms`. */
  async check(n = 10, ms = WAIT_MS): Promise<void> {
    const first = this.seq;
    const t0 = Date.now();
    let got = 0;
    while (got < n) {
      if (Date.now() - t0 > ms) throw new Error(`well-behaved pair: ${got} of ${n} messages arrived within ${ms} ms`);
      await this.pub.send([this.topic, String(this.seq++)]);
      try {
        for (;;) {
          const [, body] = await this.sub.receive();
          if (Number(body!.toString()) >= first) got++;
          if (got >= n) break;
        }
      } catch (e) {
        if ((e as { code?: string }).code !== "EAGAIN") throw e;
      }
    }
  }
}

// ---- running one attack against one target and measuring it -----------------------------------

export interface AttackResult {
  impl: string;
  /** Target RSS before the attack, MB. */
  rssBeforeMb: number;
  /** Highest RSS seen during and right after the attack (sampled, and VmHWM if it rose), MB. */
  rssMaxMb: number;
  /** RSS once the attack is over (its connections closed), MB. */
  rssAfterMb: number;
  /** rssMaxMb - rssBeforeMb. */
  growthMb: number;
  /** The well-behaved pair delivered during the attack / after it. */
  pairDuring: boolean;
  pairAfter: boolean;
  /** The target process is still running. */
  alive: boolean;
  /** Seconds the attack itself took. */
  seconds: number;
}

/**
 * Runs `attack` against `pid` while a well-behaved `pair` keeps checking, and measures the RSS.
 * Never throws for the pair or the target failing (the libzmq column records that); the caller
 * asserts on the result. `cleanup` (closing the attack's connections) runs before "after".
 */
export async function runAttack(
  t: TestContext,
  row: string,
  target: { impl: string; pid: number; proc?: { child: { exitCode: number | null; signalCode: NodeJS.Signals | null } } },
  pair: Checkable | null,
  attack: () => Promise<unknown>,
  cleanup: () => void | Promise<void> = () => {},
  opts: { pairMs?: number } = {},
): Promise<AttackResult> {
  const pairMs = opts.pairMs ?? 15_000;
  const before = memory(target.pid);
  let max = before.rssMb;
  const sampler = setInterval(() => {
    try {
      max = Math.max(max, memory(target.pid).rssMb);
    } catch {
      // the target exited
    }
  }, 50);
  const t0 = performance.now();
  let attacking = true;
  // During: the pair keeps checking (10 messages at a time) until the attack is over.
  const during = (async () => {
    if (pair === null) return true;
    try {
      do await pair.check(10, pairMs);
      while (attacking);
      return true;
    } catch {
      return false;
    }
  })();
  try {
    await attack();
  } catch (e) {
    clearInterval(sampler);
    attacking = false;
    await during;
    await cleanup();
    throw e;
  } finally {
    attacking = false;
  }
  const seconds = (performance.now() - t0) / 1000;
  const pairDuring = await during;
  await cleanup();
  let alive = target.proc === undefined || (target.proc.child.exitCode === null && target.proc.child.signalCode === null);
  let pairAfter = false;
  if (alive && pair !== null) pairAfter = await pair.check(10, pairMs).then(() => true, () => false);
  clearInterval(sampler);
  alive = target.proc === undefined || (target.proc.child.exitCode === null && target.proc.child.signalCode === null);
  let after = { rssMb: NaN, peakMb: NaN };
  if (alive) {
    after = memory(target.pid);
    if (after.peakMb > before.peakMb) max = Math.max(max, after.peakMb);
    max = Math.max(max, after.rssMb);
  }
  const r: AttackResult = {
    impl: target.impl,
    rssBeforeMb: before.rssMb,
    rssMaxMb: max,
    rssAfterMb: after.rssMb,
    growthMb: max - before.rssMb,
    pairDuring,
    pairAfter,
    alive,
    seconds,
  };
  t.diagnostic(
    `RESULT ${row} impl=${r.impl} rss_before_mb=${r.rssBeforeMb.toFixed(0)} rss_max_mb=${r.rssMaxMb.toFixed(0)} rss_after_mb=${r.rssAfterMb.toFixed(0)} growth_mb=${r.growthMb.toFixed(0)} pair_during=${pairDuring ? "ok" : "broken"} pair_after=${pairAfter ? "ok" : "broken"} alive=${alive} attack_s=${seconds.toFixed(1)}`,
  );
  return r;
}

/** Random bytes as a topic (printable enough not to matter, unique enough never to share a prefix). */
export function randomTopic(len: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(len);
  let x = (seed * 2654435761 + 1) >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = 0x21 + ((x >>> 0) % 94);
  }
  return b;
}

// ---- log receivers: zeek-zmq logger and a libzmq PULL stand-in -------------------------------

export interface PullTarget {
  impl: "zeek-zmq" | "libzmq PULL";
  pid: number;
  endpoint: string;
  metricsUrl?: string;
  proc: Proc;
  /** Messages received so far (libzmq stand-in: from its stdout; zeek-zmq: batches on /metrics). */
  received(): Promise<number>;
}

/** `zeek-zmq logger` on a free loopback port with /metrics, writing into a temporary directory. */
export async function startTsLogger(t: TestContext, extra: string[] = []): Promise<PullTarget> {
  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-attack-logs-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const proc = zeekZmq(t, ["logger", "--listen", "tcp://127.0.0.1:0", "--dir", dir, "--metrics-port", "0", ...extra]);
  const ep = await proc.line(/^listening on (\S+)$/);
  const m = await proc.line(/^metrics on (\S+)$/);
  const metricsUrl = m[1]!;
  return { impl: "zeek-zmq", pid: proc.child.pid!, endpoint: ep[1]!, metricsUrl, proc, received: () => metric(metricsUrl, "zeek_logger_received_batches_total") };
}

const PULL_STANDIN = `
const zmq = require("zeromq");
(async () => {
  const pull = new zmq.Pull({ receiveHighWaterMark: 1000 });
  await pull.bind("tcp://127.0.0.1:*");
  console.log("listening on " + pull.lastEndpoint);
  let n = 0, shown = -1;
  setInterval(() => { if (n !== shown) { shown = n; console.log("received " + n); } }, 20);
  for await (const _ of pull) n++;
})();`;

/** A libzmq PULL (the zeromq package) in a child process: what a logger's socket is in Zeek. */
export async function startNativePull(t: TestContext): Promise<PullTarget> {
  const proc = Proc.spawn(process.execPath, ["-e", PULL_STANDIN], { label: "libzmq PULL", cwd: ROOT, stdin: "ignore", t });
  const child = proc.child;
  const ep = await proc.line(/^listening on (\S+)$/);
  const received = async (): Promise<number> => {
    for (let i = proc.out.length - 1; i >= 0; i--) {
      const m = /^received (\d+)$/.exec(proc.out[i]!);
      if (m) return Number(m[1]);
    }
    return 0;
  };
  return { impl: "libzmq PULL", pid: child.pid!, endpoint: ep[1]!, proc, received };
}

/** The first log-write batch of the real Zeek capture: what a well-behaved sender sends. */
export function logBatch(): Buffer[] {
  const line = readFileSync(join(ROOT, "fixtures/zeek-8.2.2/logs/logs.capture.jsonl"), "utf8")
    .split("\n")
    .find((l) => l.includes('"pull"'))!;
  return (JSON.parse(line) as { parts: string[] }).parts.map((h) => Buffer.from(h, "hex"));
}

/** A libzmq PUSH sending real log batches to a PullTarget; check() waits until they are counted. */
export class GoodSender implements Checkable {
  private constructor(
    private readonly push: zmq.Push,
    private readonly target: PullTarget,
    private readonly batch: Buffer[],
  ) {}

  static async start(t: TestContext, target: PullTarget): Promise<GoodSender> {
    const push = new zmq.Push({ linger: 0, sendTimeout: 2000 });
    t.after(() => push.close());
    push.connect(target.endpoint);
    const s = new GoodSender(push, target, logBatch());
    await s.check(1);
    return s;
  }

  async check(n = 10, ms = WAIT_MS): Promise<void> {
    const t0 = Date.now();
    const base = await this.target.received();
    for (let i = 0; i < n; i++) {
      await this.push.send(this.batch);
    }
    await until(`${n} batches received by ${this.target.impl}`, () => this.target.received(), (v) => v >= base + n, Math.max(1, ms - (Date.now() - t0)));
  }
}
