// The one child-process harness of the tests: spawn, capture stdout and stderr line by line, wait
// for a line (a regex, or a JSON line of a kind) with a timeout whose error shows what the process
// printed, send JSON commands on stdin, stop it. Every process is killed when its test ends (with
// `t`) and, whatever happens, when the test process exits: nothing is left running.
import { type ChildProcess, spawn as spawnChild } from "node:child_process";
import { createInterface } from "node:readline";
import type { TestContext } from "node:test";
import { WAIT_MS } from "./until.js";

export { WAIT_MS };

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A stdout line parsed as JSON (test processes speak `{"e": kind, ...}`); other text is `{e: "text", text}`. */
export type Line = { e: string } & Record<string, unknown>;

export interface SpawnOptions {
  /** Names the process in errors. */
  label?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** A pipe to send commands on (default), or no stdin. */
  stdin?: "pipe" | "ignore";
  /** Kill the process when this test ends. */
  t?: TestContext;
  /** In a process group of its own, which kill() ends as a whole. */
  detached?: boolean;
}

const running = new Set<Proc>();
let exitHook = false;

/** Kills every process still running (SIGCONT first: a test may have stopped one). */
export function killAll(): void {
  for (const p of running) p.kill();
}

type Waiter = { stream: "out" | "err"; test: (text: string, i: number) => boolean; from: number; settle: (i: number | undefined) => void };

export class Proc {
  /** stdout lines. */
  readonly out: string[] = [];
  /** stderr lines. */
  readonly err: string[] = [];
  /** stdout lines as JSON, index for index with `out`. */
  readonly lines: Line[] = [];
  /** Resolves once the process exited and all its output is read. */
  readonly exited: Promise<Exit>;
  private closed = false;
  private waiters: Waiter[] = [];

  constructor(
    readonly child: ChildProcess,
    readonly label: string,
    readonly detached = false,
  ) {
    running.add(this);
    if (!exitHook) {
      exitHook = true;
      process.on("exit", killAll);
    }
    if (child.stdout)
      createInterface({ input: child.stdout, crlfDelay: Infinity }).on("line", (text) => {
        this.out.push(text);
        this.lines.push(parse(text));
        this.check("out");
      });
    if (child.stderr)
      createInterface({ input: child.stderr, crlfDelay: Infinity }).on("line", (text) => {
        this.err.push(text);
        this.check("err");
      });
    child.on("error", (e) => this.err.push(`spawn error: ${e.message}`));
    this.exited = new Promise((resolve) =>
      child.on("close", (code, signal) => {
        this.closed = true;
        running.delete(this);
        for (const w of this.waiters) w.settle(undefined);
        this.waiters = [];
        resolve({ code, signal });
      }),
    );
  }

  /** Spawns `cmd args` with piped stdout and stderr. */
  static spawn(cmd: string, args: string[], opts: SpawnOptions = {}): Proc {
    const child = spawnChild(cmd, args, { stdio: [opts.stdin ?? "pipe", "pipe", "pipe"], detached: opts.detached ?? false, ...(opts.cwd ? { cwd: opts.cwd } : {}), ...(opts.env ? { env: opts.env } : {}) });
    const p = new Proc(child, opts.label ?? cmd, opts.detached ?? false);
    opts.t?.after(() => p.kill());
    return p;
  }

