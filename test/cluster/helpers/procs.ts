// Child processes for the cluster tests: node and broker processes (node-proc.ts, broker-proc.ts)
// speak JSON lines on stdout and take JSON commands on stdin. Everything binds 127.0.0.1 port 0.
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import type { NodeOptions } from "../../../src/cluster/options.js";
import { ROOT, TEST_CWD } from "../../paths.js";
import { pollUntil } from "../../harness/until.js";

export const WAIT_MS = 15_000;

export type Line = { e: string } & Record<string, unknown>;

/** A child process whose stdout is JSON lines; waits on lines with clear timeout errors. */
export class Proc {
  readonly lines: Line[] = [];
  stderr = "";
  readonly exited: Promise<number | null>;
  private waiters: { pred: (l: Line) => boolean; from: number; resolve: (l: Line) => void }[] = [];

  constructor(
    readonly child: ChildProcess,
    readonly label: string,
  ) {
    createInterface({ input: child.stdout! }).on("line", (text) => {
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        line = { e: "text", text };
      }
      this.lines.push(line);
      this.check();
    });
    child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => child.on("exit", (code) => r(code)));
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      for (let i = w.from; i < this.lines.length; i++)
        if (w.pred(this.lines[i]!)) {
          w.resolve(this.lines[i]!);
          return false;
        }
      return true;
    });
  }

  /** The first line (from index `from` on) with `e === kind` matching `pred`. */
  wait(kind: string, pred: (l: Line) => boolean = () => true, from = 0, ms = WAIT_MS): Promise<Line> {
    return new Promise((res, rej) => {
      const timer = setTimeout(
        () => rej(new Error(`${this.label}: no "${kind}" line as expected within ${ms} ms; stdout: ${this.lines.map((l) => JSON.stringify(l)).join(" | ").slice(-3000)}; stderr: ${this.stderr.slice(-2000)}`)),
        ms,
      );
      const done = (l: Line): void => {
        clearTimeout(timer);
        res(l);
      };
      this.waiters.push({ pred: (l) => l.e === kind && pred(l), from, resolve: done });
      this.check();
      void this.exited.then((code) => {
        if (this.waiters.some((w) => w.resolve === done)) {
          clearTimeout(timer);
          rej(new Error(`${this.label} exited (${code}) before a "${kind}" line; stderr: ${this.stderr.slice(-2000)}`));
        }
      });
    });
  }

  /** Sends a command and waits for the answer line of kind `answer`. */
  async command(cmd: Record<string, unknown>, answer: string, ms = WAIT_MS): Promise<Line> {
    const from = this.lines.length;
    this.child.stdin!.write(JSON.stringify(cmd) + "\n");
    return this.wait(answer, () => true, from, ms);
  }

  all(kind: string): Line[] {
    return this.lines.filter((l) => l.e === kind);
  }

  /** SIGKILL (no-op once exited). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }

  /** Asks the process to close its sockets and exit. */
  async exit(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.stdin!.write(JSON.stringify({ cmd: "exit" }) + "\n");
    return this.exited;
  }
}

/** Stats line of a node-proc. */
export interface NodeStats {
  senders: Record<string, { received: number; last: number; gaps: number }>;
  xpubDrops: number;
  onloopDrops: number;
  onloop: number;
  maxOnloop: number;
  rssMb: number;
  up: Record<string, string>;
}
export const stats = async (p: Proc): Promise<NodeStats> => (await p.command({ cmd: "stats" }, "stats")) as unknown as NodeStats;

const script = (name: string): string => resolve(ROOT, `dist/test/cluster/helpers/${name}.js`);

export interface BrokerProc extends Proc {
  xsub: string;
  xpub: string;
}

/** The TS broker (src/cluster/broker.ts) in its own process. */
export async function startBroker(): Promise<BrokerProc> {
  const p = new Proc(spawn(process.execPath, [script("broker-proc"), "--cluster-broker"], { stdio: ["pipe", "pipe", "pipe"], cwd: TEST_CWD }), "broker") as BrokerProc;
  const l = await p.wait("broker");
  p.xsub = l["xsub"] as string;
  p.xpub = l["xpub"] as string;
  return p;
}

/** Layout entries: [name, type]. */
export type LayoutNodes = [name: string, type: "manager" | "logger" | "proxy" | "worker"][];

export interface NodeProcConfig {
  name: string;
  /** Omit for a node outside any layout (no discovery). */
  layout?: LayoutNodes;
  options?: Partial<NodeOptions>;
  eventFormat?: "broker-bin-v1" | "broker-json-v1";
  /** Extra subscriptions after start. */
  subscribe?: string[];
  /** Each `ping` handler call awaits a timer of this many ms (an async, slow handler). */
  handlerDelayMs?: number;
  /** ... on every n-th call only. @default 1 */
  handlerDelayEvery?: number;
  /** Serve /metrics on a free port. */
  metrics?: boolean;
  /** Publish this many pings to `topic` right after start() resolved, then report and exit. */
  publishOnStart?: { topic: string; n: number };
}

export interface NodeProc extends Proc {
  id: string;
  metricsUrl?: string;
}

/** Starts a cluster node process; resolves once it is ready to publish. */
export async function startNode(cfg: NodeProcConfig, broker: { xsub: string; xpub: string }, nodeFlags: string[] = []): Promise<NodeProc> {
  const full: NodeProcConfig = { ...cfg, options: { connectXpubEndpoint: broker.xsub, connectXsubEndpoint: broker.xpub, ...cfg.options } };
  const child = spawn(process.execPath, [...nodeFlags, script("node-proc"), "--cluster-node", JSON.stringify(full)], { stdio: ["pipe", "pipe", "pipe"], cwd: TEST_CWD });
  const p = new Proc(child, cfg.name) as NodeProc;
  const l = await p.wait("started");
  p.id = l["id"] as string;
  if (typeof l["metrics"] === "string") p.metricsUrl = l["metrics"];
  return p;
}

/** Sum of a metric's series in a Prometheus text page. */
export async function scrape(url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split("\n"))
    if (line.startsWith(name + "{") || line.startsWith(name + " ")) sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  return sum;
}

/** Polls `get` until `ok` holds (for counters, which no event announces); bounded. */
export function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = WAIT_MS): Promise<T> {
  return pollUntil(what, get, ok, ms);
}
