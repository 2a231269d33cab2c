// Logging as a Zeek node sets it up, from NodeOptions and the layout: the adapters from Zeek's
// option names to the logging layer's plain option records (logging/ never reads NodeOptions),
// Zeek's "nowhere to send logs" check, and the choice of a node's log path: PUSH to the loggers,
// PULL and write files (a logger), write files locally (a lone node), or hand every batch to an
// injected consumer.
import { ConfigError } from "../errors.js";
import {
  type LogBatchConsumer,
  type LogBatchSink,
  LogReceiver,
  type LogReceiverOptions,
  LogSender,
  type LogSenderOptions,
  LogWriterManager,
  type LogWriterManagerOptions,
  LOCAL_ORIGIN,
  Log,
} from "../logging/index.js";
import { NatsLogSink, type NatsLogSinkOptions } from "../logging/sinks/nats.js";
import type { MetricsRegistry } from "../telemetry/registry.js";
import { curveKeysFrom } from "../transport/curve-keys.js";
import { type ClusterLayout, findNode, isLogReceiver } from "./layout.js";
import { logWriterSettings, type NodeOptions } from "./options.js";

/**
 * Zeek refuses to start a multi-node cluster whose nodes have nowhere to send logs. Throws a
 * ConfigError if `nodeName` is not a log receiver and `endpoints` is empty in a layout with
 * more than one node.
 */
export function checkLogEndpoints(layout: ClusterLayout, nodeName: string, endpoints: readonly string[]): void {
  const self = findNode(layout, nodeName);
  if (endpoints.length > 0 || isLogReceiver(layout, self) || layout.nodes.length < 2) return;
  throw new ConfigError(
    "connect_log_endpoints",
    `node "${nodeName}" has no logger to send logs to: layout ${layout.source} has no logger node with a port` +
      (layout.managerIsLogger ? " and the manager has no port" : " and manager_is_logger is false") +
      `; add a logger (type logger, with a port), give the manager a port with manager_is_logger, or set connect_log_endpoints`,
  );
}

/** The PULL side: listen_log_endpoint, log_rcvhwm, ipv6, CURVE server keys, log_max_records_per_batch. */
export function logReceiverOptions(o: NodeOptions, extra: Omit<LogReceiverOptions, "endpoint"> = {}): LogReceiverOptions {
  const curve = curveKeysFrom(o).server;
  return {
    endpoint: o.listenLogEndpoint,
    receiveHighWaterMark: o.logRcvhwm,
    ipv6: o.ipv6,
    maxRecordsPerBatch: o.logMaxRecordsPerBatch,
    ...(curve ? { curve } : {}),
    ...extra,
  };
}

/**
 * The PUSH side: connect_log_endpoints, log_sndhwm, log_immediate, linger_ms, ipv6, CURVE client
 * keys. log_sndbuf cannot be set from Node (unhonouredOptionWarnings says so at start-up).
 */
export function logSenderOptions(o: NodeOptions, nodeId: string, extra: Pick<LogSenderOptions, "registry" | "report"> = {}): LogSenderOptions {
  const curve = curveKeysFrom(o).client;
  return {
    nodeId,
    endpoints: o.connectLogEndpoints,
    sendHighWaterMark: o.logSndhwm,
    immediate: o.logImmediate,
    linger: o.lingerMs,
    ipv6: o.ipv6,
    ...(curve ? { curve } : {}),
    ...extra,
  };
}

/** The limits of the file sink from log_max_open_files, log_max_paths and log_max_write_amplification. */
export function logWriterLimits(o: NodeOptions): Pick<LogWriterManagerOptions, "maxOpenFiles" | "maxPaths" | "maxWriteAmplification" | "writerThreads"> {
  return { maxOpenFiles: o.logMaxOpenFiles, maxPaths: o.logMaxPaths, maxWriteAmplification: o.logMaxWriteAmplification, writerThreads: o.logWriterThreads };
}

/** The NATS JetStream sink's settings from log_nats_* (and log_max_paths, the JSON options). */
export function natsSinkOptions(o: NodeOptions, extra: Pick<NatsLogSinkOptions, "registry" | "report" | "name" | "onAcked"> = {}): NatsLogSinkOptions {
  return { url: o.logNatsUrl, subjectPrefix: o.logNatsSubjectPrefix, stream: o.logNatsStream, ackWindow: o.logNatsAckWindow, maxPaths: o.logMaxPaths, ...extra };
}

/**
 * The consumer log_sink asks for: the files (LogWriterManager) or NATS JetStream (connecting in
 * the background; records wait in its bounded window, then in the PULL queue, until it is up).
 */