  /** Spawns a Node script (`node script args`). */
  static node(script: string, args: string[], opts: SpawnOptions = {}): Proc {
    return Proc.spawn(process.execPath, [script, ...args], { label: script, ...opts });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** stderr as one text. */
  get stderr(): string {
    return this.err.join("\n");
  }

  /** What the process printed, for error messages (the last lines of each stream). */
  output(): string {
    const tail = (l: string[]): string => (l.length > 60 ? [`... (${l.length - 60} lines before)`, ...l.slice(-60)] : l).join("\n");
    return `\nstdout:\n${tail(this.out)}\nstderr:\n${tail(this.err)}`;
  }

  private check(stream: "out" | "err"): void {
    this.waiters = this.waiters.filter((w) => {
      if (w.stream !== stream) return true;
      const lines = stream === "out" ? this.out : this.err;
      for (let i = w.from; i < lines.length; i++)
        if (w.test(lines[i]!, i)) {
          w.settle(i);
          return false;
        }
      return true;
    });
  }

  /** Index of the first line of `stream` from `from` on that passes `test`; rejects after `ms` or at exit without one. */
  private waitIndex(stream: "out" | "err", test: (text: string, i: number) => boolean, what: string, from: number, ms: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.settle !== settle);
        reject(new Error(`${this.label}: no ${what} within ${ms} ms${this.output()}`));
      }, ms);
      const settle = (i: number | undefined): void => {
        clearTimeout(timer);
        if (i !== undefined) resolve(i);
        else reject(new Error(`${this.label}: exited (${this.child.exitCode ?? this.child.signalCode}) without ${what}${this.output()}`));
      };
      const lines = stream === "out" ? this.out : this.err;
      for (let i = from; i < lines.length; i++) if (test(lines[i]!, i)) return settle(i);
      if (this.closed) return settle(undefined);
      this.waiters.push({ stream, test, from, settle });
    });
  }

  /** The first stdout line (from index `from` on) matching `re`. */
  async line(re: RegExp, from = 0, ms = WAIT_MS): Promise<RegExpExecArray> {
    return re.exec(this.out[await this.waitIndex("out", (l) => re.test(l), `stdout line matching ${re}`, from, ms)]!)!;
  }

  /** The first stderr line (from index `from` on) matching `re`. */
  async errLine(re: RegExp, from = 0, ms = WAIT_MS): Promise<RegExpExecArray> {
    return re.exec(this.err[await this.waitIndex("err", (l) => re.test(l), `stderr line matching ${re}`, from, ms)]!)!;
  }

  /** The first JSON line (from index `from` on) with `e === kind` that `pred` accepts. */
  async wait(kind: string, pred: (l: Line) => boolean = () => true, from = 0, ms = WAIT_MS): Promise<Line> {
    return this.lines[await this.waitIndex("out", (_, i) => this.lines[i]!.e === kind && pred(this.lines[i]!), `"${kind}" line as expected`, from, ms)]!;
  }

  /** Every JSON line of `kind` so far. */
  all(kind: string): Line[] {
    return this.lines.filter((l) => l.e === kind);
  }

  /** Writes one line on stdin. */
  send(text: string): void {
    this.child.stdin!.write(text + "\n");
  }

  /** Sends a JSON command and waits for the answer line of kind `answer`. */
  command(cmd: Record<string, unknown>, answer: string, ms = WAIT_MS): Promise<Line> {
    const from = this.out.length;
    this.send(JSON.stringify(cmd));
    return this.wait(answer, () => true, from, ms);
  }

  /** Sends a text command line and waits for the stdout line matching `answer`. */
  ask(text: string, answer: RegExp, ms = WAIT_MS): Promise<RegExpExecArray> {
    const from = this.out.length;
    this.send(text);
    return this.line(answer, from, ms);
  }

  /** Asks a JSON-command process to close its sockets and exit ({"cmd":"exit"}); waits for the exit. */
  quit(ms = WAIT_MS): Promise<Exit> {
    if (this.running) this.send(JSON.stringify({ cmd: "exit" }));
    return this.exit(ms);
  }

  /** Sends `signal` (SIGTERM) and waits for the exit. */
  stop(signal: NodeJS.Signals = "SIGTERM", ms = WAIT_MS): Promise<Exit> {
    if (this.running) this.child.kill(signal);
    return this.exit(ms);
  }

  /** The exit; rejects (showing the output) if the process is still running after `ms`. */
  async exit(ms = WAIT_MS): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${this.label}: still running after ${ms} ms${this.output()}`)), ms)));
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** True while the process group of a `detached` process has members. */
  groupAlive(): boolean {
    try {
      process.kill(-this.child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** SIGKILL now (SIGCONT first, in case the test stopped it); no-op once exited. A `detached` process: its whole group. */
  kill(): void {
    if (this.detached && this.groupAlive()) {
      try {
        process.kill(-this.child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
      return;
    }
    if (!this.running) return;
    try {
      this.child.kill("SIGCONT");
      this.child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}

function parse(text: string): Line {
  if (text.startsWith("{"))
    try {
      const v = JSON.parse(text) as unknown;
      if (v !== null && typeof v === "object" && typeof (v as Line).e === "string") return v as Line;
    } catch {
      // not JSON: text
    }
  return { e: "text", text };
}

/** Processes of one test file, killed together in its after() hook. */
export class ProcSet {
  private readonly procs: Proc[] = [];
  add<T extends Proc>(p: T): T {
    this.procs.push(p);
    return p;
  }

  killAll(): void {
    for (const p of this.procs) p.kill();
  }
}
