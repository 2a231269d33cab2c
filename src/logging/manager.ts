// The file sink of a logger (Zeek's logging::Manager on a logger node, writer side only): decoded
// batches in, files out. One PathWriter per path, created on demand by the first batch, whose
// columns then fix the file's schema and whose format comes from the format registry; a rotation
// timer aligned like Zeek's; disk errors handled per path so the other paths keep being written.
// Every per-batch step is O(1) in the number of paths: writers are found by path, files report
// with their writer, congestion is a count, and open descriptors are an LRU budget. Everything a
// sender controls is bounded (paths, output per input byte) and every refusal is counted.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { decodeLogBatch, decodeLogBatchHeader, type LogBatch, type LogBatchHeader, RecordLimitError } from "../codec/zeek-log/index.js";
import { ConfigError, DecodeError, type DecodeErrorCode } from "../errors.js";
import { printable, quoted, Warnings } from "../printable.js";
import type { Counter, MetricsRegistry } from "../telemetry/registry.js";
import { limitHits } from "../telemetry/zeek-metrics.js";
import { LOCAL_ORIGIN, type BatchOrigin, type ConsumerCloseReport, type SerializedBatchChecks, type SerializedBatchConsumer } from "./consumer.js";
import type { AsciiFormatOptions } from "./format/ascii.js";
import type { JsonFormatOptions } from "./format/json.js";
import { isBuiltinLogFormat, logFormat, type LogFormatFactory } from "./format/registry.js";
import { type FormatResult, type FormatSchema, WriterPool } from "./writer-pool.js";
import type { LogFile } from "./log-file.js";
import { type DropReason, fileMetrics, LoggerMetrics, type PathCounters } from "./metrics.js";
import { OpenFiles, openFilesCap } from "./open-files.js";
import { PathWriter, type PathEvents, type PathWriterConfig, type RotatedFile, sameFields } from "./path-writer.js";
import { ByteSink, type SinkMark } from "./sink.js";

/** What the checks before formatting need of a batch (a decoded one or a serialized one's header). */
type BatchHead = Pick<LogBatch, "stream" | "writer" | "path" | "fields">;

/** Zeek's `Log::WRITER_ASCII`: the writer this logger implements. */
export const WRITER_ASCII = "Log::WRITER_ASCII";

/** Defaults of the limits (docs/limits.md says why each is safe). */
export const LOG_LIMIT_DEFAULTS = Object.freeze({
  /** log_max_open_files: 0 = half the soft descriptor limit, at most 4096. */
  maxOpenFiles: 0,
  /** log_max_paths: distinct paths (files and metric series) one logger keeps. */
  maxPaths: 10_000,
  /** log_max_write_amplification: output bytes per received batch byte. */
  maxWriteAmplification: 32,
  /** Bytes queued for the disk over all files before the receiver stops reading. */
  maxQueuedTotalBytes: 256 * 1024 * 1024,
});

