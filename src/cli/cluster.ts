// `zeek-zmq cluster [FILE]`: every node of a layout as a supervised child process on this machine,
// with one status view: a table redrawn in place on a terminal, a line per change otherwise.
// Without a file it runs the built-in demo (logger, manager + broker, two workers).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isLogReceiver, loadLayout, type ClusterLayout } from "../cluster/layout.js";
import { isEphemeral } from "../cluster/broker.js";
import { ConfigError } from "../errors.js";
import { startClusterConsole, webNodeEnv, webToken } from "./console.js";
import { deadline, optionsFor, parseCommand, runCommand, secondsFlag, stderrLine, stdoutLine, stopRequest, UsageError, type Print } from "./args.js";
import { DEMO_LOG_PATH, DEMO_LOGGER, demoLayout } from "./demo.js";
import { LineView, TableView, type StatusView } from "./status-view.js";
import { Supervisor } from "./supervisor.js";

export const CLUSTER_USAGE = `usage: zeek-zmq cluster [FILE] [--script MODULE]... [--log-dir DIR] [--duration SECONDS] [--keep]

Starts every node of the layout FILE (JSON, YAML or zeekctl node.cfg) on this machine as a
supervised "zeek-zmq node" child, in zeekctl's order: loggers, manager (it runs the broker),
proxies, workers. SIGINT/SIGTERM stop them in the reverse order, each group after the previous
one has exited (loggers last, so no log record is lost), and exit 0; a second Ctrl-C kills them.

A node that fails before it ever came up (a port in use, a bad option, a script error) stops the
cluster with that node's error and exit status 1. A node that crashes after it was up is
restarted with exponential backoff (0.5 s doubling up to 30 s); RESTARTS counts its crashes.

Without FILE it runs the built-in demo: a logger, a manager with the broker, and two workers that
write a conn-like Demo::LOG stream (demo.log on the logger) and report Demo::stats events the
manager adds up. It prints where the logs are, a summary of the records at stop, and removes
its temporary directory unless --keep.

  --script MODULE     load this node script in every node (see "zeek-zmq node --help")
  --log-dir DIR       each node writes its logs into DIR/NODE/ (default: the layout's log_dir
                      option, else ./logs; the demo: a temporary directory)
  --duration SECONDS  stop after this long (0 = run until stopped; default); exit status 1 if
                      not every node was up by then
  --keep              the demo: keep its temporary directory (layout and logs)
  --status-every S    without a terminal: print a rates line every S seconds (default 10; 0 = never)
  --web ADDR:PORT     also serve the web console there (e.g. 127.0.0.1:8080; see "zeek-zmq
                      console --help" for the token a non-loopback address needs)
  --web-token-file F  the web console's token (or ZEEK_ZMQ_WEB_TOKEN)

On a terminal the status is a table redrawn in place every second; otherwise each change is one
line "NODE: what happened" and each line a node prints is passed on as "NODE | line".`;

const CLI_PATH = fileURLToPath(new URL("./main.js", import.meta.url));
const DEMO_SCRIPT = fileURLToPath(new URL("./demo.js", import.meta.url));

/** Hosts that are this machine (nodes elsewhere are still started here, with a warning). */
function isLocalHost(host: string): boolean {
  if (host === "localhost" || host === "0.0.0.0" || host === "::") return true;
  return Object.values(networkInterfaces()).some((list) => list?.some((a) => a.address === host));
}

/** Reading every record to count it is for reasonable sizes; beyond, the summary gives bytes. */
const COUNT_LIMIT_BYTES = 64 * 1024 * 1024;

/** "demo.log 240 records, cluster.log 8 records" for the log files in `dir` (rotated ones summed per path). */
export function logSummary(dir: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => !n.startsWith("."));
  } catch {
    return undefined;
  }
  const byPath = new Map<string, { file: string; records: number; bytes: number; counted: boolean }>();
  for (const name of names.sort()) {
    const file = join(dir, name);
    const st = statSync(file);
    if (!st.isFile()) continue;
    const path = name.slice(0, name.indexOf(".") < 0 ? name.length : name.indexOf("."));
    const e = byPath.get(path) ?? { file: name, records: 0, bytes: 0, counted: true };
    e.bytes += st.size;
    if (st.size <= COUNT_LIMIT_BYTES) {
      for (const line of readFileSync(file, "utf8").split("\n")) if (line !== "" && !line.startsWith("#")) e.records++;
    } else e.counted = false;
    if (name.split(".").length === 2) e.file = name; // the current file's name (not a rotated one)
    byPath.set(path, e);
  }
  if (byPath.size === 0) return undefined;
  return [...byPath.values()].map((e) => (e.counted ? `${e.file} ${e.records} record${e.records === 1 ? "" : "s"}` : `${e.file} ${e.bytes} bytes`)).join(", ");
}

