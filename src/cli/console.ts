// `zeek-zmq console`: the web console for any cluster, real Zeek nodes included. It joins the
// cluster through its broker without taking part in discovery, scrapes the nodes' Prometheus
// endpoints named by the layout (or --metrics), follows local log directories, and serves the
// page (docs/console.md).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ClusterLayout } from "../cluster/layout.js";
import { startConsole, type RunningConsole, type SupervisorSource } from "../console/index.js";
import { ConfigError } from "../errors.js";
import { deadline, OPTION_FLAGS, optionFlagValues, optionsFor, parseCommand, resolveCommandOptions, runCommand, secondsFlag, stderrLine, stdoutLine, stopRequest, UsageError, type Print } from "./args.js";

export const CONSOLE_USAGE = `usage: zeek-zmq console [--web ADDR:PORT] [--layout FILE] [options] [BROKER_XPUB [BROKER_XSUB]]

Serves a live web console of a cluster: nodes and their state, who sees whom, event rates, drops,
queues, RSS/CPU, the broker's counters, the loggers' records and files, an event tail and the
cluster.log lines. It joins the cluster through the broker (BROKER_XPUB / BROKER_XSUB are the
broker's endpoints as "zeek-zmq broker" prints them; default: the layout's broker, else Zeek's
tcp://127.0.0.1:5555 and :5556) without taking part in discovery, so no node notices it.
Prints "console on URL" once it listens. Runs until SIGINT/SIGTERM.

  --web ADDR:PORT         where to serve the page (default 127.0.0.1:8080; port 0 = any free port).
                          A non-loopback address needs a token.
  --web-token-file FILE   the token (16+ characters; or ZEEK_ZMQ_WEB_TOKEN): the browser asks
                          for it (any user name, the token as password); scripts send
                          "Authorization: Bearer TOKEN"
  --layout FILE           the cluster's layout: node names and types, metricsPort of each node
                          (scraped), the broker's address, the options (CURVE keys, prefixes)
  --metrics NODE=URL      a node's Prometheus endpoint, e.g. worker-1=http://10.0.0.5:9991/metrics
                          (repeatable; wins over the layout)
  --broker-metrics URL    a standalone broker's /metrics ("zeek-zmq broker --metrics-port")
  --services URL          Zeek's Prometheus service discovery (the manager's /services.json):
                          scrape every target it lists; node names come from the metrics' labels
  --logs NODE=DIR         a logger's log directory on this machine: files, rotation, cluster.log
                          (repeatable)
  --duration SECONDS      stop after this long (0 = run until stopped; default)
  --<option> VALUE        any backend option under Zeek's name (CURVE keys, --ipv6, ...)`;

