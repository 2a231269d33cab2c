// `zeek-zmq` commands as child processes (test/harness/proc.ts) for the CLI tests, each in a
// directory of its own and killed when the test ends.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { Proc } from "../harness/proc.js";
import { CLI } from "../paths.js";

/**
 * Starts `zeek-zmq ARGS...`; the process (and, for `cluster`, its node children through the
 * closed IPC channels) is killed when the test ends.
 */
export function zeekZmq(t: TestContext, args: string[], opts: { env?: NodeJS.ProcessEnv; label?: string } = {}): Proc {
  // In a directory of its own: whatever it writes (logs) stays out of the repository.
  const cwd = mkdtempSync(join(tmpdir(), "zeek-zmq-cli-test-"));
  const p = Proc.node(CLI, args, { label: opts.label ?? `zeek-zmq ${args[0]}`, cwd, stdin: "ignore", t, ...(opts.env ? { env: opts.env } : {}) });
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  return p;
}

/** Starts a standalone broker on free ports; resolves with its endpoints. */
export async function startBroker(t: TestContext, extra: string[] = []): Promise<{ proc: Proc; xpub: string; xsub: string; connect: string[] }> {
  const proc = zeekZmq(t, ["broker", "--xpub", "tcp://127.0.0.1:0", "--xsub", "tcp://127.0.0.1:0", ...extra]);
  const m = await proc.line(/^broker xpub=(\S+) xsub=(\S+)$/);
  const xpub = m[1]!;
  const xsub = m[2]!;
  // A node's XSUB connects to the broker's XPUB, its XPUB to the broker's XSUB.
  return { proc, xpub, xsub, connect: ["--connect-xsub-endpoint", xpub, "--connect-xpub-endpoint", xsub] };
}
