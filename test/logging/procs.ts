// Child processes for the remote-logging end-to-end tests: a `zeek-zmq logger` and push nodes,
// driven through their stdout lines and stdin commands.
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { CLI, ROOT, TEST_CWD } from "../paths.js";

const WAIT_MS = 15_000;

export class Proc {
  readonly lines: string[] = [];
  stderr = "";
  private waiters: { re: RegExp; from: number; resolve: (m: RegExpExecArray) => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess, readonly label: string) {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      this.lines.push(line);
      this.check();
    });
    child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => child.on("exit", (code) => r(code)));
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      for (let i = w.from; i < this.lines.length; i++) {
        const m = w.re.exec(this.lines[i]!);
        if (m) {
          w.resolve(m);
          return false;
        }
      }
      return true;
    });
  }

  /** The first stdout line from index `from` on matching `re`. */
  waitLine(re: RegExp, from = 0): Promise<RegExpExecArray> {
    return new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`${this.label}: no line matching ${re} within ${WAIT_MS} ms; stdout: ${this.lines.join(" | ")}; stderr: ${this.stderr}`)), WAIT_MS);
      this.waiters.push({ re, from, resolve: (m) => (clearTimeout(timer), res(m)) });
      this.check();
    });
  }

  /** Sends a command line and waits for the answer matching `re`. */
  async command(cmd: string, re: RegExp): Promise<RegExpExecArray> {
    const from = this.lines.length;
    this.child.stdin!.write(cmd + "\n");
    return this.waitLine(re, from);
  }

  /** SIGTERM, then the exit code. */
  async stop(): Promise<number | null> {
    this.child.kill("SIGTERM");
    return this.exited;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}

export interface LoggerProc extends Proc {
  endpoint: string;
  metricsUrl: string;
}

/** Starts `zeek-zmq logger` with metrics on a free port; resolves once it listens. */
export async function startLogger(args: string[]): Promise<LoggerProc> {
  const p = new Proc(spawn(process.execPath, [CLI, "logger", "--metrics-port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"], cwd: TEST_CWD }), "logger") as LoggerProc;
  p.metricsUrl = (await p.waitLine(/^metrics on (\S+)$/))[1]!;
  p.endpoint = (await p.waitLine(/^listening on (\S+)$/))[1]!;
  return p;
}

/** Starts a push node (test/logging/push-node.ts) connected to `endpoints`. */
export function startPushNode(name: string, endpoints: string[], sndhwm = 1000): Proc {
  const script = resolve(ROOT, "dist/test/logging/push-node.js");
  return new Proc(spawn(process.execPath, [script, "--push-node", name, endpoints.join(","), String(sndhwm)], { stdio: ["pipe", "pipe", "pipe"], cwd: TEST_CWD }), name);
}

/** Sum of a metric's series (optionally only those whose labels contain `labels`). */
export async function metric(url: string, name: string, labels = ""): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) continue;
    if (labels !== "" && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

/** Polls a logger's metric until it reaches `want` (no event tells a test when records hit the disk). */
export async function waitMetric(url: string, name: string, want: number, labels = ""): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const v = await metric(url, name, labels);
    if (v >= want) return;
    if (Date.now() - t0 > WAIT_MS) throw new Error(`${name}${labels} stayed at ${v}, expected ${want}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
