// Supervision of a cluster's nodes as child processes on this machine (what Zeek's supervisor /
// zeekctl do): one `zeek-zmq node` child per layout entry, manager first so its broker is bound
// before the others connect, restart on crash with capped exponential backoff, clean stop on
// request. Children report their state over the IPC channel `fork` opens (ChildMessage), so
// nothing is scraped from their output; their output lines are passed on as events.
import { type ChildProcess, fork } from "node:child_process";
import { EventEmitter } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { ClusterLayout, NodeType } from "./layout.js";

/** What a `zeek-zmq node` child sends its supervisor. */
export type ChildMessage =
  /** Options resolved; `runsBroker` says whether this node binds the broker (run_proxy_thread). */
  | { type: "starting"; runsBroker: boolean }
  /** The broker is bound; `ephemeral` when it asked for any free port (the others must be told). */
  | { type: "broker"; xpub: string; xsub: string; ephemeral: boolean }
  /** Ready to publish. */
  | { type: "ready"; id: string; metricsUrl?: string }
  /** Periodic and on every node_up/node_down: cumulative counters. */
  | { type: "status"; up: string[]; eventsIn: number; eventsOut: number; drops: number };

export type ChildState = "starting" | "up" | "restarting" | "stopping" | "down";

/** A supervised node as the status view shows it. */
export interface ChildView {
  readonly name: string;
  readonly type: NodeType;
  readonly state: ChildState;
  readonly pid: number | undefined;
  readonly restarts: number;
  /** Names of the other nodes this one sees up (its node_up minus node_down). */
  readonly up: readonly string[];
  /** Events per second over the last status interval. */
  readonly inRate: number;
  readonly outRate: number;
  /** xpub + onloop drops since the child started. */
  readonly drops: number;
  /** Why it last exited, e.g. "exit code 1" or "signal SIGKILL". */
  readonly lastExit: string | undefined;
  /** When the next restart happens (ms epoch), while restarting. */
  readonly restartAt: number | undefined;
  /** The running process's node id and Prometheus URL, once it is ready (for the web console). */
  readonly id: string | undefined;
  readonly metricsUrl: string | undefined;
}

export interface SupervisorEvents {
  /** A child changed: `what` names the change in a few words (state, node_up X, ...). */
  change: [child: ChildView, what: string];
  /** A line a child printed. */
  output: [child: ChildView, stream: "stdout" | "stderr", line: string];
}

export interface SupervisorConfig {
  layout: ClusterLayout;
  /** The layout file the children read (`zeek-zmq node --layout`). */
  layoutPath: string;
  /** `zeek-zmq` entry point (dist/src/cli/main.js). */
  cliPath: string;
  /** Extra arguments for every child (e.g. `--script MODULE`). */
  nodeArgs?: readonly string[];
  /** Each node writes its logs into `<logDir>/<name>/` (like zeekctl's spool/<node>). */
  logDir: string;
  /** First restart delay; doubles per crash up to maxBackoffMs. @default 500 */
  backoffMs?: number;
  /** @default 30000 */
  maxBackoffMs?: number;
  /** A child that ran this long before it crashed is restarted after backoffMs again. @default 10000 */
  stableMs?: number;
  /** SIGTERM to SIGKILL on stop. @default 10000 */
  stopTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

class Child implements ChildView {
  state: ChildState = "down";
  proc: ChildProcess | undefined;
  pid: number | undefined;
  restarts = 0;
  up: string[] = [];
  inRate = 0;
  outRate = 0;
  drops = 0;
  lastExit: string | undefined;
  restartAt: number | undefined;
  id: string | undefined;
  metricsUrl: string | undefined;
  backoff: number;
  startedAt = 0;
  restartTimer: NodeJS.Timeout | undefined;
  killTimer: NodeJS.Timeout | undefined;
  last: { at: number; eventsIn: number; eventsOut: number } | undefined;
  /** Arguments added once the manager reported an ephemeral broker (pinned ports / where to connect). */
  brokerArgs: string[] = [];

