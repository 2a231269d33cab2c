// `zeek-zmq logger`: a standalone log receiver, a drop-in logger node for real Zeek workers and
// for zeek-zmq nodes. PULL on the listen endpoint, Zeek's ASCII writer (TSV or JSON) into DIR,
// optional rotation; SIGINT/SIGTERM flush everything, write #close and exit 0.
import { logWriterSettings, OPTION_SPECS, unhonouredOptionWarnings } from "../cluster/options.js";
import { ConfigError } from "../errors.js";
import { logReceiverOptions, logSinkConsumer, logWriterLimits } from "../cluster/logging-wiring.js";
import { LogReceiver } from "../logging/receiver.js";
import { LogWriterManager } from "../logging/manager.js";
import { startMetricsServer, type MetricsServer } from "../telemetry/server.js";
import { zeekRegistry } from "../telemetry/zeek-metrics.js";
import { OPTION_FLAGS, optionFlagValues, parseCommand, resolveCommandOptions, runCommand, stderrLine, stdoutLine, stopRequest, UsageError, type Print } from "./args.js";
import { optionLines } from "./options-doc.js";

const LOGGING_SPECS = OPTION_SPECS.filter((s) => s.group === "logging");

/** The standalone logger's short flags, kept for scripts written against them. */
const ALIASES: Readonly<Record<string, string>> = {
  listen: "listen-log-endpoint",
  dir: "log-dir",
  format: "log-format",
  "json-paths": "log-json-paths",
  rotate: "log-rotation-interval",
  "post-rotate": "log-rotation-postprocessor-cmd",
  rcvhwm: "log-rcvhwm",
  sink: "log-sink",
  "nats-url": "log-nats-url",
};

export const LOGGER_USAGE = `usage: zeek-zmq logger --listen ENDPOINT [--log-dir DIR] [options]
       zeek-zmq logger --layout FILE --node NAME [--log-dir DIR] [options]

Receives log-write batches on a PULL socket (from real Zeek nodes or zeek-zmq nodes) and writes
them as Zeek's ASCII writer does, or (--sink nats) publishes every record as one JSON message to
NATS JetStream on PREFIX.PATH subjects, awaiting each acknowledgement. Runs until SIGINT/SIGTERM, then writes what it received,
appends #close and exits. Prints "listening on ENDPOINT" on stdout once bound.

  --listen ENDPOINT       PULL bind endpoint (listen_log_endpoint), e.g. tcp://127.0.0.1:27761
  --layout FILE --node NAME
                          a logger node of a cluster layout: its endpoint and the layout's options
  --sink files|nats       where records go (log_sink): files in --log-dir, or NATS JetStream
  --nats-url URL          the NATS server(s) of --sink nats (log_nats_url), e.g. nats://127.0.0.1:4222
  --stats                 print one "STATS {json}" line on exit (records, CPU, timing)
  --<option> VALUE        any node option (zeek-zmq help options), e.g. --log-rcvhwm, --metrics-port
Short forms: ${Object.entries(ALIASES)
  .map(([a, f]) => `--${a} = --${f}`)
  .join(", ")}.
The log file options, the same for logger nodes (layout "options:", flags of zeek-zmq node):
${optionLines(LOGGING_SPECS).slice(2).join("\n")}`;

/** Runs the logger until SIGINT/SIGTERM; resolves with the exit status. */
export function runLogger(argv: string[], out: Print = stdoutLine, err: Print = stderrLine): Promise<number> {
  return runCommand("logger", err, () => logger(argv, out, err));
}

