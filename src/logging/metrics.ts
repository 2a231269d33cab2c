// Metrics of the logger and of log senders, Zeek-style names (`zeek_` prefix, counters `_total`).
import type { Counter, CounterFamily, MetricsRegistry } from "../telemetry/registry.js";

/** Why the logger did not write records it received. */
export type DropReason =
  | "disk-queue-full" // the file's disk fails and its queue is full
  | "write-failed" // queued, then given up on at shutdown or rotation (the disk kept failing)
  | "schema-mismatch"
  | "unknown-writer"
  | "bad-path"
  | "bad-value"
  | "too-many-paths" // log_max_paths
  | "write-amplification" // log_max_write_amplification
  | "too-many-records"; // log_max_records_per_batch

/** Per-path series of one log path, kept by the writer so the hot path bumps fields. */
export interface PathCounters {
  batchesReceived: Counter;
  recordsReceived: Counter;
  bytesReceived: Counter;
  recordsWritten: Counter;
  bytesWritten: Counter;
  writeErrors: Counter;
}

export class LoggerMetrics {
  private readonly batches: CounterFamily;
  private readonly records: CounterFamily;
  private readonly bytesIn: CounterFamily;
  private readonly written: CounterFamily;
  private readonly bytesOut: CounterFamily;
  private readonly errors: CounterFamily;
  private readonly dropped: CounterFamily;

  constructor(registry: MetricsRegistry) {
    this.batches = registry.counterFamily("zeek_logger_received_batches", "Number of log-write batches received per log path.", ["path"]);
    this.records = registry.counterFamily("zeek_logger_received_records", "Number of log records received per log path.", ["path"]);
    this.bytesIn = registry.counterFamily("zeek_logger_received_bytes", "Serialized log-write batch bytes received per log path.", ["path"]);
    this.written = registry.counterFamily("zeek_logger_written_records", "Number of log records written per log path.", ["path"]);
    this.bytesOut = registry.counterFamily("zeek_logger_written_bytes", "Bytes written to log files per log path.", ["path"]);
    this.errors = registry.counterFamily("zeek_logger_write_errors", "Failed log file opens/writes (disk full, permissions) per log path.", ["path"]);
    this.dropped = registry.counterFamily("zeek_logger_dropped_records", "Log records received but not written, by path and reason.", ["path", "reason"]);
  }

  forPath(path: string): PathCounters {
    return {
      batchesReceived: this.batches.withLabels([path]),
      recordsReceived: this.records.withLabels([path]),
      bytesReceived: this.bytesIn.withLabels([path]),
      recordsWritten: this.written.withLabels([path]),
      bytesWritten: this.bytesOut.withLabels([path]),
      writeErrors: this.errors.withLabels([path]),
    };
  }

  drop(path: string, reason: DropReason, records: number): void {
    this.dropped.withLabels([path, reason]).value += records;
  }
}

/** The logger's file-level counters (not per path). */
export function fileMetrics(registry: MetricsRegistry, read: { evictions: () => number; failures: () => number }): void {
  registry.callbackCounter("zeek_logger_file_evictions", "Log files closed to stay within log_max_open_files (reopened in append mode when written again).", read.evictions);
  registry.callbackCounter("zeek_logger_file_failures", "Log file open/write failures (each error code in a row counts once); any makes the logger exit non-zero.", read.failures);
}

/** Counters of a node's LogSender. */
export class LogSenderMetrics {
  /** `zeek_log_sender_batches_total`: log-write messages queued on the PUSH socket. */
  readonly batches: Counter;
  /** `zeek_log_sender_records_total`: records in those batches. */
  readonly records: Counter;
  /** `zeek_log_sender_bytes_total`: serialized batch bytes in those messages. */
  readonly bytes: Counter;
  /** `zeek_log_sender_hwm_drops_total`: batches not sent because every logger was at log_sndhwm. */
  readonly hwmDrops: Counter;
  /** `zeek_log_sender_hwm_dropped_records_total`: records in those batches. */
  readonly hwmDroppedRecords: Counter;
  /** `zeek_log_sender_linger_drops_total`: batches still queued when linger_ms ran out at close. */
  readonly lingerDrops: Counter;

  constructor(registry: MetricsRegistry) {
    this.batches = registry.counter("zeek_log_sender_batches", "Number of log-write batches sent to loggers.");
    this.records = registry.counter("zeek_log_sender_records", "Number of log records sent to loggers.");
    this.bytes = registry.counter("zeek_log_sender_bytes", "Serialized log-write batch bytes sent to loggers.");
    this.hwmDrops = registry.counter("zeek_log_sender_hwm_drops", "Number of log-write batches dropped because every logger connection was at log_sndhwm.");
    this.hwmDroppedRecords = registry.counter("zeek_log_sender_hwm_dropped_records", "Number of log records in batches dropped at log_sndhwm.");
    this.lingerDrops = registry.counter("zeek_log_sender_linger_drops", "Number of log-write batches still queued when linger_ms ran out at close (lost).");
  }
}
