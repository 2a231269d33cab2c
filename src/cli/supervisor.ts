// Supervision of a cluster's nodes as child processes on this machine, in zeekctl's order: start
// the loggers, then the manager (it runs the broker), proxies and workers, each stage once the
// previous one is under way; stop in the reverse order (workers, proxies, manager, loggers
// last), each stage once the previous one has exited, so every log record written up to and
// during shutdown still reaches a running logger. A node that fails before it ever came up is a
// fatal error of the cluster (its error text is reported); after it was up, a crash restarts it
// with capped exponential backoff. Children report over the IPC channel `fork` opens
// (ChildMessage); their output lines are passed on as events.
import { type ChildProcess, fork } from "node:child_process";
import { EventEmitter } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { ClusterLayout, NodeType } from "../cluster/layout.js";

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

export type ChildState = "waiting" | "starting" | "up" | "restarting" | "stopping" | "down";

/** A supervised node as the status view shows it. */
export interface ChildView {
  readonly name: string;
  readonly type: NodeType;
  readonly state: ChildState;
  readonly pid: number | undefined;
  /** Crashes after the node was up (each one restarted it). */
  readonly restarts: number;
  /** Whether the node was ever up (ready to publish) in this run. */
  readonly everUp: boolean;
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
  /**
   * A node failed before it ever came up (bind error, script error, bad option): the cluster
   * cannot work. `detail` is what the node printed last on stderr.
   */
  failed: [child: ChildView, detail: string];
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
  /**
   * The manager's broker binds free ports (reported when bound): the loggers, which connect to it
   * too, then start after the manager instead of before it.
   */
  ephemeralBroker?: boolean;
  /** First restart delay; doubles per crash up to maxBackoffMs. @default 500 */
  backoffMs?: number;
  /** @default 30000 */
  maxBackoffMs?: number;
  /** A child that ran this long before it crashed is restarted after backoffMs again. @default 10000 */
  stableMs?: number;
  /** SIGTERM to SIGKILL on stop, per node. @default 10000 */
  stopTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Lines of a child's stderr kept to explain a failure. */
const KEEP_STDERR_LINES = 5;

class Child implements ChildView {
  state: ChildState = "waiting";
  proc: ChildProcess | undefined;
  pid: number | undefined;
  restarts = 0;
  everUp = false;
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
  /** The last stderr lines of the current process. */
  stderrTail: string[] = [];
  /** The start stage may go on: the process runs with its options checked (or its broker bound). */
  launched = false;

  constructor(
    readonly name: string,
    readonly type: NodeType,
    backoff: number,
  ) {
    this.backoff = backoff;
  }
}

/** zeekctl's start order; stopping goes the other way. */
const START_ORDER: readonly NodeType[] = ["logger", "manager", "proxy", "worker"];

export class Supervisor extends EventEmitter<SupervisorEvents> {
  private readonly children: Child[];
  private readonly stages: Child[][];
  private readonly cfg: Required<Omit<SupervisorConfig, "env">> & { env: NodeJS.ProcessEnv };
  private stopping = false;
  private stage = -1;

  constructor(cfg: SupervisorConfig) {
    super();
    this.cfg = { nodeArgs: [], ephemeralBroker: false, backoffMs: 500, maxBackoffMs: 30_000, stableMs: 10_000, stopTimeoutMs: 10_000, env: process.env, ...cfg };
    const order: readonly NodeType[] = this.cfg.ephemeralBroker ? ["manager", "logger", "proxy", "worker"] : START_ORDER;
    this.stages = order.map((t) => cfg.layout.nodes.filter((n) => n.type === t).map((n) => new Child(n.name, n.type, this.cfg.backoffMs))).filter((s) => s.length > 0);
    this.children = this.stages.flat();
  }

  /** The children in start order. */
  get nodes(): readonly ChildView[] {
    return this.children;
  }

  /** True when every node is up. */
  get allUp(): boolean {
    return this.children.every((c) => c.state === "up");
  }

