// A node's log PUSH socket (Zeek's ZeroMQ backend DoPublishLogWrites): one 4-part message
// `log-write | node id | zeek-bin-serializer | batch` per batch, load-balanced over every logger
// in connect_log_endpoints. Like Zeek it never blocks: when every logger connection is at
// log_sndhwm the batch is not sent; unlike a silent drop, that is counted and reported.
import { encodeLogBatch, LOG_FORMAT, type LogBatch } from "../codec/zeek-log/index.js";
import { printable } from "../printable.js";
import type { MetricsRegistry } from "../telemetry/registry.js";
import type { CurveOption } from "../transport/curve-keys.js";
import { Push } from "../transport/index.js";
import type { Pipe } from "../transport/pipe.js";
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
 * PUSH that counts the messages it discards: those still queued for a logger when linger_ms ran
 * out at close (and, with log_immediate, those queued for a logger that went away).
 */
class LogPush extends Push {
  discarded = 0;
  protected override pipeAttached(pipe: Pipe): void {
    // The socket empties a pipe's queue only when it lets the pipe go: count what is in it then.
    const q = pipe.out;
    const clear = q.clear.bind(q);
    q.clear = () => {
      this.discarded += q.length;
      clear();
    };
    super.pipeAttached(pipe);
  }
}

export class LogSender {
  readonly metrics: LogSenderMetrics | undefined;
  private readonly push: LogPush | null;
  private readonly header: Buffer[];
  private readonly report: (line: string) => void;
  private lastReport = 0;
  private droppedSinceReport = 0;
  private warnedNoLogger = false;
  private readonly counts = { batches: 0, records: 0, bytes: 0, hwmDrops: 0, hwmDroppedRecords: 0, lingerDrops: 0 };

  constructor(private readonly opts: LogSenderOptions) {
    this.metrics = opts.registry ? new LogSenderMetrics(opts.registry) : undefined;
    this.report = opts.report ?? ((line) => void process.stderr.write(line + "\n"));
    this.header = [LOG_WRITE, Buffer.from(opts.nodeId), FORMAT];
    if (opts.endpoints.length === 0) {
      this.push = null;
      return;
    }
    this.push = new LogPush({
      sendHighWaterMark: opts.sendHighWaterMark ?? 1000,
      immediate: opts.immediate ?? false,
      linger: opts.linger ?? 500,
      ipv6: opts.ipv6 ?? true,
      ...(opts.curve ? { curve: opts.curve } : {}),
    });
    for (const e of opts.endpoints) this.push.connect(e);
  }

  /** The PUSH socket (for its events: connected, disconnected, drain ...); null without loggers. */
  get socket(): Push | null {
    return this.push;
  }

  /** Totals since start (also exported as metrics when a registry was given). */
  get stats(): Readonly<{ batches: number; records: number; bytes: number; hwmDrops: number; hwmDroppedRecords: number; lingerDrops: number }> {
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
        this.report(`log sender ${this.opts.nodeId}: connect_log_endpoints is empty, log writes (first: ${printable(path, 64)}) are discarded`);
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
        `log sender ${this.opts.nodeId}: failed to send log write for ${printable(path, 64)} (${records} records): every logger connection ` +
          `(${this.opts.endpoints.join(", ")}) is at log_sndhwm=${this.opts.sendHighWaterMark ?? 1000}; the loggers are down or too slow. ` +
          `${this.droppedSinceReport} batch(es) dropped since the last report, ${c.hwmDrops} in total (zeek_log_sender_hwm_drops_total). ` +
          `Raise log_sndhwm or add loggers.`,
      );
      this.droppedSinceReport = 0;
    }
    return false;
  }

  /**
   * Closes the PUSH socket; queued batches get linger_ms to reach a logger. Resolves with the
   * number of batches that were still queued when linger ran out (counted in
   * zeek_log_sender_linger_drops_total and reported in one line); 0 = all handed to the network.
   */
  async close(): Promise<number> {
    const push = this.push;
    if (push === null) return 0;
    const before = push.discarded;
    await push.close();
    const dropped = push.discarded - before;
    if (dropped > 0) {
      this.counts.lingerDrops += dropped;
      if (this.metrics) this.metrics.lingerDrops.value += dropped;
      this.report(
        `log sender ${this.opts.nodeId}: ${dropped} log batch(es) were still queued for ${this.opts.endpoints.join(", ")} when linger_ms=${this.opts.linger ?? 500} ran out at close and are lost ` +
          `(zeek_log_sender_linger_drops_total); start loggers before and stop them after the other nodes, or raise linger_ms.`,
      );
    }
    return dropped;
  }
}