export interface LogWriterManagerOptions {
  /** Directory of the log files (created if missing). */
  dir: string;
  /** Output format by registry name ("tsv", "json", or one added with registerLogFormat). @default "tsv" */
  format?: string;
  /** Per-path format overrides, e.g. { conn: "json" }. */
  formats?: Readonly<Record<string, string>>;
  ascii?: AsciiFormatOptions;
  json?: JsonFormatOptions;
  /** File extension. @default process.env.ZEEK_LOG_SUFFIX ?? "log" */
  suffix?: string;
  /** Log::default_rotation_interval in seconds; 0 = no rotation. @default 0 */
  rotationInterval?: number;
  /** Log::default_rotation_postprocessor_cmd: run after each rotation as `CMD FILE PATH OPEN CLOSE TERMINATING WRITER`. */
  postRotateCommand?: string;
  registry?: MetricsRegistry;
  /** Where warnings and errors go (one line each). @default stderr */
  report?: (line: string) => void;
  /** Called after every successful file write with its byte count (progress, benchmarks). */
  onDiskWrite?: (bytes: number) => void;
  /** Disk retry delay (ms). @default 1000 */
  retryMs?: number;
  /** Per-file queue limit in bytes before records are dropped (counted). @default 64 MiB */
  maxQueuedBytes?: number;
  /** All files' queues together: past this the receiver stops reading. @default 256 MiB */
  maxQueuedTotalBytes?: number;
  /** log_max_open_files: descriptors for log files at once (LRU closing beyond); 0 = automatic. Never above half the soft descriptor limit. */
  maxOpenFiles?: number;
  /** log_max_paths: distinct paths; batches for further paths are refused. @default 10000 */
  maxPaths?: number;
  /** log_max_write_amplification: a received batch may produce at most this many output bytes per payload byte. @default 32 */
  maxWriteAmplification?: number;
  /**
   * log_writer_threads: threads that format received batches off the socket thread (each path
   * is bound to one; files, limits and metrics stay on the main thread). 0 = format on the
   * main thread. @default 0
   */
  writerThreads?: number;
  /** Payload bytes handed to writer threads and not yet formatted before the receiver stops reading. @default 16 MiB */
  maxThreadQueueBytes?: number;
}

/** A batch handed to a writer thread, committed to its file in the order the path received it. */
interface PendingBatch {
  readonly w: PathWriter;
  readonly origin: BatchOrigin;
  readonly checks: SerializedBatchChecks | undefined;
  readonly records: number;
  done: boolean;
  written: number;
  chunks: Buffer[];
  rejects: number;
  firstReject: string;
  error?: DecodeError;
  /** The thread died before formatting it. */
  lost?: boolean;
}

/** A path's thread and its number there. */
interface ThreadBinding {
  thread: number;
  id: number;
  schema: FormatSchema | undefined;
}

/** Local paths this logger creates files for: no directories, no hidden files, no separators or controls. */
const SAFE_PATH = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,199}$/;
/** A file's queue is handed to the disk at once past this size, even within one turn. */
const FLUSH_BYTES = 1024 * 1024;

/**
 * Seconds until the next rotation (Zeek's calc_next_rotate with log_rotate_base_time 0:00):
 * rotations fall on multiples of `interval` counted from local midnight.
 */
export function nextRotationDelay(now: Date, interval: number): number {
  const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime() / 1000;
  const t = now.getTime() / 1000;
  return interval - ((t - midnight) % interval);
}