  /** Starts the first stage; each next one follows once the previous one is launched. */
  start(): void {
    this.nextStage();
  }

  /**
   * Stops the nodes stage by stage in reverse start order, each stage after the previous one has
   * exited; resolves true if every node exited within stopTimeoutMs of its SIGTERM.
   */
  async stop(): Promise<boolean> {
    if (!this.stopping) {
      this.stopping = true;
      for (const c of this.children) {
        clearTimeout(c.restartTimer);
        if (c.state === "restarting" || c.state === "waiting") this.setState(c, "down", c.state === "waiting" ? "not started (stopping)" : "down (stopping)");
      }
    }
    let clean = true;
    for (const stage of [...this.stages].reverse()) {
      const results = await Promise.all(stage.map((c) => this.stopChild(c)));
      clean &&= results.every(Boolean);
    }
    return clean;
  }

  /** Sends SIGKILL to every running child (a second Ctrl-C). */
  kill(): void {
    for (const c of this.children) if (c.proc && c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill("SIGKILL");
  }

  private nextStage(): void {
    if (this.stopping) return;
    const stage = this.stages[this.stage + 1];
    if (stage === undefined) return;
    this.stage++;
    for (const c of stage) this.spawn(c);
  }

  /** The current stage is under way once each of its nodes is launched (or up). */
  private launched(c: Child): void {
    c.launched = true;
    if (this.stages[this.stage]?.every((x) => x.launched)) this.nextStage();
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
    c.stderrTail = [];
    c.startedAt = Date.now();
    c.restartAt = undefined;
    this.setState(c, "starting", `starting (pid ${proc.pid})`);
    createInterface({ input: proc.stdout!, crlfDelay: Infinity }).on("line", (line) => this.emit("output", c, "stdout", line));
    createInterface({ input: proc.stderr!, crlfDelay: Infinity }).on("line", (line) => {
      if (c.proc === proc) {
        c.stderrTail.push(line);
        if (c.stderrTail.length > KEEP_STDERR_LINES) c.stderrTail.shift();
      }
      this.emit("output", c, "stderr", line);
    });
    proc.on("message", (m: ChildMessage) => this.onMessage(c, proc, m));
    proc.on("error", (e) => this.emit("output", c, "stderr", `supervisor: ${e.message}`));
    // "close": the exit, once its output has been read (the failure text is complete).
    proc.on("close", (code, signal) => this.onExit(c, proc, code, signal));
  }

  private onMessage(c: Child, proc: ChildProcess, m: ChildMessage): void {
    // A stopping node's last words (peers going away as it closes) are not news.
    if (c.proc !== proc || c.state === "stopping") return;
    switch (m.type) {
      case "starting":
        if (!(c.type === "manager" && m.runsBroker)) this.launched(c);
        break;
      case "broker":
        this.emit("change", c, `broker xpub=${m.xpub} xsub=${m.xsub}`);
        if (m.ephemeral && c.brokerArgs.length === 0) this.pinBroker(c, m.xpub, m.xsub);
        this.launched(c);
        break;
      case "ready":
        c.everUp = true;
        c.id = m.id;
        c.metricsUrl = m.metricsUrl;
        this.setState(c, "up", `up (id ${m.id}${m.metricsUrl ? `, metrics ${m.metricsUrl}` : ""})`);
        this.launched(c);
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
    if (!c.everUp) {
      // It never came up: a configuration, bind or script error, not a crash to retry.
      this.setState(c, "down", `failed before it came up (${c.lastExit})`);
      this.emit("failed", c, c.stderrTail.join("\n") || `exited with ${c.lastExit} without a message`);
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
    if (!proc) return Promise.resolve(true);
    return new Promise((resolve) => {
      let clean = true;
      proc.once("close", () => resolve(clean));
      if (proc.exitCode !== null || proc.signalCode !== null) return; // exited; its output is still being read
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
