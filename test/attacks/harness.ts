// Shared pieces of the attack suite (test/attacks/*.attack.ts, `npm run test:attacks`; the fast
// subset, *.test.ts, runs in `npm test`). An attack starts a real target process (zeek-zmq broker,
// logger or node, or the libzmq reference: zmq_proxy from bench/native/proxy.c, a libzmq PULL),
// attacks it over real TCP with a raw ZMTP peer, and asserts (a) the target's RSS growth stays under
// a bound, (b) a well-behaved pair keeps working during and after, (c) the metric counted it.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import * as zmq from "zeromq";
import { encodeCommand, encodeFrame } from "../../src/transport/frame.js";
import { CliProc, startBroker, zeekZmq } from "../cli/procs.js";
import { ROOT } from "../paths.js";
import { NULL_GREETING, READY } from "../transport/raw.js";
import { pollUntil } from "../harness/until.js";

export const WAIT_MS = 20_000;

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

/** Polls `get` until `ok` holds; for counters and memory, which no event announces. Bounded. */
export function until<T>(what: string, get: () => T | Promise<T>, ok: (v: T) => boolean, ms = WAIT_MS): Promise<T> {
  return pollUntil(what, get, ok, ms, 25);
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
  proc: CliProc;
}

/** `zeek-zmq broker` on free loopback ports with /metrics. */
export async function startTsBroker(t: TestContext, extra: string[] = []): Promise<BrokerTarget> {
  const b = await startBroker(t, ["--metrics-port", "0", ...extra]);
  const m = await b.proc.line(/^metrics on (\S+)$/);
  return { impl: "zeek-zmq", pid: b.proc.child.pid!, xsub: b.xsub, xpub: b.xpub, metricsUrl: m[1]!, proc: b.proc };
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

/** libzmq's zmq_proxy (bench/native/proxy.c) on free loopback ports. */
export async function startNativeProxy(t: TestContext, dir: string): Promise<BrokerTarget> {
  const child = spawn(join(dir, "proxy"), ["tcp://127.0.0.1:*", "tcp://127.0.0.1:*"], { stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const proc = new CliProc(child, "zmq_proxy");
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
  /** Bytes the target sent us (counted, not kept). */
  received = 0;
  private closedP: Promise<void>;

  private constructor(readonly sock: Socket) {
    sock.on("data", (d: Buffer) => (this.received += d.length));
    sock.on("error", () => {});
    this.closedP = new Promise((r) => sock.once("close", () => r()));
  }

  /**
   * Connects and completes the NULL handshake as `socketType` (e.g. "XSUB" against a broker's
   * XPUB, "XPUB" against its XSUB, "PUSH" against a logger's PULL). With `read: false` the
   * attacker stops reading right after the handshake (the target's writes back up).
   */
  static async connect(endpoint: string, socketType: string, opts: { read?: boolean } = {}): Promise<ZmtpAttacker> {
    const m = /^tcp:\/\/\[?([^\]]+)\]?:(\d+)$/.exec(endpoint);
    if (!m) throw new Error(`not a tcp endpoint: ${endpoint}`);
    const sock = connect({ host: m[1]!, port: Number(m[2]) });
    await new Promise<void>((res, rej) => sock.once("connect", () => res()).once("error", rej));
    const a = new ZmtpAttacker(sock);
    // Greeting, then READY; the target's greeting + READY is at least 64 + 27 bytes.
    sock.write(NULL_GREETING);
    sock.write(READY(socketType));
    await until(`${socketType} handshake with ${endpoint}`, () => a.received, (n) => n >= 64 + 27 || sock.destroyed);
    if (sock.destroyed) throw new Error(`the target closed the connection during the handshake (${endpoint})`);
    if (opts.read === false) sock.pause();
    return a;
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

// ---- a well-behaved pub/sub pair through a broker --------------------------------------------

/**
 * A libzmq publisher (connected to the broker's XSUB) and subscriber (connected to its XPUB,
 * subscribed to `topic`). `check()` proves the path works: it publishes until the subscriber has
 * received `n` fresh messages, within the time limit.
 */
export class GoodPair {
  private seq = 0;
  private constructor(
    private readonly pub: zmq.Publisher,
    private readonly sub: zmq.Subscriber,
    private readonly topic: string,
  ) {}

  static async start(t: TestContext, broker: { xsub: string; xpub: string }, topic = "good.pair."): Promise<GoodPair> {
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
    await pair.check(1);
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