/** Zeek's strftime("%y-%m-%d_%H.%M.%S") of the post-processor arguments. */
function ppTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${p(d.getFullYear() % 100)}-${p(d.getMonth() + 1)}-${p(d.getDate())}_${p(d.getHours())}.${p(d.getMinutes())}.${p(d.getSeconds())}`;
}

function sender(origin: BatchOrigin): string {
  return origin.sender === "" ? "this node" : `sender ${quoted(origin.sender, 120)}`;
}

export class LogWriterManager implements SerializedBatchConsumer {
  private readonly writers = new Map<string, PathWriter>();
  private readonly metrics: LoggerMetrics | undefined;
  private readonly countersByPath = new Map<string, PathCounters>();
  private readonly cfg: PathWriterConfig;
  private readonly formats = new Map<string, LogFormatFactory>();
  private readonly defaultFormat: LogFormatFactory;
  private readonly warnings: Warnings;
  private readonly dirty = new Set<LogFile>();
  /** Files that are full without failing: the disk is slower than the input. */
  private readonly slowFiles = new Set<LogFile>();
  private readonly sink = new ByteSink();
  private readonly openFiles: OpenFiles;
  private readonly maxPaths: number;
  private readonly amplification: number;
  private readonly maxQueuedTotal: number;
  private readonly limits: { paths?: Counter; amplification?: Counter } = {};
  private flushScheduled = false;
  private rotationTimer: NodeJS.Timeout | null = null;
  private readonly postProcesses = new Set<Promise<void>>();
  private closed = false;
  private closedThreads = false;
  private readonly uncongested: (() => void)[] = [];
  private readonly pool: WriterPool | undefined;
  private readonly maxThreadQueue: number;
  private readonly bindings = new Map<PathWriter, ThreadBinding | null>();
  /** Per path, batches in flight on a thread and the ones after them, in receive order. */
  private readonly ordered = new Map<PathWriter, PendingBatch[]>();
  private readonly jobs = new Map<number, PendingBatch>();
  private jobIds = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly report: (line: string) => void;
  /** Totals over every path (for callers that do not scrape metrics). `written` counts records on disk. */
  readonly totals = { batches: 0, records: 0, written: 0, dropped: 0 };
  /** Open/write failures (each error code in a row counts once) and output given up on. */
  readonly health = { failures: 0, lostBytes: 0, lostRecords: 0 };

  constructor(private readonly opts: LogWriterManagerOptions) {
    const interval = opts.rotationInterval ?? 0;
    if (!(interval >= 0) || !Number.isFinite(interval)) throw new ConfigError("rotation_interval", `must be a number of seconds >= 0, got ${interval}`);
    this.defaultFormat = logFormat(opts.format ?? "tsv", "format");
    for (const [path, name] of Object.entries(opts.formats ?? {})) this.formats.set(path, logFormat(name, `format of path ${path}`));
    try {
      mkdirSync(opts.dir, { recursive: true });
    } catch (err) {
      throw new ConfigError("dir", `cannot create log directory ${opts.dir}: ${(err as Error).message}`, { cause: err });
    }
    this.report = opts.report ?? ((line) => void process.stderr.write(line + "\n"));
    this.warnings = new Warnings(this.report);
    const cap = openFilesCap(opts.maxOpenFiles ?? LOG_LIMIT_DEFAULTS.maxOpenFiles);
    if (cap.lowered !== undefined) this.report(`logger: ${cap.lowered}`);
    this.openFiles = new OpenFiles(cap.cap);
    this.maxPaths = opts.maxPaths ?? LOG_LIMIT_DEFAULTS.maxPaths;
    this.amplification = opts.maxWriteAmplification ?? LOG_LIMIT_DEFAULTS.maxWriteAmplification;
    this.maxQueuedTotal = opts.maxQueuedTotalBytes ?? LOG_LIMIT_DEFAULTS.maxQueuedTotalBytes;
    if (opts.registry) {
      this.metrics = new LoggerMetrics(opts.registry);
      this.limits.paths = limitHits(opts.registry, "log_max_paths");
      this.limits.amplification = limitHits(opts.registry, "log_max_write_amplification");
      fileMetrics(opts.registry, { evictions: () => this.openFiles.evictions, failures: () => this.health.failures });
    }
    const events: PathEvents = {
      onError: (w, file, err, queued) => {
        this.health.failures++;
        w.counters.writeErrors.value++;
        this.slowFiles.delete(file); // a failing file no longer holds the receiver back
        const hint =
          err.code === "ENOSPC" || err.code === "EDQUOT"
            ? "free disk space"
            : err.code === "EFBIG"
              ? "the file size limit (ulimit -f) is reached; rotate or raise it"
              : err.code === "EMFILE" || err.code === "ENFILE"
                ? "too many open files: lower log_max_open_files or raise ulimit -n"
                : err.code === "EACCES" || err.code === "EPERM"
                  ? `make ${opts.dir} writable for this user`
                  : "check the disk";
        this.report(`logger: cannot write ${file.name}: ${err.message}; ${queued} bytes stay queued and are retried (${hint}); other logs are not affected`);
        this.checkCongestion();
      },
      onRecovered: (_w, file) => {
        this.report(`logger: writing ${file.name} works again`);
        if (file.full) this.slowFiles.add(file);
      },
      onWritten: (w, file, bytes, records) => {
        w.counters.bytesWritten.value += bytes;
        w.counters.recordsWritten.value += records;
        this.totals.written += records;
        opts.onDiskWrite?.(bytes);
        if (!file.full) this.slowFiles.delete(file);
        this.checkCongestion();
      },
    };
    this.cfg = {
      dir: opts.dir,
      format: this.defaultFormat,
      formatOptions: { ...(opts.ascii ? { ascii: opts.ascii } : {}), ...(opts.json ? { json: opts.json } : {}) },
      suffix: opts.suffix ?? process.env["ZEEK_LOG_SUFFIX"] ?? "log",
      file: { ...(opts.retryMs !== undefined ? { retryMs: opts.retryMs } : {}), ...(opts.maxQueuedBytes !== undefined ? { maxQueuedBytes: opts.maxQueuedBytes } : {}) },
      events,
      openFiles: this.openFiles,
    };
    if (interval > 0) this.scheduleRotation(interval);
    const threads = opts.writerThreads ?? 0;
    if (!Number.isInteger(threads) || threads < 0) throw new ConfigError("log_writer_threads", `must be an integer >= 0, got ${threads}`);
    this.maxThreadQueue = opts.maxThreadQueueBytes ?? 16 * 1024 * 1024;
    if (threads > 0) this.pool = new WriterPool(threads, { result: (r) => this.threadResult(r), failed: (err, ids) => this.threadFailed(err, ids) });
  }

  /** Descriptors the log files may use at once (log_max_open_files after the descriptor-limit check). */
  get maxOpenFiles(): number {
    return this.openFiles.max;
  }

  /** Log files open now. */
  get openFileCount(): number {
    return this.openFiles.open;
  }

  /** Per-path counters; paths beyond log_max_paths share the series of path "". */
  private counters(path: string): PathCounters {
    let c = this.countersByPath.get(path);
    if (c === undefined) {
      if (this.countersByPath.size >= this.maxPaths + 1 && path !== "") return this.counters("");
      c = this.metrics?.forPath(path) ?? { batchesReceived: z(), recordsReceived: z(), bytesReceived: z(), recordsWritten: z(), bytesWritten: z(), writeErrors: z() };
      this.countersByPath.set(path, c);
    }
    return c;
  }

  private drop(path: string, reason: DropReason, records: number): void {
    this.totals.dropped += records;
    this.metrics?.drop(path, reason, records);
  }

  /**
   * Writes one batch. `origin.payloadBytes` is its serialized size (metrics and the amplification
   * limit). Never throws for bad content: unwritable batches are counted, reported and skipped.
   */
  write(batch: LogBatch, origin: BatchOrigin = LOCAL_ORIGIN): void {
    if (this.closed) throw new Error("LogWriterManager: write after close");
    const w = this.accept(batch, batch.records.length, origin);
    if (w === undefined) return;
    const sink = this.sink;
    const mark = sink.mark();
    const written = w.formatRecords(sink, batch.records, this.rejecter(w.path, origin), this.maxBytes(origin));
    this.finish(w, written, batch.records.length, origin, mark);
  }

  /**
   * Writes one serialized batch (a receiver's payload): the records are formatted straight from
   * the bytes when the path's format can (decoded first otherwise). A malformed batch or one over
   * `checks.maxRecords` is refused through `checks`; nothing of it is written.
   */
  writeSerialized(payload: Buffer, origin: BatchOrigin, checks: SerializedBatchChecks): void {
    if (this.closed) throw new Error("LogWriterManager: write after close");
    let head: LogBatchHeader;
    try {
      head = decodeLogBatchHeader(payload, { maxRecords: checks.maxRecords });
    } catch (err) {
      return this.refuse(err, origin, checks);
    }
    const w = this.accept(head, head.count, origin);
    if (w === undefined) return;
    const binding = this.pool !== undefined ? this.binding(w) : null;
    if (binding !== null) return this.submit(w, binding, payload, head, origin, checks);
    const sink = this.sink;
    const mark = sink.mark();
    let written: number;
    try {
      if (w.serialized) written = w.formatSerialized(sink, payload, head.offset, head.count, this.rejecter(w.path, origin), this.maxBytes(origin));
      else {
        const batch = decodeLogBatch(payload, { maxRecords: checks.maxRecords });
        written = w.formatRecords(sink, batch.records, this.rejecter(w.path, origin), this.maxBytes(origin));
      }
    } catch (err) {
      sink.rollback(mark);
      return this.refuse(err, origin, checks);
    }
    this.finish(w, written, head.count, origin, mark);
  }

  /** The thread of a path whose format can run there (a built-in one reading serialized batches), else null. */
  private binding(w: PathWriter): ThreadBinding | null {
    let b = this.bindings.get(w);
    if (b === undefined) {
      const factory = this.formats.get(w.path) ?? this.defaultFormat;
      const thread = w.serialized && isBuiltinLogFormat(factory) ? this.pool!.assign() : -1;
      b = thread < 0 ? null : { thread, id: this.bindings.size, schema: { format: factory.name, path: w.path, fields: w.fields, options: this.cfg.formatOptions } };
      this.bindings.set(w, b);
    }
    if (b !== null && !this.pool!.alive(b.thread)) return null;
    return b;
  }

  private submit(w: PathWriter, b: ThreadBinding, payload: Buffer, head: LogBatchHeader, origin: BatchOrigin, checks: SerializedBatchChecks): void {
    const id = ++this.jobIds;
    const job: PendingBatch = { w, origin, checks, records: head.count, done: false, written: 0, chunks: [], rejects: 0, firstReject: "" };
    this.jobs.set(id, job);
    let q = this.ordered.get(w);
    if (q === undefined) this.ordered.set(w, (q = []));
    q.push(job);
    this.pool!.submit(b.thread, { id, writer: b.id, ...(b.schema ? { schema: b.schema } : {}), offset: head.offset, count: head.count, maxBytes: this.maxBytes(origin) }, payload);
    b.schema = undefined;
  }

  private threadResult(r: FormatResult): void {
    const job = this.jobs.get(r.id);
    if (job === undefined) return;
    this.jobs.delete(r.id);
    job.done = true;
    job.written = r.written;
    job.rejects = r.rejects;
    job.firstReject = r.firstReject;
    if (r.lines !== undefined && r.lines.byteLength > 0) job.chunks = [Buffer.from(r.lines)];
    if (r.error !== undefined) {
      const e = r.error;
      const tail = ` at offset ${e.offset}`;
      job.error = new DecodeError(e.format, e.code as DecodeErrorCode, e.offset, e.message.slice(e.format.length + 2, e.message.endsWith(tail) ? -tail.length : undefined));
    }
    this.commitInOrder(job.w);
  }

  private threadFailed(err: Error, ids: number[]): void {
    if (this.closedThreads) return;
    this.health.failures++;
    this.report(`logger: a log writer thread failed: ${printable(err.message)}; ${ids.length} batch(es) it was formatting are lost (counted in zeek_logger_dropped_records_total{reason="write-failed"}); its paths are formatted on the main thread from now on`);
    const touched = new Set<PathWriter>();
    for (const id of ids) {
      const job = this.jobs.get(id);
      if (job === undefined) continue;
      this.jobs.delete(id);
      job.done = true;
      job.lost = true;
      touched.add(job.w);
    }
    for (const w of touched) this.commitInOrder(w);
  }

  /** Commits the finished batches at the head of a path's queue, in receive order. */
  private commitInOrder(w: PathWriter): void {
    const q = this.ordered.get(w);
    if (q !== undefined) {
      while (q.length > 0 && q[0]!.done) this.commit(q.shift()!);
      if (q.length === 0) this.ordered.delete(w);
    }
    if (this.jobs.size === 0) for (const f of this.idleWaiters.splice(0)) f();
    this.checkCongestion();
  }

  private commit(job: PendingBatch): void {
    const { w, origin } = job;
    if (job.lost) return this.drop(w.path, "write-failed", job.records);
    if (job.error !== undefined) return job.checks?.malformed(job.error, origin.sender);
    if (job.rejects > 0) {
      this.drop(w.path, "bad-value", job.rejects);
      this.warnings.once(`value:${w.path}`, () => `logger: a ${w.path} record from ${sender(origin)} cannot be written and is dropped: ${job.firstReject}`);
    }
    if (job.written < 0) return this.refuseAmplified(w.path, job.records, origin);
    this.queue(w, job.chunks, job.written);
  }

  /** Resolves once every batch handed to a writer thread is committed. */
  private threadsIdle(): Promise<void> {
    if (this.jobs.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private refuse(err: unknown, origin: BatchOrigin, checks: SerializedBatchChecks): void {
    if (err instanceof RecordLimitError) return checks.overLimit(err, origin.sender);
    if (err instanceof DecodeError) return checks.malformed(err, origin.sender);
    throw err;
  }

  private maxBytes(origin: BatchOrigin): number {
    return origin.payloadBytes > 0 ? this.amplification * origin.payloadBytes : Infinity;
  }

  private rejecter(path: string, origin: BatchOrigin): (err: unknown) => void {
    return (err) => {
      this.drop(path, "bad-value", 1);
      this.warnings.once(`value:${path}`, () => `logger: a ${path} record from ${sender(origin)} cannot be written and is dropped: ${printable((err as Error).message)}`);
    };
  }

  /**
   * The checks of a batch before its records are formatted: path, limits, writer, columns and a
   * failing disk. Counts it as received; returns its writer, or undefined if it is refused.
   */
  private accept(head: BatchHead, n: number, origin: BatchOrigin): PathWriter | undefined {
    const path = head.path;
    this.totals.batches++;
    this.totals.records += n;
    let w = this.writers.get(path);
    if (w === undefined) {
      w = this.newWriter(head, n, origin);
      if (w === undefined) return undefined;
    } else {
      const counters = w.counters;
      counters.batchesReceived.value++;
      counters.recordsReceived.value += n;
      counters.bytesReceived.value += origin.payloadBytes;
      if (head.writer !== WRITER_ASCII) return this.unknownWriter(head, n, origin);
      if (!sameFields(w.fields, head.fields)) {
        this.drop(path, "schema-mismatch", n);
        this.warnings.once(`schema:${path}`, () => `logger: a batch for ${path} from ${sender(origin)} has columns (${head.fields.map((f) => printable(f.name, 64)).join(", ")}) that differ from the ones ${w!.fileName} was opened with; its records are dropped (counted in zeek_logger_dropped_records_total{reason="schema-mismatch"})`);
        return undefined;
      }
    }
    if (w.failing !== undefined && (w.full || this.openFiles.queuedBytes >= this.maxQueuedTotal)) {
      // Only a failing file drops (a slow one stops the receiver instead, see congested).
      this.drop(path, "disk-queue-full", n);
      this.warnings.always(() => `logger: dropping ${path} records: ${w!.current?.queuedBytes ?? 0} bytes for ${w!.fileName} are waiting for a failing disk (${w!.failing}; counted in zeek_logger_dropped_records_total{reason="disk-queue-full"})`);
      return undefined;
    }
    return w;
  }

  /** After formatting: refuses a batch past the amplification limit, else queues its lines on the file. */
  private finish(w: PathWriter, written: number, n: number, origin: BatchOrigin, mark: SinkMark): void {
    const sink = this.sink;
    if (written < 0) {
      sink.rollback(mark);
      this.refuseAmplified(w.path, n, origin);
      return;
    }
    const chunks = sink.take();
    const q = this.ordered.get(w);
    // Batches of this path still on a thread come first.
    if (q !== undefined) q.push({ w, origin, checks: undefined, records: n, done: true, written, chunks, rejects: 0, firstReject: "" });
    else this.queue(w, chunks, written);
  }

  private refuseAmplified(path: string, n: number, origin: BatchOrigin): void {
    this.drop(path, "write-amplification", n);
    if (this.limits.amplification) this.limits.amplification.value++;
    this.warnings.once(`amplification:${origin.sender}`, () => `logger: refused a ${path} batch from ${sender(origin)}: its ${n} records would write more than log_max_write_amplification=${this.amplification} bytes per received byte (${origin.payloadBytes} bytes received); counted in zeek_zmq_limit_hits_total{reason="log_max_write_amplification"}`);
  }

  /** Queues formatted lines on the path's file and schedules the disk write. */
  private queue(w: PathWriter, chunks: Buffer[], written: number): void {
    const file = w.commit(chunks, written);
    if (file.full && file.failing === undefined) this.slowFiles.add(file);
    if (file.queuedBytes >= FLUSH_BYTES) file.kick();
    else this.markDirty(file);
  }

  /** The first batch of a path: checks what a path must be, then opens its writer (or refuses). */
  private newWriter(head: BatchHead, n: number, origin: BatchOrigin): PathWriter | undefined {
    const path = head.path;
    if (!SAFE_PATH.test(path)) {
      this.drop("", "bad-path", n);
      this.warnings.once(`path:${origin.sender}`, () => `logger: a batch from ${sender(origin)} for stream ${quoted(head.stream, 64)} has path ${quoted(path, 64)}, which is not a plain file name; its records are dropped (counted in zeek_logger_dropped_records_total{reason="bad-path"})`);
      return undefined;
    }
    if (this.writers.size >= this.maxPaths) {
      this.drop("", "too-many-paths", n);
      if (this.limits.paths) this.limits.paths.value++;
      this.warnings.once(`paths:${origin.sender}`, () => `logger: refused a batch for a new path ${quoted(path, 64)} from ${sender(origin)}: log_max_paths=${this.maxPaths} paths are open; counted in zeek_zmq_limit_hits_total{reason="log_max_paths"}`);
      return undefined;
    }
    const counters = this.counters(path);
    counters.batchesReceived.value++;
    counters.recordsReceived.value += n;
    counters.bytesReceived.value += origin.payloadBytes;
    if (head.writer !== WRITER_ASCII) return this.unknownWriter(head, n, origin);
    const w = new PathWriter(path, head.fields, { ...this.cfg, format: this.formats.get(path) ?? this.defaultFormat }, counters);
    this.writers.set(path, w);
    return w;
  }

  private unknownWriter(head: BatchHead, n: number, origin: BatchOrigin): undefined {
    this.drop(head.path, "unknown-writer", n);
    this.warnings.once(`writer:${head.writer}`, () => `logger: writer ${quoted(head.writer, 64)} (path ${head.path}, from ${sender(origin)}) is not supported, only ${WRITER_ASCII}; its records are dropped (counted in zeek_logger_dropped_records_total{reason="unknown-writer"})`);
    return undefined;
  }

  private markDirty(file: LogFile): void {
    this.dirty.add(file);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushDirty);
    }
  }

  private readonly flushDirty = (): void => {
    this.flushScheduled = false;
    for (const f of this.dirty) f.kick();
    this.dirty.clear();
  };

  /** Hands all formatted output to the files now. */
  flush(): void {
    this.flushDirty();
  }

  /**
   * True while a file that is not failing has a full queue (the disk is slower than the input),
   * or all queues together are at their limit. The receiver then stops reading (the senders'
   * HWMs take the pressure) instead of dropping.
   */
  get congested(): boolean {
    return this.slowFiles.size > 0 || this.openFiles.queuedBytes >= this.maxQueuedTotal || (this.pool !== undefined && this.pool.inflightBytes >= this.maxThreadQueue);
  }

  private checkCongestion(): void {
    if (this.uncongested.length > 0 && !this.congested) for (const f of this.uncongested.splice(0)) f();
  }

  /** Calls `f` once the manager is no longer congested. */
  whenUncongested(f: () => void): void {
    if (!this.congested) f();
    else this.uncongested.push(f);
  }

  /** Paths with a writer. */
  get paths(): string[] {
    return [...this.writers.keys()];
  }

  private scheduleRotation(interval: number): void {
    const delay = nextRotationDelay(new Date(), interval);
    this.rotationTimer = setTimeout(() => {
      this.rotationTimer = null;
      void this.rotate(false);
      if (!this.closed) this.scheduleRotation(interval);
    }, delay * 1000);
    this.rotationTimer.unref();
  }

  /** Rotates every open file now; resolves when all are renamed (post-processors run in the background). */
  async rotate(terminating = false): Promise<RotatedFile[]> {
    this.flushDirty();
    const now = new Date();
    const done = await Promise.all(
      [...this.writers.values()].map((w) =>
        w.rotate(now, terminating).catch((err: unknown) => {
          this.health.failures++;
          this.report(`logger: rotating ${w.fileName} failed: ${(err as Error).message}; it keeps its name and new records are appended to it`);
          return null;
        }),
      ),
    );
    const out = done.filter((r): r is RotatedFile => r !== null);
    for (const r of out) this.postProcess(r);
    return out;
  }

  private postProcess(r: RotatedFile): void {
    const cmd = this.opts.postRotateCommand;
    if (cmd === undefined || cmd === "") return;
    // Zeek's run_rotation_postprocessor_cmd: `cmd file path open close terminating writer`.
    const args = [r.file, r.path, ppTime(r.open), ppTime(r.close), r.terminating ? "1" : "0", "ascii"];
    const p = new Promise<void>((resolve) => {
      const child = spawn("/bin/sh", ["-c", `${cmd} "$@"`, "sh", ...args], { stdio: ["ignore", "inherit", "inherit"] });
      child.on("error", (err) => {
        this.report(`logger: post-rotation command ${JSON.stringify(cmd)} could not start: ${err.message}`);
        resolve();
      });
      child.on("exit", (code, signal) => {
        if (code !== 0) this.report(`logger: post-rotation command ${JSON.stringify(cmd)} for ${r.file} exited with ${signal ?? code}`);
        resolve();
      });
    });
    this.postProcesses.add(p);
    void p.then(() => this.postProcesses.delete(p));
  }

  /**
   * Shutdown: writes #close to every file (rotating them instead when rotation is on, as Zeek
   * does at termination), waits for the disk and for post-rotation commands. Resolves with the
   * bytes that could not be written (0 = nothing lost); `health` has the rest.
   */
  async close(): Promise<number> {
    return (await this.shutdown()).lostBytes;
  }

  async shutdown(): Promise<ConsumerCloseReport> {
    if (this.closed) return { lostBytes: this.health.lostBytes, lostRecords: this.health.lostRecords, failures: this.health.failures };
    if (this.rotationTimer !== null) clearTimeout(this.rotationTimer);
    // Everything handed to the writer threads is formatted and queued before the files close.
    await this.threadsIdle();
    this.closedThreads = true;
    await this.pool?.close();
    this.flushDirty();
    if ((this.opts.rotationInterval ?? 0) > 0) await this.rotate(true);
    else
      await Promise.all(
        [...this.writers.values()].map(async (w) => {
          const lost = await w.close();
          w.lost.bytes += lost.bytes;
          w.lost.records += lost.records;
        }),
      );
    this.closed = true;
    for (const w of this.writers.values()) {
      this.health.lostBytes += w.lost.bytes;
      this.health.lostRecords += w.lost.records;
      if (w.lost.records > 0) this.drop(w.path, "write-failed", w.lost.records);
    }
    await Promise.all(this.postProcesses);
    const h = this.health;
    if (h.lostBytes > 0)
      this.report(`logger: ${h.lostBytes} bytes of log output (${h.lostRecords} records) could not be written before shutdown (see the disk errors above; counted in zeek_logger_dropped_records_total{reason="write-failed"})`);
    this.warnings.flush();
    return { lostBytes: h.lostBytes, lostRecords: h.lostRecords, failures: h.failures };
  }
}

function z(): Counter {
  return { value: 0, inc(n = 1) { this.value += n; } } as Counter;
}