  constructor(
    readonly name: string,
    readonly type: NodeType,
    backoff: number,
  ) {
    this.backoff = backoff;
  }
}

export class Supervisor extends EventEmitter<SupervisorEvents> {
  private readonly children: Child[];
  private readonly cfg: Required<Omit<SupervisorConfig, "env">> & { env: NodeJS.ProcessEnv };
  private stopping = false;
  private othersStarted = false;

  constructor(cfg: SupervisorConfig) {
    super();
    this.cfg = { nodeArgs: [], backoffMs: 500, maxBackoffMs: 30_000, stableMs: 10_000, stopTimeoutMs: 10_000, env: process.env, ...cfg };
    // Manager first: it binds the broker the others connect to.
    const nodes = [...cfg.layout.nodes].sort((a, b) => Number(b.type === "manager") - Number(a.type === "manager"));
    this.children = nodes.map((n) => new Child(n.name, n.type, this.cfg.backoffMs));
  }

  /** The children in start order (manager first). */
  get nodes(): readonly ChildView[] {
    return this.children;
  }

  /** Starts the manager; the other nodes follow once it is bound (or says it runs no broker). */
  start(): void {
    for (const c of this.children) if (c.type === "manager") this.spawn(c);
    if (!this.children.some((c) => c.type === "manager")) this.startOthers();
  }

  /** Stops every child (workers first, then the manager); resolves true if all stopped within the timeout. */
  async stop(): Promise<boolean> {
    if (!this.stopping) {
      this.stopping = true;
      for (const c of this.children) {
        clearTimeout(c.restartTimer);
        if (c.state === "restarting") this.setState(c, "down", "down (stopping)");
      }
    }
    let clean = true;
    const others = this.children.filter((c) => c.type !== "manager");
    const managers = this.children.filter((c) => c.type === "manager");
    for (const group of [others, managers]) {
      const results = await Promise.all(group.map((c) => this.stopChild(c)));
      clean &&= results.every(Boolean);
    }
    return clean;
  }

  /** Sends SIGKILL to every running child (a second Ctrl-C). */
  kill(): void {
    for (const c of this.children) if (c.proc && c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill("SIGKILL");
  }

  private startOthers(): void {
    if (this.othersStarted || this.stopping) return;
    this.othersStarted = true;
    for (const c of this.children) if (c.type !== "manager") this.spawn(c);
  }

  private spawn(c: Child): void {
    if (this.stopping) return;
    const args = ["node", "--name", c.name, "--layout", this.cfg.layoutPath, "--log-dir", join(this.cfg.logDir, c.name), ...this.cfg.nodeArgs, ...c.brokerArgs];
    // Own process group: a terminal's Ctrl-C reaches only the supervisor, which stops the nodes
    // in order. A child exits by itself when this process dies (its IPC channel closes).
    const proc = fork(this.cfg.cliPath, args, { stdio: ["ignore", "pipe", "pipe", "ipc"], detached: true, execArgv: [], env: this.cfg.env });
    c.proc = proc;
    c.pid = proc.pid;
    c.up = [];
    c.inRate = c.outRate = c.drops = 0;
    c.last = undefined;
    c.startedAt = Date.now();
    c.restartAt = undefined;
    this.setState(c, "starting", `starting (pid ${proc.pid})`);
    for (const [stream, name] of [[proc.stdout!, "stdout"], [proc.stderr!, "stderr"]] as const)
      createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => this.emit("output", c, name, line));
    proc.on("message", (m: ChildMessage) => this.onMessage(c, proc, m));
    proc.on("error", (e) => this.emit("output", c, "stderr", `supervisor: ${e.message}`));
    proc.on("exit", (code, signal) => this.onExit(c, proc, code, signal));
  }

