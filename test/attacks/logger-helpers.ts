// Logger-side pieces of the attack suite: a `zeek-zmq logger` (optionally under descriptor or
// file-size limits set with prlimit), a libzmq PULL stand-in for the reference column, hostile
// log-write messages, and a well-behaved sender whose records must keep reaching the files.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { encodeLogBatch, type LogBatch } from "../../src/codec/zeek-log/index.js";
import { LogSender } from "../../src/logging/sender.js";
import { Proc } from "../harness/proc.js";
import { until } from "../harness/until.js";
import { CLI } from "../paths.js";
import { makeConnLikeBatch } from "../zeek-log/conn-like.js";

export interface LoggerTarget {
  impl: "zeek-zmq" | "libzmq PULL";
  pid: number;
  endpoint: string;
  dir: string;
  metricsUrl?: string;
  proc: Proc;
}

/** `zeek-zmq logger` writing into a fresh directory; `limits` become prlimit flags (e.g. { nofile: 300 }). */
export async function startLogger(t: TestContext, opts: { extra?: string[]; nofile?: number; fsize?: number } = {}): Promise<LoggerTarget> {
  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-attack-logs-"));
  const limits = [...(opts.nofile ? [`--nofile=${opts.nofile}:${opts.nofile}`] : []), ...(opts.fsize ? [`--fsize=${opts.fsize}`] : [])];
  const args = [CLI, "logger", "--listen", "tcp://127.0.0.1:0", "--dir", dir, "--metrics-port", "0", ...(opts.extra ?? [])];
  const proc = limits.length > 0 ? Proc.spawn("prlimit", [...limits, process.execPath, ...args], { label: "zeek-zmq logger", stdin: "ignore", t }) : Proc.spawn(process.execPath, args, { label: "zeek-zmq logger", stdin: "ignore", t });
  const child = proc.child;
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const m = await proc.line(/^metrics on (\S+)$/);
  const l = await proc.line(/^listening on (\S+)$/);
  return { impl: "zeek-zmq", pid: child.pid!, endpoint: l[1]!, dir, metricsUrl: m[1]!, proc };
}

/**
 * The reference column: a libzmq PULL (the zeromq npm package) in a child process that receives
 * every log-write and appends its payload to a file, as a minimal libzmq-based logger would.
 */
export async function startLibzmqPull(t: TestContext): Promise<LoggerTarget> {
  const dir = mkdtempSync(join(tmpdir(), "zeek-zmq-attack-pull-"));
  const script = `
    const zmq = require("zeromq"); const fs = require("fs");
    (async () => {
      const pull = new zmq.Pull({ receiveHighWaterMark: 1000 });
      await pull.bind("tcp://127.0.0.1:*");
      console.log("listening on " + pull.lastEndpoint);
      const fd = fs.openSync(${JSON.stringify(join(dir, "raw.bin"))}, "a");
      for await (const parts of pull) if (parts.length === 4) fs.writeSync(fd, parts[3]);
    })();`;
  const proc = Proc.spawn(process.execPath, ["-e", script], { label: "libzmq PULL", cwd: join(CLI, "../../../.."), stdin: "ignore", t });
  const child = proc.child;
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const l = await proc.line(/^listening on (\S+)$/);
  return { impl: "libzmq PULL", pid: child.pid!, endpoint: l[1]!, dir, proc };
}

/** A log-write message's 4 frames. */
export function logWrite(payload: Uint8Array, sender = "attacker"): Uint8Array[] {
  return [Buffer.from("log-write"), Buffer.from(sender), Buffer.from("zeek-bin-serializer"), payload];
}

/** A 67-byte class of batch: zero fields, declaring `records` records (that take no bytes). */
export function zeroFieldBatch(records: number, path = "empty"): Buffer {
  const b = encodeLogBatch({ stream: "A::LOG", writer: "Log::WRITER_ASCII", filter: "default", path, fields: [], records: [] });
  b.writeUInt32BE(records, b.length - 4);
  return b;
}

/** A conn-like batch of `n` records for `path`. */
export function connBatch(n: number, path: string): Buffer {
  const b: LogBatch = { ...makeConnLikeBatch(n), path };
  return encodeLogBatch(b);
}

/** Data lines (not meta lines) of a TSV log file; 0 if it does not exist. */
export function recordLines(file: string): number {
  try {
    return readFileSync(file, "latin1").split("\n").filter((l) => l !== "" && !l.startsWith("#")).length;
  } catch {
    return 0;
  }
}

/**
 * A well-behaved node: a real LogSender PUSHing `good` batches of 10 conn-like records; check()
 * sends `batches` more and resolves once the logger's good.log holds all of them.
 */
export class GoodSender {
  private sent = 0;
  private constructor(
    private readonly sender: LogSender,
    private readonly file: string,
  ) {}

  static async start(t: TestContext, target: LoggerTarget): Promise<GoodSender> {
    const sender = new LogSender({ nodeId: "good-worker", endpoints: [target.endpoint], linger: 0, report: () => {} });
    t.after(() => void sender.close());
    await new Promise<void>((r) => sender.socket!.once("handshake", () => r()));
    return new GoodSender(sender, join(target.dir, "good.log"));
  }

  async check(batches = 5, ms = 20_000): Promise<void> {
    const payload = connBatch(10, "good");
    for (let i = 0; i < batches; i++) if (this.sender.sendPayload(payload, 10, "good")) this.sent += 10;
    const want = this.sent;
    await until(`good sender's ${want} records in good.log`, () => recordLines(this.file), (n) => n >= want, ms);
  }
}
