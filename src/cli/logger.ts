// `zeek-zmq logger`: a standalone log receiver, a drop-in logger node for real Zeek workers and
// for zeek-zmq nodes. PULL on the listen endpoint, Zeek's ASCII writer (TSV or JSON) into DIR,
// optional rotation; SIGINT/SIGTERM flush everything, write #close and exit 0.
import { parseArgs } from "node:util";
import { loadLayout } from "../cluster/layout.js";
import { resolveOptions, unhonouredOptionWarnings } from "../cluster/options.js";
import { ConfigError } from "../errors.js";
import { logReceiverOptions, logWriterLimits } from "../cluster/logging-wiring.js";
import { LogReceiver } from "../logging/receiver.js";
import { LogWriterManager } from "../logging/manager.js";
import { logFormatNames } from "../logging/format/registry.js";
import { startMetricsServer, type MetricsServer } from "../telemetry/server.js";
import { zeekRegistry } from "../telemetry/zeek-metrics.js";

export const LOGGER_USAGE = `usage: zeek-zmq logger --listen ENDPOINT --dir DIR [options]
       zeek-zmq logger --layout FILE --node NAME --dir DIR [options]

Receives log-write batches on a PULL socket (from real Zeek nodes or zeek-zmq nodes) and writes
them as Zeek's ASCII writer does. Runs until SIGINT/SIGTERM, then flushes, writes #close and exits.
Prints "listening on ENDPOINT" on stdout once bound.

  --listen ENDPOINT       PULL bind endpoint (listen_log_endpoint), e.g. tcp://127.0.0.1:27761
  --layout FILE --node NAME
                          take listen_log_endpoint and the other options from a cluster layout
  --dir DIR               log directory (created if missing)
  --format tsv|json       TSV with meta lines (default) or LogAscii::use_json
  --json-paths P1,P2      write these paths as JSON, the others in --format
  --rotate SECONDS        rotation interval (Log::default_rotation_interval); 0 = off (default)
  --post-rotate CMD       run after each rotation as: CMD FILE PATH OPEN CLOSE TERMINATING WRITER
  --rcvhwm N              log_rcvhwm (default 1000)
  --log-max-open-files N  log files open at once, least recently used closed beyond (default 0 =
                          half of ulimit -n, at most 4096; never more than half of it)
  --log-max-paths N       distinct log paths; batches for more are refused (default 10000)
  --log-max-records-per-batch N
                          larger received batches are refused (default 100000)
  --log-max-write-amplification N
                          output bytes a batch may produce per received byte (default 32)
  --metrics-port PORT     serve Prometheus metrics on 127.0.0.1:PORT (0 = any free port)
  --stats                 print one "STATS {json}" line on exit (records, CPU, timing)`;