async function logger(argv: string[], out: Print, err: Print): Promise<number> {
  const flags: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = { ...OPTION_FLAGS, layout: { type: "string" }, node: { type: "string" }, stats: { type: "boolean" } };
  for (const [alias, flag] of Object.entries(ALIASES)) flags[alias] = OPTION_FLAGS[flag]!;
  const args = parseCommand(argv, flags);
  if (args.flag("help")) {
    out(LOGGER_USAGE);
    return 0;
  }
  const layoutPath = args.string("layout");
  const nodeName = args.string("node");
  if ((layoutPath === undefined) !== (nodeName === undefined)) throw new UsageError("--layout and --node go together");
  const cli = optionFlagValues(args);
  const cliWritten: Record<string, string> = {};
  for (const [alias, flag] of Object.entries(ALIASES)) {
    if (args.values[alias] === undefined) continue;
    if (cli[flag] !== undefined) throw new UsageError(`--${alias} and --${flag} are the same option; give one`);
    cli[flag] = OPTION_FLAGS[flag]!.multiple ? args.strings(alias) : args.string(alias)!;
    cliWritten[flag] = `--${alias}`;
  }
  const { options } = await resolveCommandOptions({ layoutPath, ...(nodeName !== undefined ? { nodeName } : {}), cli, cliWritten });
  const endpoint = options.listenLogEndpoint;
  if (endpoint === "")
    throw nodeName !== undefined
      ? new ConfigError("listen_log_endpoint", `node "${nodeName}" of ${layoutPath} is not a logger with a port; give --listen`)
      : new UsageError("--listen ENDPOINT (or --layout/--node) is required");
  for (const w of unhonouredOptionWarnings(options)) err(`zeek-zmq logger: warning: ${w}`);

  const registry = zeekRegistry(nodeName ?? "logger");
  const stats = { t0: 0n, cpu0: process.cpuUsage(), tLast: 0n, cpuLast: process.cpuUsage() };
  const withStats = args.flag("stats");
  const progress = withStats
    ? () => {
        stats.tLast = process.hrtime.bigint();
        stats.cpuLast = process.cpuUsage();
      }
    : undefined;
  const manager = logSinkConsumer(
    options,
    () =>
      new LogWriterManager({
        ...logWriterSettings(options),
        ...logWriterLimits(options),
        registry,
        report: err,
        ...(progress ? { onDiskWrite: progress } : {}),
      }),
    { registry, report: err, name: nodeName ?? "logger", ...(progress ? { onAcked: progress } : {}) },
  );
  const receiver = new LogReceiver(manager, logReceiverOptions(options, { registry, report: err }));
  let metrics: MetricsServer | undefined;
  // Handlers at once: a signal during start-up is not lost.
  const stop = stopRequest();
  try {
    const bound = await receiver.start();
    if (options.metricsPort !== undefined) {
      metrics = await startMetricsServer({ registry, port: options.metricsPort, host: options.metricsAddress });
      out(`metrics on ${metrics.url}`);
    }
    receiver.socket.once("readable", () => {
      stats.t0 = process.hrtime.bigint();
      stats.cpu0 = process.cpuUsage();
    });
    out(`listening on ${bound}`);
  } catch (e) {
    stop.dispose();
    await receiver.close();
    await manager.shutdown();
    throw e;
  }

  const signal = await stop.stopped;
  stop.dispose();
  err(`zeek-zmq logger: ${signal}: flushing logs`);
  await receiver.close();
  const health = await manager.shutdown();
  const lost = health.lostBytes;
  await metrics?.close();
  if (withStats) {
    const t = manager.totals;
    const secs = stats.t0 === 0n ? 0 : Number(stats.tLast - stats.t0) / 1e9;
    const cpu = (stats.cpuLast.user - stats.cpu0.user + stats.cpuLast.system - stats.cpu0.system) / 1e6;
    out(`STATS ${JSON.stringify({ batches: t.batches, records: t.records, written: t.written, dropped: t.dropped, msgErrors: receiver.errors, seconds: secs, cpuSeconds: cpu, lostBytes: lost })}`);
  }
  // A disk or open failure is never a clean run, even when the retries got everything written.
  if (health.failures > 0)
    err(`zeek-zmq logger: ${health.failures} ${options.logSink === "nats" ? "JetStream error replies" : "log file open/write failure(s)"} during this run (see above); ${health.lostRecords} records lost; exiting with status 1`);
  return lost > 0 || health.failures > 0 ? 1 : 0;
}