export function logSinkConsumer(o: NodeOptions, files: () => LogWriterManager, extra: Pick<NatsLogSinkOptions, "registry" | "report" | "name" | "onAcked">): LogWriterManager | NatsLogSink {
  if (o.logSink !== "nats") return files();
  const sink = new NatsLogSink(natsSinkOptions(o, extra));
  const report = extra.report ?? ((line: string) => void process.stderr.write(line + "\n"));
  sink.start().catch((err: unknown) => report(`logger: NATS sink: ${(err as Error).message}`));
  return sink;
}

/** How a node's logs leave it (ClusterNodeConfig.logging). */
export interface NodeLoggingConfig {
  /** Directory of local log files (log receivers, and nodes without loggers). @default log_dir, else process.cwd() */
  dir?: string;
  /** File format by name ("tsv", "json", or a registered one). @default log_format ("tsv") */
  format?: string;
  /** Log::flush_interval in seconds. @default 1 */
  flushInterval?: number;
  /** Log::write_buffer_size. @default 1000 */
  writeBufferSize?: number;
  /**
   * Where batches go instead of local files: the node's own streams and, on a log receiver, every
   * received batch. false = a node without loggers discards its logs (counted) instead of
   * writing local files. @default local files
   */
  consumer?: LogBatchConsumer | false;
}

/** The parts of a node's logging, as wired. */
export interface NodeLogging {
  /** Where the node's own streams send their batches. */
  sink: LogBatchSink;
  sender?: LogSender;
  receiver?: LogReceiver;
  /** The consumer the node writes into (files or the injected one); shut down by the node. */
  consumer?: LogBatchConsumer;
}

/**
 * Zeek's setup: a log receiver (listen_log_endpoint set) binds PULL and writes what arrives and
 * its own logs; a node with connect_log_endpoints PUSHes to every logger; a lone node writes local
 * files. The receiver is returned unbound (start() it).
 */
export function wireNodeLogging(args: {
  options: NodeOptions;
  nodeId: string;
  config: NodeLoggingConfig;
  registry: MetricsRegistry;
  msgErrors: LogReceiverOptions["msgErrors"];
  report: (line: string) => void;
  layout?: { layout: ClusterLayout; nodeName: string };
}): NodeLogging {
  const { options: o, config, registry, report } = args;
  const receives = o.listenLogEndpoint !== "";
  if (receives || o.connectLogEndpoints.length === 0) {
    if (config.consumer === false && !receives) {
      const sender = new LogSender(logSenderOptions(o, args.nodeId, { registry, report }));
      return { sink: sender, sender };
    }
    const settings = logWriterSettings(o);
    const consumer =
      config.consumer ||
      logSinkConsumer(o, () => new LogWriterManager({ ...settings, dir: config.dir ?? settings.dir, format: config.format ?? settings.format, registry, report, ...logWriterLimits(o) }), { registry, report, name: args.nodeId });
    const sink: LogBatchSink = { send: (batch) => (consumer.write(batch, LOCAL_ORIGIN), true) };
    if (!receives) return { sink, consumer };
    const receiver = new LogReceiver(consumer, logReceiverOptions(o, { ...(args.msgErrors ? { msgErrors: args.msgErrors } : {}), report, registry }));
    return { sink, consumer, receiver };
  }
  if (args.layout) checkLogEndpoints(args.layout.layout, args.layout.nodeName, o.connectLogEndpoints);
  const sender = new LogSender(logSenderOptions(o, args.nodeId, { registry, report }));
  return { sink: sender, sender };
}

/** A node's logging, started: its Log framework and the parts that close with the node. */
export interface StartedNodeLogging {
  readonly log: Log;
  readonly sender: LogSender | undefined;
  readonly receiver: LogReceiver | undefined;
  /** Flushes the streams, closes the sockets and shuts the consumer down. */
  close(): Promise<void>;
}

/** Wires a node's logging (wireNodeLogging), binds a receiver and builds the node's Log. */
export async function startNodeLogging(args: {
  node: { readonly name: string; readonly nodeId: string; readonly options: NodeOptions; readonly registry: MetricsRegistry; readonly metrics: { readonly msgErrors: NonNullable<LogReceiverOptions["msgErrors"]> } };
  config: NodeLoggingConfig;
  layout: ClusterLayout | undefined;
  report: (line: string) => void;
}): Promise<StartedNodeLogging> {
  const { node, config, layout } = args;
  const wired = wireNodeLogging({
    options: node.options,
    nodeId: node.nodeId,
    config,
    registry: node.registry,
    msgErrors: node.metrics.msgErrors,
    report: args.report,
    ...(layout ? { layout: { layout, nodeName: node.name } } : {}),
  });
  await wired.receiver?.start();
  const log = new Log({ sink: wired.sink, flushInterval: config.flushInterval ?? 1, writeBufferSize: config.writeBufferSize ?? 1000 });
  return {
    log,
    sender: wired.sender,
    receiver: wired.receiver,
    close: async () => {
      log.close();
      await Promise.all([wired.sender?.close(), wired.receiver?.close()]);
      await wired.consumer?.shutdown();
    },
  };
}