/** Which nodes write files where (log receivers get every node's logs). */
function logPlan(layout: ClusterLayout, logDir: string, demo: boolean): string[] {
  const receivers = layout.nodes.filter((n) => isLogReceiver(layout, n) && (n.port !== undefined || n.type === "logger"));
  if (demo) return [`logs: ${DEMO_LOGGER} writes ${join(logDir, DEMO_LOGGER, `${DEMO_LOG_PATH}.log`)} (Demo::LOG, from the workers) and ${join(logDir, DEMO_LOGGER, "cluster.log")}`];
  if (receivers.length === 0) return [`logs: every node writes its own into ${logDir}/NODE/ (no logger in the layout)`];
  return [`logs: ${receivers.map((n) => `${n.name} writes every node's logs into ${join(logDir, n.name)}/`).join("; ")}`];
}

export function runCluster(argv: string[], out: Print = stdoutLine, err: Print = stderrLine): Promise<number> {
  return runCommand("cluster", err, async () => {
    const args = parseCommand(
      argv,
      { script: { type: "string", multiple: true }, "log-dir": { type: "string" }, duration: { type: "string" }, "status-every": { type: "string" }, keep: { type: "boolean" }, web: { type: "string" }, "web-token-file": { type: "string" } },
      true,
    );
    if (args.flag("help")) {
      out(CLUSTER_USAGE);
      return 0;
    }
    if (args.positionals.length > 1) throw new UsageError(`one layout file at most, got ${args.positionals.length}: ${args.positionals.join(" ")}`);
    const duration = secondsFlag("duration", args.string("duration"), 0);
    const statusEvery = secondsFlag("status-every", args.string("status-every"), 10);
    const scripts = args.strings("script").map((s) => resolve(s));
    const demo = args.positionals[0] === undefined;
    if (!demo && args.flag("keep")) throw new UsageError("--keep is for the demo (without FILE): a layout's logs are always kept");

    let layoutPath = args.positionals[0];
    let tmp: string | undefined;
    let title: string;
    if (layoutPath === undefined) {
      tmp = mkdtempSync(join(tmpdir(), "zeek-zmq-demo-"));
      layoutPath = join(tmp, "layout.json");
      writeFileSync(layoutPath, JSON.stringify(await demoLayout(), null, 2) + "\n");
      scripts.unshift(DEMO_SCRIPT);
      title = "zeek-zmq cluster: demo";
    } else title = `zeek-zmq cluster: ${layoutPath}`;

    try {
      // Every node's configuration is checked here, so a mistake is one clear error instead of
      // children failing one by one.
      const layout = await loadLayout(layoutPath);
      const nodeOptions = layout.nodes.map((n) => optionsFor(layout, n.name, {}));
      for (const s of scripts) if (!existsSync(s)) throw new ConfigError("script", `${s}: no such file`);
      for (const w of layout.warnings) err(`zeek-zmq cluster: warning: ${w}`);
      for (const n of layout.nodes)
        if (!isLocalHost(n.host)) err(`zeek-zmq cluster: warning: node "${n.name}" has host ${n.host}, which is not this machine; it is started here anyway`);
      const manager = nodeOptions[layout.nodes.findIndex((n) => n.type === "manager")]!;
      const logDir = resolve(args.string("log-dir") ?? (tmp ? join(tmp, "logs") : manager.logDir || "logs"));

      const web = args.string("web");
      const sup = new Supervisor({
        layout,
        layoutPath,
        logDir,
        cliPath: CLI_PATH,
        nodeArgs: scripts.flatMap((s) => ["--script", s]),
        ephemeralBroker: manager.runProxyThread && (isEphemeral(manager.listenXpubEndpoint) || isEphemeral(manager.listenXsubEndpoint)),
        ...(web !== undefined ? { env: webNodeEnv(layout) } : {}),
      });
      const view: StatusView = process.stdout.isTTY && out === stdoutLine ? new TableView(process.stdout, sup, title) : new LineView(out, err, sup);
      sup.on("change", (c, what) => view.change(c, what));
      sup.on("output", (c, stream, line) => view.output(c, stream, line));
      view.info(`${title} (${layout.nodes.map((n) => `${n.name}: ${n.type}`).join(", ")}); layout ${layoutPath}`);
      for (const l of logPlan(layout, logDir, demo)) view.info(l);
      const webConsole = web !== undefined ? await startClusterConsole(sup, layout, logDir, web, webToken(args.string("web-token-file")), title, err) : undefined;
      if (webConsole) view.info(`console on ${webConsole.url}`);

      const limit = deadline(duration);
      const stop = stopRequest(limit.signal);
      let failure: string | undefined;
      sup.on("failed", (c, detail) => {
        failure ??= `node ${c.name} failed before it came up (${c.lastExit}): ${detail.split("\n").filter((l) => l.trim() !== "").at(-1) ?? ""}`;
        limit.abort(new Error(failure));
      });
      const summary = statusEvery > 0 ? setInterval(() => view.summary(), statusEvery * 1000) : undefined;
      sup.start();
      const why = await stop.stopped;
      limit.clear();
      clearInterval(summary);
      // A --duration run is a check that the cluster works: every node must be up at its end.
      const notUp = failure === undefined && why === "abort" ? sup.nodes.filter((c) => c.state !== "up").map((c) => `${c.name} (${c.state})`) : [];
      view.info(`zeek-zmq cluster: ${failure !== undefined ? "a node failed" : why === "abort" ? `${duration} s elapsed` : why}: stopping nodes`);
      // A second SIGINT/SIGTERM kills what is left.
      stop.dispose();
      const again = stopRequest();
      void again.stopped.then(() => sup.kill());
      const clean = await sup.stop();
      again.dispose();
      await webConsole?.close();
      view.summary();
      view.close();
      for (const c of sup.nodes) {
        const s = logSummary(join(logDir, c.name));
        if (s !== undefined) out(`zeek-zmq cluster: ${c.name} logs (${join(logDir, c.name)}): ${s}`);
      }
      out(`zeek-zmq cluster: all nodes stopped${clean ? "" : " (some had to be killed)"}`);
      if (failure !== undefined) {
        err(`zeek-zmq cluster: ${failure}`);
        return 1;
      }
      if (notUp.length > 0) {
        err(`zeek-zmq cluster: not every node was up when the ${duration} s ended: ${notUp.join(", ")}`);
        return 1;
      }
      return clean ? 0 : 1;
    } finally {
      if (tmp !== undefined) {
        if (args.flag("keep")) out(`zeek-zmq cluster: kept the demo's directory ${tmp}`);
        else rmSync(tmp, { recursive: true, force: true });
      }
    }
  });
}
