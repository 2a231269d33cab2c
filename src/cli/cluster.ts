// `zeek-zmq cluster [FILE]`: every node of a layout as a supervised child process on this machine,
// with one status view: a refreshing table on a terminal, a line per change otherwise. Without a
// file it runs the built-in demo (manager + broker, two workers reporting to it).
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { demoLayout } from "../cluster/demo.js";
import { loadLayout } from "../cluster/layout.js";
import { Supervisor, type ChildView } from "../cluster/supervisor.js";
import { ConfigError } from "../errors.js";
import { startClusterConsole, webNodeEnv, webToken } from "./console.js";
import { deadline, optionsFor, parseCommand, runCommand, secondsFlag, stderrLine, stdoutLine, stopRequest, UsageError, type Print } from "./args.js";

export const CLUSTER_USAGE = `usage: zeek-zmq cluster [FILE] [--script MODULE]... [--log-dir DIR] [--duration SECONDS]

Starts every node of the layout FILE (JSON, YAML or zeekctl node.cfg) on this machine as a
supervised "zeek-zmq node" child: the manager first (it runs the broker), then the others. A
crashed node is restarted with exponential backoff (0.5 s doubling up to 30 s). SIGINT/SIGTERM
stop the workers, then the manager, and exit 0; a second Ctrl-C kills them.

Without FILE it runs the built-in demo: a manager with the broker on free ports and two workers
publishing Demo::stats(node, conns, bytes) events that the manager adds up and prints.

  --script MODULE     load this node script in every node (see "zeek-zmq node --help")
  --log-dir DIR       each node writes its logs into DIR/NODE/ (default ./logs; the demo: a
                      temporary directory, printed at start)
  --duration SECONDS  stop cleanly after this long (0 = run until stopped; default)
  --status-every S    without a terminal: print a rates line every S seconds (default 10; 0 = never)
  --web ADDR:PORT     also serve the web console there (e.g. 127.0.0.1:8080; see "zeek-zmq
                      console --help" for the token a non-loopback address needs)
  --web-token-file F  the web console's token (or ZEEK_ZMQ_WEB_TOKEN)

On a terminal the status is a table refreshed every second; otherwise each change is one line
"NODE: what happened" and each line a node prints is passed on as "NODE | line".`;

const CLI_PATH = fileURLToPath(new URL("./main.js", import.meta.url));
const DEMO_SCRIPT = fileURLToPath(new URL("../cluster/demo.js", import.meta.url));

