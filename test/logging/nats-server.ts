// A real nats-server with JetStream for the NATS sink tests and benchmarks: Debian's nats-server,
// installed with apt-get when missing (as root); otherwise the caller skips with the reason
// natsServerMissing() returns. Listens on 127.0.0.1 only, on a free port, storing in a temporary
// directory; restartable on the same port and store (the outage tests).
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class NatsServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** stderr of every run, for failure messages. */
  log = "";
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

  /** (Re)starts the server on the same port and store. */
  async run(): Promise<void> {
    const child = spawn("nats-server", ["-js", "-a", "127.0.0.1", "-p", String(this.port), "-sd", this.storeDir], { stdio: ["ignore", "ignore", "pipe"] });
    this.child = child;
    this.exited = new Promise((r) => child.once("exit", () => r()));
    const from = this.log.length;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server did not get ready within 15 s: ${this.log.slice(-2000)}`)), 15_000);
      child.stderr!.on("data", (d: Buffer) => {
        this.log += d.toString();
        if (this.log.indexOf("Server is ready", from) >= 0) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited with ${code}: ${this.log.slice(-2000)}`));
      });
    });
  }

  /** Kills the server (SIGKILL: no goodbye to the clients) and waits for it to exit. */
  async kill(): Promise<void> {
    this.child?.kill("SIGKILL");
    await this.exited;
  }

  /** Stops the server and removes its store. */
  async close(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGTERM");
      await this.exited;
    }
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
