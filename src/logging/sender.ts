// A node's log PUSH socket (Zeek's ZeroMQ backend DoPublishLogWrites): one 4-part message
// `log-write | node id | zeek-bin-serializer | batch` per batch, load-balanced over every logger
// in connect_log_endpoints. Like Zeek it never blocks: when every logger connection is at
// log_sndhwm the batch is not sent; unlike a silent drop, that is counted and reported.
import { type ClusterLayout, findNode, isLogReceiver } from "../cluster/layout.js";
import type { NodeOptions } from "../cluster/options.js";
import { encodeLogBatch, LOG_FORMAT, type LogBatch } from "../codec/zeek-log/index.js";
import { ConfigError } from "../errors.js";
import type { MetricsRegistry } from "../telemetry/registry.js";
import { curveKeysFrom, type CurveOption } from "../transport/curve-keys.js";
import { Push } from "../transport/index.js";
import { LogSenderMetrics } from "./metrics.js";

const LOG_WRITE = Buffer.from("log-write");
const FORMAT = Buffer.from(LOG_FORMAT);
/** At most one HWM report per this many ms (the counter has the exact number). */
const REPORT_EVERY_MS = 10_000;

export interface LogSenderOptions {
  /** This node's id (frame 2), e.g. from makeNodeId(). */
  nodeId: string;
  /** connect_log_endpoints. */
  endpoints: readonly string[];
  /** log_sndhwm. @default 1000 */
  sendHighWaterMark?: number;
  /** log_immediate. @default false */
  immediate?: boolean;
  /** linger_ms. @default 500 */
  linger?: number;
  /** ipv6. @default true */
  ipv6?: boolean;
  /** CURVE client keys (Zeek: the node's PUSH is a CURVE client when keys are configured). */
  curve?: CurveOption | null;
  registry?: MetricsRegistry;
  report?: (line: string) => void;
}

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

export class LogSender {
  readonly metrics: LogSenderMetrics | undefined;
  private readonly push: Push | null;
  private readonly header: Buffer[];
  private readonly report: (line: string) => void;
  private lastReport = 0;
  private droppedSinceReport = 0;
  private warnedNoLogger = false;
  private readonly counts = { batches: 0, records: 0, bytes: 0, hwmDrops: 0, hwmDroppedRecords: 0 };

  constructor(private readonly opts: LogSenderOptions) {
    this.metrics = opts.registry ? new LogSenderMetrics(opts.registry) : undefined;
    this.report = opts.report ?? ((line) => void process.stderr.write(line + "\n"));
    this.header = [LOG_WRITE, Buffer.from(opts.nodeId), FORMAT];
    if (opts.endpoints.length === 0) {
      this.push = null;
      return;
    }
    this.push = new Push({
      sendHighWaterMark: opts.sendHighWaterMark ?? 1000,
      immediate: opts.immediate ?? false,
      linger: opts.linger ?? 500,
      ipv6: opts.ipv6 ?? true,
      ...(opts.curve ? { curve: opts.curve } : {}),
    });
    for (const e of opts.endpoints) this.push.connect(e);
  }

  /**
   * A sender configured like Zeek's node: connect_log_endpoints, log_sndhwm, log_immediate,
   * linger_ms, ipv6. With `layout` and `nodeName`, a multi-node layout without loggers is a
   * ConfigError (see checkLogEndpoints). log_sndbuf cannot be set from Node (a start-up warning
   * comes from unhonouredOptionWarnings).
   */
  static fromOptions(
    o: NodeOptions,
    nodeId: string,
    extra: { layout?: ClusterLayout; nodeName?: string; registry?: MetricsRegistry; report?: (line: string) => void } = {},
  ): LogSender {
    if (extra.layout && extra.nodeName !== undefined) checkLogEndpoints(extra.layout, extra.nodeName, o.connectLogEndpoints);
    return new LogSender({
      nodeId,
      endpoints: o.connectLogEndpoints,
      sendHighWaterMark: o.logSndhwm,
      immediate: o.logImmediate,
      linger: o.lingerMs,
      ipv6: o.ipv6,
      curve: curveKeysFrom(o).client,
      ...(extra.registry ? { registry: extra.registry } : {}),
      ...(extra.report ? { report: extra.report } : {}),
    });
  }

  /** The PUSH socket (for its events: connected, disconnected, drain ...); null without loggers. */
  get socket(): Push | null {
    return this.push;
  }

  /** Totals since start (also exported as metrics when a registry was given). */
  get stats(): Readonly<{ batches: number; records: number; bytes: number; hwmDrops: number; hwmDroppedRecords: number }> {
    return this.counts;
  }

  /** Encodes and sends one batch. False if it was dropped at the HWM (counted and reported). */
  send(batch: LogBatch): boolean {
    return this.sendPayload(encodeLogBatch(batch), batch.records.length, batch.path);
  }

  /**
   * Sends an already serialized batch of `records` records. Never blocks: false means every
   * logger connection is at log_sndhwm and the batch was dropped (counted, reported).
   */
  sendPayload(payload: Uint8Array, records: number, path = "?"): boolean {
    const push = this.push;
    if (push === null) {
      // Zeek returns success when no log endpoint is configured (a single-node setup).
      if (!this.warnedNoLogger) {
        this.warnedNoLogger = true;
        this.report(`log sender ${this.opts.nodeId}: connect_log_endpoints is empty, log writes (first: ${path}) are discarded`);
      }
      return true;
    }
    const c = this.counts;
    if (push.send([this.header[0]!, this.header[1]!, this.header[2]!, payload])) {
      c.batches++;
      c.records += records;
      c.bytes += payload.length;
      const m = this.metrics;
      if (m) {
        m.batches.value++;
        m.records.value += records;
        m.bytes.value += payload.length;
      }
      return true;
    }
    c.hwmDrops++;
    c.hwmDroppedRecords += records;
    if (this.metrics) {
      this.metrics.hwmDrops.value++;
      this.metrics.hwmDroppedRecords.value += records;
    }
    this.droppedSinceReport++;
    const now = Date.now();
    if (now - this.lastReport >= REPORT_EVERY_MS) {
      this.lastReport = now;
      this.report(
        `log sender ${this.opts.nodeId}: failed to send log write for ${path} (${records} records): every logger connection ` +
          `(${this.opts.endpoints.join(", ")}) is at log_sndhwm=${this.opts.sendHighWaterMark ?? 1000}; the loggers are down or too slow. ` +
          `${this.droppedSinceReport} batch(es) dropped since the last report, ${c.hwmDrops} in total (zeek_log_sender_hwm_drops_total). ` +
          `Raise log_sndhwm or add loggers.`,
      );
      this.droppedSinceReport = 0;
    }
    return false;
  }

  /** Closes the PUSH socket; queued batches get linger_ms to reach a logger. */
  async close(): Promise<void> {
    await this.push?.close();
  }
}
