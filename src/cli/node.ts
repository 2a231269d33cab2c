// `zeek-zmq node`: one cluster node of a layout as a process. Resolves its options (layout file <
// environment < flags), warns about options Node cannot honour, runs the broker thread on the
// manager (run_proxy_thread, as in Zeek), joins the cluster (discovery, ready-to-publish) and
// loads user scripts: ES modules whose default export `(node, ctx)` registers handlers and
// publishes. Standalone it prints node_up/node_down lines; under `zeek-zmq cluster` it reports
// to the supervisor over IPC instead. Runs until SIGINT/SIGTERM, then closes and exits 0.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isEphemeral } from "../cluster/broker.js";
import { findNode } from "../cluster/layout.js";
import { ClusterNode } from "../cluster/node.js";
// A layout node's `websocket:` entry is served by the WebSocket layer (it adds listenWebsocket()).
import "../websocket/node-hosting.js";
import { unhonouredOptionWarnings } from "../cluster/options.js";
import type { NodeScript, NodeScriptContext } from "../cluster/node-script.js";
import { metricsTargets } from "../cluster/services.js";
import { registerScriptResolution } from "./script-resolve.js";
import type { ChildMessage } from "./supervisor.js";
import { startConsole, type RunningConsole } from "../console/index.js";
import { ConfigError } from "../errors.js";
import { startMetricsServer, type MetricsServer } from "../telemetry/server.js";
import { zeekRegistry } from "../telemetry/zeek-metrics.js";
import {
  eventFormatFlag,
  OPTION_FLAGS,
  optionFlagValues,
  parseCommand,
  resolveCommandOptions,
  runCommand,
  stderrLine,
  stdoutLine,
  stopRequest,
  UsageError,
  type Print,
} from "./args.js";
import { optionalToken, webToken } from "./console.js";

export const NODE_USAGE = `usage: zeek-zmq node --name NAME [--layout FILE] [--script MODULE]... [--<option> VALUE]...

Runs one cluster node. With --layout, NAME must be a node of the layout: the node subscribes like
a Zeek node of its type, takes part in discovery (node_up/node_down), and the manager runs the
broker (run_proxy_thread). Prints, on stdout:
  broker xpub=ENDPOINT xsub=ENDPOINT   (a node running the broker, once bound)
  ready NAME ID                         (connected and ready to publish)
  node_up NAME ID / node_down NAME ID
Warnings and Reporter messages go to stderr. Runs until SIGINT/SIGTERM, then exits 0.

  --name NAME             Cluster::node (default: the CLUSTER_NODE environment variable, as Zeek)
  --layout FILE           cluster layout: JSON, YAML or zeekctl node.cfg
  --script MODULE         ES module whose default export (node, ctx) => void | cleanup is run
                          before the node starts (repeatable); it may import "zeek-zmq" from
                          anywhere on disk
  --event-format F        broker-bin-v1 (default) or broker-json-v1 (Cluster::event_serializer)
  --<option> VALUE        any node option under Zeek's name, e.g. --xpub-sndhwm 5000,
                          --connect-xsub-endpoint tcp://10.0.0.1:5555, --metrics-port 9991;
                          log files: --log-dir DIR (default: the current directory), --log-format
                          tsv|json, --log-rotation-interval, --log-suffix ...
Environment: ZEEK_ZMQ_<OPTION> (e.g. ZEEK_ZMQ_XPUB_SNDHWM), Zeek's CURVE variables. Flags win.
Every option: "zeek-zmq help options".`;

export type { NodeScript, NodeScriptContext } from "../cluster/node-script.js";

const STATUS_INTERVAL_MS = 1000;
const SLOW_START_WARNING_MS = 5000;
/** After close, a script still holding the event loop (a timer it did not clear) does not keep the process alive. */
const EXIT_GRACE_MS = 2000;

