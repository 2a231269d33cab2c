// The logger core (Zeek's logging::Manager on a logger node, writer side only): decoded batches
// in, files out. One PathWriter per (writer, path), created on demand by the first batch, whose
// columns then fix the file's schema; a rotation timer aligned like Zeek's; disk errors handled
// per path so the other paths keep being written. Knows nothing about sockets.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import type { LogBatch } from "../codec/zeek-log/index.js";
import { ConfigError } from "../errors.js";
import type { MetricsRegistry } from "../telemetry/registry.js";
import { AsciiLogFormat, type AsciiFormatOptions } from "./format/ascii.js";
import type { JsonFormatOptions } from "./format/json.js";
import type { LogFile, LogFileEvents } from "./log-file.js";
import { type DropReason, LoggerMetrics, type PathCounters } from "./metrics.js";
import { type LogFormatName, PathWriter, type PathWriterConfig, type RotatedFile, sameFields } from "./path-writer.js";

/** Zeek's `Log::WRITER_ASCII`: the writer this logger implements. */
export const WRITER_ASCII = "Log::WRITER_ASCII";

export interface LogWriterManagerOptions {
  /** Directory of the log files (created if missing). */
  dir: string;
  /** Output of the ASCII writer. @default "tsv" */
  format?: LogFormatName;
  /** Per-path format overrides, e.g. { conn: "json" }. */
  formats?: Readonly<Record<string, LogFormatName>>;
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
}

/** Local paths this logger creates files for: no directories, no hidden files. */
const SAFE_PATH = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,199}$/;
/** Formatted output of a path is handed to its file once this large, even within one turn. */
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

export class LogWriterManager {
  private readonly writers = new Map<string, PathWriter>();
  private readonly metrics: LoggerMetrics | undefined;
  private readonly countersByPath = new Map<string, PathCounters>();
  private readonly cfg: Omit<PathWriterConfig, "format">;
  private readonly warned = new Set<string>();
  private readonly dirty = new Set<PathWriter>();
  private flushScheduled = false;
  private rotationTimer: NodeJS.Timeout | null = null;
  private readonly postProcesses = new Set<Promise<void>>();
  private closed = false;
  private readonly uncongested: (() => void)[] = [];
  private lastFullReport = 0;
  private readonly report: (line: string) => void;
  /** Totals over every path (for callers that do not scrape metrics). */
  readonly totals = { batches: 0, records: 0, written: 0, dropped: 0 };

  constructor(private readonly opts: LogWriterManagerOptions) {
    const interval = opts.rotationInterval ?? 0;
    if (!(interval >= 0) || !Number.isFinite(interval)) throw new ConfigError("rotation_interval", `must be a number of seconds >= 0, got ${interval}`);
    try {
      mkdirSync(opts.dir, { recursive: true });
    } catch (err) {
      throw new ConfigError("dir", `cannot create log directory ${opts.dir}: ${(err as Error).message}`, { cause: err });
    }
    this.report = opts.report ?? ((line) => void process.stderr.write(line + "\n"));
    this.metrics = opts.registry ? new LoggerMetrics(opts.registry) : undefined;
    const events: LogFileEvents = {
      onError: (file, err, queued) => {
        this.diskError(file, err, queued);
        this.checkCongestion(); // a failing file no longer holds the receiver back
      },
      onRecovered: (file) => this.report(`logger: writing ${file.name} works again`),
      onWritten: (file, bytes) => {
        const w = this.writerOfFile(file);
        if (w) w.counters.bytesWritten.value += bytes;
        opts.onDiskWrite?.(bytes);
        this.checkCongestion();
      },
    };
    this.cfg = {
      dir: opts.dir,
      ascii: new AsciiLogFormat(opts.ascii),
      json: opts.json ?? {},
      suffix: opts.suffix ?? process.env["ZEEK_LOG_SUFFIX"] ?? "log",
      file: { ...(opts.retryMs !== undefined ? { retryMs: opts.retryMs } : {}), ...(opts.maxQueuedBytes !== undefined ? { maxQueuedBytes: opts.maxQueuedBytes } : {}) },
      events,
    };
    if (interval > 0) this.scheduleRotation(interval);
  }

  private writerOfFile(file: LogFile): PathWriter | undefined {
    for (const w of this.writers.values()) if (w.fileName === file.name) return w;
    return undefined;
  }

  private diskError(file: LogFile, err: NodeJS.ErrnoException, queued: number): void {
    const w = this.writerOfFile(file);
    if (w) w.counters.writeErrors.value++;
    const hint =
      err.code === "ENOSPC" ? "free disk space" : err.code === "EACCES" || err.code === "EPERM" ? `make ${this.opts.dir} writable for this user` : "check the disk";
    this.report(`logger: cannot write ${file.name}: ${err.message}; ${queued} bytes stay queued and are retried (${hint}); other logs are not affected`);
  }

  private warnOnce(key: string, line: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.report(line);
  }