/** Runs the logger until SIGINT/SIGTERM; resolves with the exit status. */
export async function runLogger(argv: string[], out: (s: string) => void = (s) => void process.stdout.write(s + "\n"), err: (s: string) => void = (s) => void process.stderr.write(s + "\n")): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        listen: { type: "string" },
        layout: { type: "string" },
        node: { type: "string" },
        dir: { type: "string" },
        format: { type: "string", default: "tsv" },
        "json-paths": { type: "string" },
        rotate: { type: "string", default: "0" },
        "post-rotate": { type: "string" },
        rcvhwm: { type: "string" },
        "log-max-open-files": { type: "string" },
        "log-max-paths": { type: "string" },
        "log-max-records-per-batch": { type: "string" },
        "log-max-write-amplification": { type: "string" },
        "metrics-port": { type: "string" },
        stats: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }).values;
  } catch (e) {
    err(`zeek-zmq logger: ${(e as Error).message}\n\n${LOGGER_USAGE}`);
    return 2;
  }
  if (args.help) {
    out(LOGGER_USAGE);
    return 0;
  }
  const usage = (msg: string): number => {
    err(`zeek-zmq logger: ${msg}\n\n${LOGGER_USAGE}`);
    return 2;
  };
  if (args.dir === undefined) return usage("--dir is required");
  if (!logFormatNames().includes(args.format)) return usage(`--format must be one of ${logFormatNames().join(", ")}, got ${JSON.stringify(args.format)}`);
  const rotate = Number(args.rotate);
  if (!Number.isFinite(rotate) || rotate < 0) return usage(`--rotate must be a number of seconds >= 0, got ${JSON.stringify(args.rotate)}`);
  if ((args.layout === undefined) !== (args.node === undefined)) return usage("--layout and --node go together");

  const layout = args.layout !== undefined ? await loadLayout(args.layout) : undefined;
  const cli: Record<string, string> = {};
  if (args.rcvhwm !== undefined) cli["log-rcvhwm"] = args.rcvhwm;
  for (const flag of ["log-max-open-files", "log-max-paths", "log-max-records-per-batch", "log-max-write-amplification"] as const)
    if (args[flag] !== undefined) cli[flag] = args[flag];
  if (args["metrics-port"] !== undefined) cli["metrics-port"] = args["metrics-port"];
  const options = resolveOptions({
    ...(layout?.options ? { file: layout.options, fileName: layout.source } : {}),
    env: process.env,
    cli,
    ...(layout && args.node !== undefined ? { layout, nodeName: args.node } : {}),
  });
  // --listen is used as given (port 0 or * picks a free port); the transport validates it on bind.
  const endpoint = args.listen ?? options.listenLogEndpoint;
  if (endpoint === "")
    return usage(args.node !== undefined ? `node "${args.node}" of ${args.layout} is not a logger with a port; give --listen` : "--listen ENDPOINT (or --layout/--node) is required");
  for (const w of unhonouredOptionWarnings(options)) err(`zeek-zmq logger: warning: ${w}`);

  const registry = zeekRegistry(args.node ?? "logger");
  const stats = { t0: 0n, cpu0: process.cpuUsage(), tLast: 0n, cpuLast: process.cpuUsage() };
  const jsonPaths = (args["json-paths"] ?? "").split(",").filter((p) => p !== "");
  const manager = new LogWriterManager({
    dir: args.dir,
    format: args.format,
    formats: Object.fromEntries(jsonPaths.map((p) => [p, "json"])),
    ...logWriterLimits(options),
    rotationInterval: rotate,
    ...(args["post-rotate"] !== undefined ? { postRotateCommand: args["post-rotate"] } : {}),
    registry,
    report: err,
    ...(args.stats
      ? {
          onDiskWrite: () => {
            stats.tLast = process.hrtime.bigint();
            stats.cpuLast = process.cpuUsage();
          },
        }
      : {}),
  });
  const receiver = new LogReceiver(manager, logReceiverOptions({ ...options, listenLogEndpoint: endpoint }, { registry, report: err }));
  let metrics: MetricsServer | undefined;
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
    await receiver.close();
    await manager.close();
    if (e instanceof ConfigError) {
      err(`zeek-zmq logger: ${e.message}`);
      return 1;
    }
    throw e;
  }

  const signal = await new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  err(`zeek-zmq logger: ${signal}: flushing logs`);
  await receiver.close();
  const health = await manager.shutdown();
  const lost = health.lostBytes;
  await metrics?.close();
  if (args.stats) {
    const t = manager.totals;
    const secs = stats.t0 === 0n ? 0 : Number(stats.tLast - stats.t0) / 1e9;
    const cpu = (stats.cpuLast.user - stats.cpu0.user + stats.cpuLast.system - stats.cpu0.system) / 1e6;
    out(`STATS ${JSON.stringify({ batches: t.batches, records: t.records, written: t.written, dropped: t.dropped, msgErrors: receiver.errors, seconds: secs, cpuSeconds: cpu, lostBytes: lost })}`);
  }
  // A disk or open failure is never a clean run, even when the retries got everything written.
  if (health.failures > 0)
    err(`zeek-zmq logger: ${health.failures} log file open/write failure(s) during this run (see above); ${health.lostRecords} records lost; exiting with status 1`);
  return lost > 0 || health.failures > 0 ? 1 : 0;
}