/** NAME=VALUE pairs of a repeatable flag. */
function pairs(flag: string, values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf("=");
    if (i <= 0 || i === v.length - 1) throw new UsageError(`--${flag} takes NODE=VALUE, got ${JSON.stringify(v)}`);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

/** The web token from --web-token-file or ZEEK_ZMQ_WEB_TOKEN (trailing newline removed). */
export function webToken(file: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (file !== undefined) {
    try {
      return readFileSync(file, "utf8").replace(/\r?\n$/, "");
    } catch (e) {
      throw new ConfigError("--web-token-file", `cannot read ${file}: ${(e as Error).message}`);
    }
  }
  const t = env["ZEEK_ZMQ_WEB_TOKEN"];
  return t === undefined || t === "" ? undefined : t;
}

export function runConsole(argv: string[], out: Print = stdoutLine, err: Print = stderrLine): Promise<number> {
  return runCommand("console", err, async () => {
    const args = parseCommand(
      argv,
      {
        ...OPTION_FLAGS,
        web: { type: "string" },
        "web-token-file": { type: "string" },
        layout: { type: "string" },
        metrics: { type: "string", multiple: true },
        "broker-metrics": { type: "string" },
        services: { type: "string" },
        logs: { type: "string", multiple: true },
        duration: { type: "string" },
      },
      true,
    );
    if (args.flag("help")) {
      out(CONSOLE_USAGE);
      return 0;
    }
    if (args.positionals.length > 2) throw new UsageError(`at most two broker endpoints (its XPUB, then its XSUB), got ${args.positionals.length}`);
    const cli = optionFlagValues(args);
    const [xpub, xsub] = args.positionals;
    // The broker's XPUB is where node XSUBs connect, and the other way round (wire.md §2.1).
    if (xpub !== undefined) cli["connect-xsub-endpoint"] = xpub;
    if (xsub !== undefined) cli["connect-xpub-endpoint"] = xsub;
    const duration = secondsFlag("duration", args.string("duration"), 0);
    const { layout, options } = await resolveCommandOptions({ layoutPath: args.string("layout"), cli });
    const running = await startConsole({
      ...(layout ? { layout } : {}),
      options,
      metricsUrls: pairs("metrics", args.strings("metrics")),
      ...(args.string("broker-metrics") !== undefined ? { brokerMetricsUrl: args.string("broker-metrics")! } : {}),
      ...(args.string("services") !== undefined ? { servicesUrl: args.string("services")! } : {}),
      logDirs: pairs("logs", args.strings("logs")),
      report: err,
      web: { listen: args.string("web") ?? "127.0.0.1:8080", ...optionalToken(webToken(args.string("web-token-file"))) },
    });
    out(`console on ${running.url}`);
    const limit = deadline(duration);
    const stop = stopRequest(limit.signal);
    const why = await stop.stopped;
    limit.clear();
    stop.dispose();
    if (why !== "abort") err(`zeek-zmq console: ${why}: stopping`);
    await running.close();
    return 0;
  });
}

export function optionalToken(token: string | undefined): { token?: string } {
  return token === undefined ? {} : { token };
}

/**
 * The environment of `cluster --web`'s nodes: when no node of the layout has a metrics port (the
 * demo), each serves /metrics on a free port and tells the supervisor where, so the console
 * shows drops, queues and peers for every node.
 */
export function webNodeEnv(layout: ClusterLayout, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const o = layout.options ?? {};
  if (layout.nodes.some((n) => n.metricsPort !== undefined) || "metrics_port" in o || "metricsPort" in o || env["ZEEK_ZMQ_METRICS_PORT"] !== undefined) return env;
  return { ...env, ZEEK_ZMQ_METRICS_PORT: "0" };
}

/**
 * `zeek-zmq cluster --web`: the console with the supervisor as a source (processes, restarts,
 * each node's own peer list, pids for /proc) and every node's log directory. It binds at once
 * (a bad address fails before any node starts) and joins the cluster when the manager reports
 * where its broker listens (free ports in the demo).
 */
export async function startClusterConsole(
  sup: SupervisorSource,
  layout: ClusterLayout,
  logDir: string,
  listen: string,
  token: string | undefined,
  title: string,
  err: Print,
): Promise<RunningConsole> {
  const options = optionsFor(layout, undefined, {});
  const manager = layout.nodes.find((n) => n.type === "manager");
  const runsBroker = manager !== undefined && optionsFor(layout, manager.name, {}).runProxyThread;
  const running = await startConsole({
    layout,
    supervisor: sup,
    logDirs: Object.fromEntries(layout.nodes.map((n) => [n.name, join(logDir, n.name)])),
    title,
    report: err,
    web: { listen, ...optionalToken(token) },
    ...(runsBroker ? {} : { options }),
  });
  if (runsBroker)
    sup.on("change", (_c, what) => {
      // The supervisor's own line for the manager's ChildMessage "broker".
      const m = /^broker xpub=(\S+) xsub=(\S+)$/.exec(what);
      if (m) running.console.join({ ...options, connectXsubEndpoint: m[1]!, connectXpubEndpoint: m[2]! });
    });
  return running;
}