function rate(v: number): string {
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

function peers(c: ChildView, total: number): string {
  return c.state === "up" ? `${c.up.length}/${total - 1}` : "-";
}

function stateText(c: ChildView): string {
  if (c.state !== "restarting" || c.restartAt === undefined) return c.state;
  return `restarting in ${Math.max(0, (c.restartAt - Date.now()) / 1000).toFixed(1)}s`;
}

/** Line view for pipes and files: one line per change, child output prefixed with its node. */
class LineView {
  constructor(
    private readonly out: Print,
    private readonly err: Print,
    private readonly sup: Supervisor,
  ) {}
  change(c: ChildView, what: string): void {
    this.out(`${c.name}: ${what}`);
  }
  output(c: ChildView, stream: "stdout" | "stderr", line: string): void {
    (stream === "stdout" ? this.out : this.err)(`${c.name} | ${line}`);
  }
  info(line: string): void {
    this.out(line);
  }
  /** One line with every node's state, peers, rates and drops. */
  summary(): void {
    const n = this.sup.nodes.length;
    this.out(`status: ${this.sup.nodes.map((c) => `${c.name} ${stateText(c)} peers ${peers(c, n)} in ${rate(c.inRate)}/s out ${rate(c.outRate)}/s drops ${c.drops}`).join("; ")}`);
  }
  close(): void {}
}

/** Terminal view: a status table kept at the bottom, redrawn every second and on change. */
class TableView {
  private drawn = 0;
  private readonly t0 = Date.now();
  private readonly timer = setInterval(() => this.redraw(), 1000);

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly sup: Supervisor,
    private readonly title: string,
  ) {}

  change(c: ChildView, what: string): void {
    // node_up/node_down and states show in the table; keep the notable ones in the scrollback.
    if (/^(crashed|exited|broker|stopped)/.test(what)) this.above(`${c.name}: ${what}`);
    else this.redraw();
  }
  output(c: ChildView, _stream: "stdout" | "stderr", line: string): void {
    this.above(`${c.name} | ${line}`);
  }
  info(line: string): void {
    this.above(line);
  }
  summary(): void {}

  private above(line: string): void {
    this.stream.write(this.clear() + line + "\n" + this.table());
  }

  private redraw(): void {
    this.stream.write(this.clear() + this.table());
  }

  private clear(): string {
    const s = this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[J` : "";
    this.drawn = 0;
    return s;
  }

  private table(): string {
    const n = this.sup.nodes.length;
    const secs = Math.floor((Date.now() - this.t0) / 1000);
    const rows = [["NODE", "TYPE", "STATE", "PID", "RESTARTS", "PEERS", "IN/s", "OUT/s", "DROPS"]];
    for (const c of this.sup.nodes)
      rows.push([c.name, c.type, stateText(c), String(c.pid ?? "-"), String(c.restarts), peers(c, n), rate(c.inRate), rate(c.outRate), String(c.drops)]);
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const lines = [`${this.title} - ${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, "0")} - Ctrl-C stops`];
    for (const r of rows) lines.push(r.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd());
    this.drawn = lines.length;
    return lines.join("\n") + "\n";
  }

  close(): void {
    clearInterval(this.timer);
    this.redraw();
  }
}

/** Hosts that are this machine (nodes elsewhere are still started here, with a warning). */
function isLocalHost(host: string): boolean {
  if (host === "localhost" || host === "0.0.0.0" || host === "::") return true;
  return Object.values(networkInterfaces()).some((list) => list?.some((a) => a.address === host));
}

export function runCluster(argv: string[], out: Print = stdoutLine, err: Print = stderrLine): Promise<number> {
  return runCommand("cluster", err, async () => {
    const args = parseCommand(
      argv,
      { script: { type: "string", multiple: true }, "log-dir": { type: "string" }, duration: { type: "string" }, "status-every": { type: "string" }, web: { type: "string" }, "web-token-file": { type: "string" } },
      true,
    );
    if (args.flag("help")) {
      out(CLUSTER_USAGE);
      return 0;
    }
    if (args.positionals.length > 1) throw new UsageError(`one layout file at most, got ${args.positionals.length}: ${args.positionals.join(" ")}`);
    const duration = secondsFlag("duration", args.string("duration"), 0);
    const statusEvery = secondsFlag("status-every", args.string("status-every"), 10);
    const scripts = (args.strings("script")).map((s) => resolve(s));

    let layoutPath = args.positionals[0];
    let logDir = args.string("log-dir");
    let demoLayoutPath: string | undefined;
    let title: string;
    if (layoutPath === undefined) {
      // The demo's layout and (unless --log-dir) logs live in a temporary directory; the layout
      // is removed at exit, the logs are kept for a look.
      const tmp = mkdtempSync(join(tmpdir(), "zeek-zmq-demo-"));
      layoutPath = demoLayoutPath = join(tmp, "layout.json");
      writeFileSync(layoutPath, JSON.stringify(demoLayout(), null, 2) + "\n");
      logDir ??= join(tmp, "logs");
      scripts.unshift(DEMO_SCRIPT);
      title = "zeek-zmq cluster: demo";
    } else title = `zeek-zmq cluster: ${layoutPath}`;
    logDir = resolve(logDir ?? "logs");

    try {
      // Every node's configuration is checked here, so a mistake is one clear error instead of
      // children crashing in a restart loop.
      const layout = await loadLayout(layoutPath);
      for (const n of layout.nodes) optionsFor(layout, n.name, {});
      for (const s of scripts) if (!existsSync(s)) throw new ConfigError("script", `${s}: no such file`);
      for (const w of layout.warnings) err(`zeek-zmq cluster: warning: ${w}`);
      for (const n of layout.nodes)
        if (!isLocalHost(n.host)) err(`zeek-zmq cluster: warning: node "${n.name}" has host ${n.host}, which is not this machine; it is started here anyway`);

      const web = args.string("web");
      const sup = new Supervisor({ layout, layoutPath, logDir, cliPath: CLI_PATH, nodeArgs: scripts.flatMap((s) => ["--script", s]), ...(web !== undefined ? { env: webNodeEnv(layout) } : {}) });
      const view = process.stdout.isTTY && out === stdoutLine ? new TableView(process.stdout, sup, title) : new LineView(out, err, sup);
      sup.on("change", (c, what) => view.change(c, what));
      sup.on("output", (c, stream, line) => view.output(c, stream, line));
      view.info(`${title} (${layout.nodes.map((n) => `${n.name}: ${n.type}`).join(", ")}); layout ${layoutPath}; logs in ${logDir}/NODE/`);
      const webConsole = web !== undefined ? await startClusterConsole(sup, layout, logDir, web, webToken(args.string("web-token-file")), title, err) : undefined;
      if (webConsole) view.info(`console on ${webConsole.url}`);

      const limit = deadline(duration);
      const stop = stopRequest(limit.signal);
      const summary = statusEvery > 0 ? setInterval(() => view.summary(), statusEvery * 1000) : undefined;
      sup.start();
      const why = await stop.stopped;
      limit.clear();
      clearInterval(summary);
      view.info(`zeek-zmq cluster: ${why === "abort" ? `${duration} s elapsed` : why}: stopping nodes`);
      // A second SIGINT/SIGTERM kills what is left.
      stop.dispose();
      const again = stopRequest();
      void again.stopped.then(() => sup.kill());
      const clean = await sup.stop();
      again.dispose();
      await webConsole?.close();
      view.summary();
      view.close();
      out(`zeek-zmq cluster: all nodes stopped${clean ? "" : " (some had to be killed)"}`);
      return clean ? 0 : 1;
    } finally {
      if (demoLayoutPath) {
        rmSync(demoLayoutPath, { force: true });
        // The directory goes too unless it holds the logs.
        if (readdirSync(dirname(demoLayoutPath)).length === 0) rmSync(dirname(demoLayoutPath), { recursive: true, force: true });
      }
    }
  });
}
