// The writer of one (writer, path): Zeek's ASCII writer backend, in TSV or JSON form. It owns the
// current file (opened on the first write after start or rotation, like Zeek's), formats
// records into large chunks and hands them to a LogFile; rotation closes the file with #close,
// renames it with Zeek's name (`conn.2026-11-22-04-00-00.log`) and opens the next one lazily.
import { existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { LogField, LogValue } from "../codec/zeek-log/index.js";
import { AsciiRecordWriter } from "./ascii-records.js";
import { AsciiLogFormat, formatLogTimestamp } from "./format/ascii.js";
import { formatJsonLogRecord, type JsonFormatOptions } from "./format/json.js";
import { LogFile, type LogFileEvents, type LogFileOptions } from "./log-file.js";
import type { PathCounters } from "./metrics.js";
import { ByteSink } from "./sink.js";

/** Output form of Zeek's ASCII writer: TSV with meta lines (default) or LogAscii::use_json. */
export type LogFormatName = "tsv" | "json";

export interface PathWriterConfig {
  dir: string;
  format: LogFormatName;
  ascii: AsciiLogFormat;
  json: JsonFormatOptions;
  /** File extension without the dot (Zeek: ZEEK_LOG_SUFFIX, else "log"). */
  suffix: string;
  file: LogFileOptions;
  events: LogFileEvents;
}

/** A file closed by rotation (or by shutdown with rotation on). */
export interface RotatedFile {
  /** Full name after the rename. */
  file: string;
  path: string;
  open: Date;
  close: Date;
  terminating: boolean;
}

/** Same columns as Zeek's logger compares them: count, names, types, element types. */
export function sameFields(a: readonly LogField[], b: readonly LogField[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name || x.type !== y.type || x.subtype !== y.subtype) return false;
  }
  return true;
}

export class PathWriter {
  private file: LogFile | null = null;
  private openTime = new Date(0);
  private readonly sink = new ByteSink();
  private readonly ascii: AsciiRecordWriter;
  /** Set while a rotated file drains: the next file must not open its (same) name before the rename. */
  private rotating: Promise<unknown> | null = null;

  constructor(
    readonly path: string,
    readonly fields: LogField[],
    private readonly cfg: PathWriterConfig,
    readonly counters: PathCounters,
  ) {
    this.ascii = new AsciiRecordWriter(cfg.ascii, fields);
  }

  get fileName(): string {
    return join(this.cfg.dir, `${this.path}.${this.cfg.suffix}`);
  }

  /** Bytes formatted or queued and not yet on disk. */
  get pendingBytes(): number {
    return this.sink.length + (this.file?.queuedBytes ?? 0);
  }

  /** True while the disk cannot keep up or fails: new records would only pile up in memory. */
  get full(): boolean {
    return this.file?.full === true;
  }

  /** The error code while the file's disk writes fail. */
  get failing(): string | undefined {
    return this.file?.failing;
  }

  /** Formats records into the pending output; returns how many were accepted. */
  write(records: LogValue[][], reject: (err: unknown, record: number) => void): number {
    if (this.file === null) this.open();
    const sink = this.sink;
    if (this.cfg.format === "tsv") return this.ascii.write(sink, records, reject);
    let n = 0;
    for (let r = 0; r < records.length; r++) {
      let line: string;
      try {
        line = formatJsonLogRecord(this.fields, records[r]!, undefined, this.cfg.json);
      } catch (err) {
        reject(err, r);
        continue;
      }
      sink.beginRecord();
      sink.writeString(line);
      sink.writeByte(0x0a);
      n++;
    }
    return n;
  }

  /** Hands formatted output to the file (one writev at a time). */
  flush(): void {
    if (this.file !== null && this.sink.length > 0) this.file.append(this.sink.take());
  }

  private open(): void {
    this.openTime = new Date();
    const file = new LogFile(this.fileName, this.cfg.events, this.cfg.file);
    this.file = file;
    if (this.rotating !== null) {
      file.hold();
      void this.rotating.then(() => file.release());
    }
    // JSON logs have no meta lines (Zeek forces include_meta off with use_json).
    if (this.cfg.format === "tsv") this.sink.writeString(this.cfg.ascii.header(this.path, this.fields, this.openTime));
  }

  /** Bytes given up on by rotations (a disk that kept failing past the close deadline). */
  lost = 0;

  /** Writes #close, flushes and closes the current file. Resolves with the bytes that could not be written. */
  private async finish(now: Date): Promise<{ file: LogFile; lost: number } | null> {
    const file = this.file;
    if (file === null) return null;
    if (this.cfg.format === "tsv") this.sink.writeString(this.cfg.ascii.close(now));
    this.flush();
    this.file = null;
    return { file, lost: await file.close() };
  }

  /** Closes the file in place (shutdown without rotation). Resolves with the bytes lost. */
  async close(now = new Date()): Promise<number> {
    return (await this.finish(now))?.lost ?? 0;
  }

  /**
   * Rotation: #close, rename to `<path>.<open time>.<suffix>` (local time, Zeek's
   * default_rotation_date_format), close. The rename happens first, so writes still in flight
   * land in the renamed file and new records go to a fresh `<path>.<suffix>`.
   */
  async rotate(now: Date, terminating: boolean): Promise<RotatedFile | null> {
    const file = this.file;
    if (file === null) return null;
    const done = this.doRotate(file, now, terminating);
    this.rotating = done;
    try {
      return await done;
    } finally {
      if (this.rotating === done) this.rotating = null;
    }
  }

  private async doRotate(file: LogFile, now: Date, terminating: boolean): Promise<RotatedFile | null> {
    const open = this.openTime;
    if (this.cfg.format === "tsv") this.sink.writeString(this.cfg.ascii.close(now));
    this.flush();
    this.file = null;
    const lost = await file.close();
    if (lost > 0) this.lost += lost;
    const stamp = formatLogTimestamp(open);
    let target = join(this.cfg.dir, `${this.path}.${stamp}.${this.cfg.suffix}`);
    // Zeek would overwrite a file rotated within the same second; never lose it.
    for (let i = 1; existsSync(target); i++) target = join(this.cfg.dir, `${this.path}.${stamp}-${i}.${this.cfg.suffix}`);
    // If the rename fails the file keeps its name and the next file appends to it: nothing is
    // truncated; the caller reports the error.
    renameSync(file.name, target);
    return { file: target, path: this.path, open, close: now, terminating };
  }

}
