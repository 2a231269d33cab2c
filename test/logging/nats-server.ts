// A real nats-server with JetStream for the NATS sink tests and benchmarks: Debian's nats-server,
// installed with apt-get when missing (as root); otherwise the caller skips with the reason
// natsServerMissing() returns. Listens on 127.0.0.1 only, on a free port, storing in a temporary
// directory; restartable on the same port and store (the outage tests).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Proc } from "../harness/proc.js";
import { freePort } from "../harness/ports.js";

function which(cmd: string): string | null {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** null when nats-server can run (installing it if needed and possible), else why not. */
export function natsServerMissing(): string | null {
  if (which("nats-server") !== null) return null;
  if (process.getuid?.() !== 0) return "nats-server is not installed and installing it needs root (apt-get install nats-server)";
  try {
    execFileSync("apt-get", ["update"], { stdio: "ignore", timeout: 300_000 });
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "nats-server"], { stdio: "ignore", timeout: 300_000, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  } catch (e) {
    return `nats-server is not installed and apt-get could not install it: ${(e as Error).message.split("\n")[0]}`;
  }
  return which("nats-server") !== null ? null : "nats-server is still missing after apt-get install nats-server";
}

export class NatsServer {
  private proc: Proc | undefined;
  /** stderr of the earlier runs, for failure messages. */
  private earlier = "";
  private constructor(
    readonly port: number,
    readonly storeDir: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts nats-server -js on a free loopback port; resolves once it accepts clients. */
  static async start(): Promise<NatsServer> {
    const s = new NatsServer(await freePort(), mkdtempSync(join(tmpdir(), "zeek-zmq-nats-")));
    await s.run();
    return s;
  }

  /** stderr of every run, for failure messages. */
  get log(): string {
    return this.earlier + (this.proc?.stderr ?? "");
  }

  /** (Re)starts the server on the same port and store; resolves once it accepts clients. */
  async run(): Promise<void> {
    if (this.proc) this.earlier += this.proc.stderr + "\n";
    this.proc = Proc.spawn("nats-server", ["-js", "-a", "127.0.0.1", "-p", String(this.port), "-sd", this.storeDir], { label: "nats-server", stdin: "ignore" });
    await this.proc.errLine(/Server is ready/, 0, 15_000);
  }

  /** Kills the server (SIGKILL: no goodbye to the clients) and waits for it to exit. */
  async kill(): Promise<void> {
    this.proc?.kill();
    await this.proc?.exited;
  }

  /** Stops the server and removes its store. */
  async close(): Promise<void> {
    await this.proc?.stop("SIGTERM");
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