async function loadScript(path: string): Promise<NodeScript> {
  const file = resolve(path);
  if (!existsSync(file)) throw new ConfigError("script", `${path}: no such file`);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (e) {
    // A syntax error, a failing top-level statement, an import that does not resolve.
    throw new ConfigError("script", `${path}: cannot load it: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (typeof mod.default !== "function") throw new ConfigError("script", `${path}: the default export must be a function (node, ctx) => ...`);
  return mod.default as NodeScript;
}

export function runNode(argv: string[], out: Print = stdoutLine, err: Print = stderrLine, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runCommand("node", err, async () => {
    const args = parseCommand(argv, {
      ...OPTION_FLAGS,
      name: { type: "string" },
      layout: { type: "string" },
      script: { type: "string", multiple: true },
      "event-format": { type: "string" },
    });
    if (args.flag("help")) {
      out(NODE_USAGE);
      return 0;
    }
    // Zeek's nodes take their name from CLUSTER_NODE too.
    const name = args.string("name") ?? (env.CLUSTER_NODE || undefined);
    if (name === undefined || name === "") throw new UsageError("--name NAME (or the CLUSTER_NODE environment variable) is required");
    const eventFormat = eventFormatFlag(args.string("event-format"));
    const { layout, options } = await resolveCommandOptions({ layoutPath: args.string("layout"), nodeName: name, cli: optionFlagValues(args) });
    const type = layout ? findNode(layout, name).type : undefined;
    const label = `zeek-zmq node[${name}]`;
    for (const w of unhonouredOptionWarnings(options)) err(`${label}: warning: ${w}`);
    const scripts: NodeScript[] = [];
    if (args.strings("script").length > 0) registerScriptResolution();
    for (const path of args.strings("script")) scripts.push(await loadScript(path));

    // Under `zeek-zmq cluster` the supervisor gets status over IPC; standalone, lines on stdout.
    const send = process.send ? (m: ChildMessage) => void process.send!(m) : undefined;
    const say = (line: string) => send === undefined && out(line);

    const abort = new AbortController();
    const stop = stopRequest(abort.signal);
    void stop.stopped.then(() => abort.abort());
    let failed = false;
    const registry = zeekRegistry(name);
    let node: ClusterNode | undefined;
    let metrics: MetricsServer | undefined;
    let webConsole: RunningConsole | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    const cleanups: (() => unknown)[] = [];
    try {
      send?.({ type: "starting", runsBroker: options.runProxyThread });
      const o = options;
      const n = new ClusterNode({ name, ...(layout ? { layout } : {}), options: o, registry, eventFormat });
      node = n;
      // run_proxy_thread: the node starts the broker thread; with free ports it connects where it listens.
      let brokerAt: { xpub: string; xsub: string } | undefined;
      n.on("broker", ({ xpub, xsub }) => {
        brokerAt = { xpub, xsub };
        say(`broker xpub=${xpub} xsub=${xsub}`);
        send?.({ type: "broker", xpub, xsub, ephemeral: isEphemeral(o.listenXpubEndpoint) || isEphemeral(o.listenXsubEndpoint) });
      });
      n.on("reporter_warning", (m) => err(`${label}: warning: ${m}`));
      n.on("reporter_error", (m) => err(`${label}: error: ${m}`));
      // Zeek's Reporter::fatal (e.g. CURVE keys the broker refuses): the node has closed itself.
      n.on("fatal", (m) => {
        err(`${label}: fatal: ${m}`);
        failed = true;
        abort.abort();
      });

      const eventsIn = registry.counter("zeek_cluster_core_incoming_events", "Number of incoming events");
      const eventsOut = registry.counter("zeek_cluster_core_outgoing_events", "Number of outgoing events");
      const status = () =>
        send?.({
          type: "status",
          up: [...n.nodesUp().keys()],
          eventsIn: eventsIn.value,
          eventsOut: eventsOut.value,
          drops: n.metrics.xpubDrops.value + n.metrics.onloopDrops.value,
        });
      // Peers seen going away while this node closes are not reported.
      n.on("node_up", (peer, id) => abort.signal.aborted || (say(`node_up ${peer} ${id}`), status()));
      n.on("node_down", (peer, id) => abort.signal.aborted || (say(`node_down ${peer} ${id}`), status()));

      let readyResolve: () => void = () => undefined;
      const ready = new Promise<void>((r) => (readyResolve = r));
      const ctx: NodeScriptContext = { type, layout, options: o, ready, signal: abort.signal };
      for (const script of scripts) {
        // The synchronous part runs now (handlers registered before any event arrives); a
        // returned promise settles in the background, a returned function is the cleanup.
        const result = Promise.resolve(script(n, ctx));
        result.then(
          (r) => typeof r === "function" && cleanups.push(r as () => unknown),
          (e: unknown) => {
            err(`${label}: error: script failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
            failed = true;
            abort.abort();
          },
        );
      }

      const slow = setTimeout(
        () => err(`${label}: warning: not ready after ${SLOW_START_WARNING_MS / 1000} s; still waiting for the broker (connect_xsub_endpoint ${o.connectXsubEndpoint}, connect_xpub_endpoint ${o.connectXpubEndpoint})`),
        SLOW_START_WARNING_MS,
      );
      try {
        await n.start({ signal: abort.signal });
      } catch (e) {
        if (!abort.signal.aborted) throw e;
      } finally {
        clearTimeout(slow);
      }
      if (!abort.signal.aborted) {
        if (o.metricsPort !== undefined) {
          // Zeek's manager also serves Prometheus service discovery for the whole cluster.
          const serviceTargets = layout && type === "manager" ? metricsTargets(layout) : undefined;
          metrics = await startMetricsServer({ registry, port: o.metricsPort, host: o.metricsAddress, ...(serviceTargets ? { serviceTargets } : {}) });
          say(`metrics on ${metrics.url}`);
        }
        // The layout's `web:` for this node: the web console, joined where this node is connected.
        const webAt = layout ? findNode(layout, name).web : undefined;
        if (webAt !== undefined) {
          const joinAt = brokerAt ? { ...o, connectXsubEndpoint: brokerAt.xpub, connectXpubEndpoint: brokerAt.xsub } : o;
          webConsole = await startConsole({ ...(layout ? { layout } : {}), options: joinAt, logDirs: { [name]: o.logDir === "" ? process.cwd() : o.logDir }, report: err, web: { listen: webAt, ...optionalToken(webToken(undefined)) } });
          say(`console on ${webConsole.url}`);
        }
        say(`ready ${name} ${n.nodeId}`);
        send?.({ type: "ready", id: n.nodeId, ...(metrics ? { metricsUrl: metrics.url } : {}) });
        readyResolve();
        if (send) {
          status();
          statusTimer = setInterval(status, STATUS_INTERVAL_MS);
        }
        const why = await stop.stopped;
        if (why !== "abort" && !send) err(`${label}: ${why}: stopping`);
      }
    } finally {
      stop.dispose();
      abort.abort();
      clearInterval(statusTimer);
      // Script cleanups may await promises nothing else keeps alive: hold the event loop until
      // everything is closed, so the exit status reflects the whole shutdown.
      const hold = setInterval(() => undefined, 60_000);
      for (const c of cleanups) {
        try {
          await c();
        } catch (e) {
          err(`${label}: error: script cleanup failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      await webConsole?.close();
      await metrics?.close();
      await node?.close();
      clearInterval(hold);
      setTimeout(() => {
        err(`${label}: warning: something (a script's timer or socket?) still holds the process ${EXIT_GRACE_MS / 1000} s after stopping; exiting`);
        process.exit();
      }, EXIT_GRACE_MS).unref();
    }
    return failed ? 1 : 0;
  });
}
