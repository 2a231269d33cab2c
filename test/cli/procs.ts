// `zeek-zmq` commands as child processes for the CLI tests: wait for stdout/stderr lines, stop
// with a signal, and always kill what is left when the test ends.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { TestContext } from "node:test";
import { CLI } from "../paths.js";

/** Generous: the whole suite runs test files in parallel on possibly slow CI machines. */
export const WAIT_MS = 20_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class CliProc {
  readonly out: string[] = [];
  readonly err: string[] = [];
  /** Resolves once the process exited and its output is read. */
  readonly exited: Promise<Exit>;
  private closed = false;
  private waiters: { lines: string[]; re: RegExp; from: number; settle: (m: RegExpExecArray | undefined) => void }[] = [];

  constructor(
    readonly child: ChildProcess,
    readonly label: string,
  ) {
    for (const [stream, lines] of [[child.stdout!, this.out], [child.stderr!, this.err]] as const)
      createInterface({ input: stream, crlfDelay: Infinity }).on("line", (l) => {
        lines.push(l);
        this.check();
      });
    this.exited = new Promise((r) =>
      child.on("close", (code, signal) => {
        this.closed = true;
        for (const w of this.waiters) w.settle(undefined);
        this.waiters = [];
        r({ code, signal });
      }),
    );
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      for (let i = w.from; i < w.lines.length; i++) {
        const m = w.re.exec(w.lines[i]!);
        if (m) {
          w.settle(m);
          return false;
        }
      }
      return true;
    });
  }

  private output(): string {
    return `\nstdout:\n${this.out.join("\n")}\nstderr:\n${this.err.join("\n")}`;
  }

  private wait(lines: string[], re: RegExp, from: number): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.label}: no line matching ${re} within ${WAIT_MS} ms${this.output()}`)), WAIT_MS);
      const settle = (m: RegExpExecArray | undefined) => {
        clearTimeout(timer);
        if (m) resolve(m);
        else reject(new Error(`${this.label}: exited without a line matching ${re}${this.output()}`));
      };
      if (this.closed) {
        // Already gone: only what it printed counts.
        const i = lines.findIndex((l, k) => k >= from && re.test(l));
        return settle(i < 0 ? undefined : re.exec(lines[i]!)!);
      }
      this.waiters.push({ lines, re, from, settle });
      this.check();
    });
  }

  /** The first stdout line (from index `from`) matching `re`. */
  line(re: RegExp, from = 0): Promise<RegExpExecArray> {
    return this.wait(this.out, re, from);
  }

  /** The first stderr line (from index `from`) matching `re`. */
  errLine(re: RegExp, from = 0): Promise<RegExpExecArray> {
    return this.wait(this.err, re, from);
  }

  /** Sends `signal` and waits for the exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  /** The exit, failing the test if it takes longer than WAIT_MS. */
  async exit(): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${this.label}: still running after ${WAIT_MS} ms${this.output()}`)), WAIT_MS)));
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Starts `zeek-zmq ARGS...`; the process (and, for `cluster`, its node children through the
 * closed IPC channels) is killed when the test ends.
 */
export function zeekZmq(t: TestContext, args: string[], opts: { env?: NodeJS.ProcessEnv; label?: string } = {}): CliProc {
  // In a directory of its own: whatever it writes (logs) stays out of the repository.
  const cwd = mkdtempSync(join(tmpdir(), "zeek-zmq-cli-test-"));
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], env: opts.env ?? process.env, cwd });
  const p = new CliProc(child, opts.label ?? `zeek-zmq ${args[0]}`);
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    rmSync(cwd, { recursive: true, force: true });
  });
  return p;
}

/** Starts a standalone broker on free ports; resolves with its endpoints. */
export async function startBroker(t: TestContext, extra: string[] = []): Promise<{ proc: CliProc; xpub: string; xsub: string; connect: string[] }> {
  const proc = zeekZmq(t, ["broker", "--xpub", "tcp://127.0.0.1:0", "--xsub", "tcp://127.0.0.1:0", ...extra]);
  const m = await proc.line(/^broker xpub=(\S+) xsub=(\S+)$/);
  const xpub = m[1]!;
  const xsub = m[2]!;
  // A node's XSUB connects to the broker's XPUB, its XPUB to the broker's XSUB.
  return { proc, xpub, xsub, connect: ["--connect-xsub-endpoint", xpub, "--connect-xpub-endpoint", xsub] };
}
