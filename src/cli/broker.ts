// `zeek-zmq broker`: the central XPUB/XSUB broker of a Zeek ZeroMQ cluster (what Zeek's manager
// runs as its proxy thread) as a process of its own. Prints its bound endpoints on one line, serves
// the proxy counters on /metrics when asked, and runs until SIGINT/SIGTERM, then exits 0.
import { Broker, brokerOptions } from "../cluster/broker.js";
import { optionFlagsForParseArgs } from "../cluster/option-specs.js";
import { OPTION_SPECS, unhonouredOptionWarnings, type NodeOptions } from "../cluster/options.js";
import { startMetricsServer, type MetricsServer } from "../telemetry/server.js";
import { zeekRegistry } from "../telemetry/zeek-metrics.js";
import { optionFlagValues, parseCommand, resolveCommandOptions, runCommand, stderrLine, stdoutLine, stopRequest, UsageError, type Print } from "./args.js";

export const BROKER_USAGE = `usage: zeek-zmq broker [--xpub ENDPOINT] [--xsub ENDPOINT] [--metrics-port N] [options]

Runs the cluster's XPUB/XSUB broker (Zeek's proxy thread). Nodes connect their XSUB to its XPUB
and their XPUB to its XSUB. Prints one line once bound, then runs until SIGINT/SIGTERM:
  broker xpub=tcp://127.0.0.1:5555 xsub=tcp://127.0.0.1:5556

  --xpub ENDPOINT         listen_xpub_endpoint (default tcp://127.0.0.1:5555; port 0 = any free port)
  --xsub ENDPOINT         listen_xsub_endpoint (default tcp://127.0.0.1:5556)
  --layout FILE           take the endpoints from a layout's "broker" section and its "options"
  --listen-xpub-nodrop T|F  pause forwarding instead of dropping at a subscriber's HWM (default T)
  --ipv6 T|F              allow IPv6 endpoints (default T)
  --metrics-port N        serve Prometheus metrics on --metrics-address:N (0 = any free port)
  --metrics-address ADDR  default 127.0.0.1
  --curve-server-secretkey KEY --curve-client-publickey KEY
                          CURVE: encrypt and let in only nodes with that client key (Zeek's
                          options; or ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_* variables)
  --heartbeat-interval-ms N --heartbeat-timeout-ms N
                          ZMTP heartbeats to detect dead peers (zeek-zmq extension; default off)
  --max-subscriptions-per-peer N --max-topic-length N --max-subscription-bytes N
  --max-subscription-backlog N --max-connections N --idle-ping-interval-ms N --idle-ping-timeout-ms N
                          limits on what peers can make the broker hold (docs/limits.md)
  -v, --verbose           print connections and disconnections on stderr
Environment: ZEEK_ZMQ_LISTEN_XPUB_ENDPOINT, ZEEK_ZMQ_LISTEN_XSUB_ENDPOINT, ... (flags win).`;

/** The options a standalone broker uses. */
const BROKER_OPTIONS: ReadonlySet<keyof NodeOptions> = new Set<keyof NodeOptions>([
  "listenXpubEndpoint",
  "listenXsubEndpoint",
  "listenXpubNodrop",
  "ipv6",
  "metricsPort",
  "metricsAddress",
  "heartbeatIntervalMs",
  "heartbeatTimeoutMs",
  "maxSubscriptionsPerPeer",
  "maxTopicLength",
  "maxSubscriptionBytes",
  "maxSubscriptionBacklog",
  "maxConnections",
  "idlePingIntervalMs",
  "idlePingTimeoutMs",
  "curveServerSecretkey",
  "curveServerPublickey",
  "curveClientPublickey",
]);

export function runBroker(argv: string[], out: Print = stdoutLine, err: Print = stderrLine): Promise<number> {
  return runCommand("broker", err, async () => {
    const args = parseCommand(argv, {
      ...optionFlagsForParseArgs(OPTION_SPECS.filter((o) => BROKER_OPTIONS.has(o.key))),
      xpub: { type: "string" },
      xsub: { type: "string" },
      layout: { type: "string" },
      verbose: { type: "boolean", short: "v" },
    });
    if (args.flag("help")) {
      out(BROKER_USAGE);
      return 0;
    }
    const cli = optionFlagValues(args);
    const cliWritten: Record<string, string> = {};
    for (const side of ["xpub", "xsub"]) {
      const e = args.string(side);
      if (e === undefined) continue;
      if (cli[`listen-${side}-endpoint`] !== undefined) throw new UsageError(`--${side} and --listen-${side}-endpoint are the same option; give one`);
      cli[`listen-${side}-endpoint`] = e;
      cliWritten[`listen-${side}-endpoint`] = `--${side}`;
    }
    const { options } = await resolveCommandOptions({ layoutPath: args.string("layout"), cli, cliWritten });
    for (const w of unhonouredOptionWarnings(options)) err(`zeek-zmq broker: warning: ${w}`);

    const stop = stopRequest();
    const registry = zeekRegistry("broker");
    const broker = new Broker({ ...brokerOptions(options), registry, warn: (line) => err(`zeek-zmq broker: warning: ${line}`) });
    if (args.flag("verbose")) broker.on("connection", (side, event, d) => err(`zeek-zmq broker: ${side} ${event} ${d.remote ?? ""} (${d.endpoint})`));
    let metrics: MetricsServer | undefined;
    try {
      const ep = await broker.start();
      out(`broker xpub=${ep.xpub} xsub=${ep.xsub}`);
      if (options.metricsPort !== undefined) {
        metrics = await startMetricsServer({ registry, port: options.metricsPort, host: options.metricsAddress });
        out(`metrics on ${metrics.url}`);
      }
      const why = await stop.stopped;
      err(`zeek-zmq broker: ${why}: stopping`);
    } finally {
      stop.dispose();
      await broker.close();
      await metrics?.close();
    }
    return 0;
  });
}