  private onMessage(c: Child, proc: ChildProcess, m: ChildMessage): void {
    // A stopping node's last words (peers going away as it closes) are not news.
    if (c.proc !== proc || c.state === "stopping") return;
    switch (m.type) {
      case "starting":
        if (c.type === "manager" && !m.runsBroker) this.startOthers();
        break;
      case "broker":
        this.emit("change", c, `broker xpub=${m.xpub} xsub=${m.xsub}`);
        if (m.ephemeral && c.brokerArgs.length === 0) this.pinBroker(c, m.xpub, m.xsub);
        if (c.type === "manager") this.startOthers();
        break;
      case "ready":
        c.id = m.id;
        c.metricsUrl = m.metricsUrl;
        this.setState(c, "up", `up (id ${m.id}${m.metricsUrl ? `, metrics ${m.metricsUrl}` : ""})`);
        break;
      case "status": {
        const now = Date.now();
        if (c.last) {
          const dt = Math.max(1, now - c.last.at) / 1000;
          c.inRate = (m.eventsIn - c.last.eventsIn) / dt;
          c.outRate = (m.eventsOut - c.last.eventsOut) / dt;
        }
        c.last = { at: now, eventsIn: m.eventsIn, eventsOut: m.eventsOut };
        c.drops = m.drops;
        const before = new Set(c.up);
        c.up = m.up;
        for (const n of m.up) if (!before.delete(n)) this.emit("change", c, `node_up ${n} (${c.up.length}/${this.children.length - 1} up)`);
        for (const n of before) this.emit("change", c, `node_down ${n} (${c.up.length}/${this.children.length - 1} up)`);
        break;
      }
    }
  }

  /**
   * The manager bound its broker on free ports: restarts of the manager bind the same ports, and
   * every node (the manager too) connects there (its XSUB to the broker's XPUB and vice versa).
   */
  private pinBroker(manager: Child, xpub: string, xsub: string): void {
    for (const c of this.children) c.brokerArgs = ["--connect-xsub-endpoint", xpub, "--connect-xpub-endpoint", xsub];
    manager.brokerArgs.push("--listen-xpub-endpoint", xpub, "--listen-xsub-endpoint", xsub);
  }

  private onExit(c: Child, proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (c.proc !== proc) return;
    clearTimeout(c.killTimer);
    c.proc = undefined;
    c.pid = undefined;
    c.id = c.metricsUrl = undefined;
    c.up = [];
    c.inRate = c.outRate = 0;
    c.lastExit = signal !== null ? `signal ${signal}` : `exit code ${code}`;
    if (this.stopping || c.state === "stopping") {
      this.setState(c, "down", `stopped (${c.lastExit})`);
      return;
    }
    if (code === 0) {
      // A clean exit not asked for by us (someone stopped the node): not a crash, not restarted.
      this.setState(c, "down", `exited (${c.lastExit}); not restarted`);
      return;
    }
    if (Date.now() - c.startedAt >= this.cfg.stableMs) c.backoff = this.cfg.backoffMs;
    const delay = c.backoff;
    c.backoff = Math.min(c.backoff * 2, this.cfg.maxBackoffMs);
    c.restartAt = Date.now() + delay;
    c.restarts++;
    this.setState(c, "restarting", `crashed (${c.lastExit}); restart #${c.restarts} in ${(delay / 1000).toFixed(1)} s`);
    c.restartTimer = setTimeout(() => this.spawn(c), delay);
  }

  private stopChild(c: Child): Promise<boolean> {
    const proc = c.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(true);
    return new Promise((resolve) => {
      let clean = true;
      proc.once("exit", () => resolve(clean));
      this.setState(c, "stopping", "stopping");
      proc.kill("SIGTERM");
      c.killTimer = setTimeout(() => {
        clean = false;
        this.emit("output", c, "stderr", `supervisor: no exit ${this.cfg.stopTimeoutMs / 1000} s after SIGTERM; sending SIGKILL`);
        proc.kill("SIGKILL");
      }, this.cfg.stopTimeoutMs);
    });
  }

  private setState(c: Child, state: ChildState, what: string): void {
    c.state = state;
    this.emit("change", c, what);
  }
}