  private counters(path: string): PathCounters {
    let c = this.countersByPath.get(path);
    if (c === undefined) {
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
   * Writes one batch (from any sender). `payloadBytes` is its serialized size, for metrics.
   * Never throws for bad content: unwritable batches are counted, reported once and skipped.
   */
  write(batch: LogBatch, payloadBytes = 0, sender = "?"): void {
    if (this.closed) throw new Error("LogWriterManager: write after close");
    const path = batch.path;
    const n = batch.records.length;
    this.totals.batches++;
    this.totals.records += n;
    if (!SAFE_PATH.test(path)) {
      this.drop("", "bad-path", n);
      this.warnOnce(`path:${path}`, `logger: batch from ${sender} for stream ${batch.stream} has path ${JSON.stringify(path)}, which is not a plain file name; its records are dropped (counted in zeek_logger_dropped_records_total{reason="bad-path"})`);
      return;
    }
    const counters = this.counters(path);
    counters.batchesReceived.value++;
    counters.recordsReceived.value += n;
    counters.bytesReceived.value += payloadBytes;
    if (batch.writer !== WRITER_ASCII) {
      this.drop(path, "unknown-writer", n);
      this.warnOnce(`writer:${batch.writer}`, `logger: writer ${batch.writer} (path ${path}, from ${sender}) is not supported, only ${WRITER_ASCII}; its records are dropped (counted in zeek_logger_dropped_records_total{reason="unknown-writer"})`);
      return;
    }
    let w = this.writers.get(path);
    if (w === undefined) {
      const format = this.opts.formats?.[path] ?? this.opts.format ?? "tsv";
      w = new PathWriter(path, batch.fields, { ...this.cfg, format }, counters);
      this.writers.set(path, w);
    } else if (!sameFields(w.fields, batch.fields)) {
      this.drop(path, "schema-mismatch", n);
      this.warnOnce(`schema:${path}:${batch.fields.map((f) => `${f.name}:${f.type}:${f.subtype}`).join(",")}`, `logger: batch for ${path} from ${sender} has columns (${batch.fields.map((f) => f.name).join(", ")}) that differ from the ones ${w.fileName} was opened with; its records are dropped (counted with reason "schema-mismatch")`);
      return;
    }
    if (w.full && w.failing !== undefined) {
      // Only a failing file drops (a slow one stops the receiver instead, see congested).
      this.drop(path, "disk-queue-full", n);
      const now = Date.now();
      if (now - this.lastFullReport >= 10_000) {
        this.lastFullReport = now;
        this.report(`logger: dropping ${path} records: ${w.pendingBytes} bytes for ${w.fileName} are waiting for a failing disk (counted in zeek_logger_dropped_records_total{reason="disk-queue-full"})`);
      }
      return;
    }
    const written = w.write(batch.records, (err) => {
      this.drop(path, "bad-value", 1);
      this.warnOnce(`value:${path}`, `logger: a ${path} record from ${sender} cannot be written and is dropped: ${(err as Error).message}`);
    });
    counters.recordsWritten.value += written;
    this.totals.written += written;
    if (w.pendingBytes >= FLUSH_BYTES) w.flush();
    else this.markDirty(w);
  }

  private markDirty(w: PathWriter): void {
    this.dirty.add(w);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushDirty);
    }
  }

  private readonly flushDirty = (): void => {
    this.flushScheduled = false;
    for (const w of this.dirty) w.flush();
    this.dirty.clear();
  };

  /** Hands all formatted output to the files now. */
  flush(): void {
    this.flushDirty();
  }

  /**
   * True while a file that is not failing has a full queue: the disk is slower than the input.
   * The receiver then stops reading (the senders' HWMs take the pressure) instead of dropping.
   */
  get congested(): boolean {
    for (const w of this.writers.values()) if (w.full && !w.failing) return true;
    return false;
  }

  private checkCongestion(): void {
    if (this.uncongested.length > 0 && !this.congested) for (const f of this.uncongested.splice(0)) f();
  }

  /** Calls `f` once the manager is no longer congested. */
  whenUncongested(f: () => void): void {
    if (!this.congested) f();
    else this.uncongested.push(f);
  }

  /** Paths with an open writer. */
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
   * bytes that could not be written (0 = nothing lost).
   */
  async close(): Promise<number> {
    if (this.closed) return 0;
    if (this.rotationTimer !== null) clearTimeout(this.rotationTimer);
    this.flushDirty();
    let lost = 0;
    if ((this.opts.rotationInterval ?? 0) > 0) await this.rotate(true);
    else lost += (await Promise.all([...this.writers.values()].map((w) => w.close()))).reduce((a, b) => a + b, 0);
    this.closed = true;
    for (const w of this.writers.values()) lost += w.lost;
    await Promise.all(this.postProcesses);
    if (lost > 0) this.report(`logger: ${lost} bytes of log output could not be written before shutdown (see the disk errors above)`);
    return lost;
  }
}

function z(): { value: number; inc(n?: number): void } {
  return { value: 0, inc(n = 1) { this.value += n; } };
}
