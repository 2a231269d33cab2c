// The writer of one (writer, path): Zeek's ASCII writer backend in the format chosen for the path.
// It owns the current file (opened on the first write after start or rotation, like Zeek's),
// formats records into the logger's shared sink and queues them on the file; rotation closes
// the file with the format's close line, renames it with Zeek's name
// (`conn.2026-11-22-04-00-00.log`) and opens the next one lazily.
import { existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { LogField, LogValue } from "../codec/zeek-log/index.js";
import { formatLogTimestamp } from "./format/ascii.js";
import type { LogFormat, LogFormatFactory, LogFormatOptions } from "./format/registry.js";
import { LogFile, type LogFileEvents, type LogFileOptions, type LostOutput } from "./log-file.js";
import type { PathCounters } from "./metrics.js";
import type { OpenFiles } from "./open-files.js";
import type { ByteSink } from "./sink.js";

/** What happens to a path's files, reported with the writer (so no lookup from file to path). */
export interface PathEvents {
  onError(w: PathWriter, file: LogFile, err: NodeJS.ErrnoException, queuedBytes: number): void;
  onRecovered(w: PathWriter, file: LogFile): void;
  onWritten(w: PathWriter, file: LogFile, bytes: number, records: number): void;
}

export interface PathWriterConfig {
  dir: string;
  format: LogFormatFactory;
  formatOptions: LogFormatOptions;
  /** File extension without the dot (Zeek: ZEEK_LOG_SUFFIX, else "log"). */
  suffix: string;
  file: LogFileOptions;
  events: PathEvents;
  openFiles: OpenFiles;
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
  if (a === b) return true;
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
  private readonly format: LogFormat;
  /** File name of the current file (the path never changes). */
  readonly fileName: string;
  /** Set while a rotated file drains: the next file must not open its (same) name before the rename. */
  private rotating: Promise<unknown> | null = null;
  /** Output given up on by rotations (a disk that kept failing past the close deadline). */
  readonly lost: LostOutput = { bytes: 0, records: 0 };
  private readonly fileEvents: LogFileEvents;

  constructor(
    readonly path: string,
    readonly fields: LogField[],
    private readonly cfg: PathWriterConfig,
    readonly counters: PathCounters,
  ) {
    this.format = cfg.format.create(path, fields, cfg.formatOptions);
    this.fileName = join(cfg.dir, `${path}.${cfg.suffix}`);
    const ev = cfg.events;
    this.fileEvents = {
      onError: (f, err, queued) => ev.onError(this, f, err, queued),
      onRecovered: (f) => ev.onRecovered(this, f),
      onWritten: (f, bytes, records) => ev.onWritten(this, f, bytes, records),
    };
  }

  /** The current file, if one is open (or waiting for the disk). */
  get current(): LogFile | null {
    return this.file;
  }

  /** True while the disk cannot keep up or fails: new records would only pile up in memory. */
  get full(): boolean {
    return this.file?.full === true;
  }

  /** The error code while the file's disk writes fail. */
  get failing(): string | undefined {
    return this.file?.failing;
  }

  /**
   * Formats records into `sink` (which the caller takes and hands to commit()). Returns how many
   * were accepted, or -1 when they need more than `maxBytes` (the caller rolls the sink back).
   */
  formatRecords(sink: ByteSink, records: LogValue[][], reject: (err: unknown, record: number) => void, maxBytes: number): number {
    return this.format.write(sink, records, reject, maxBytes);
  }

  /** True if the format reads serialized batches itself (formatSerialized). */
  get serialized(): boolean {
    return this.format.writeSerialized !== undefined;
  }

  /** formatRecords for the `count` records at `offset` of a serialized batch; throws DecodeError if malformed. */
  formatSerialized(sink: ByteSink, payload: Uint8Array, offset: number, count: number, reject: (err: unknown, record: number) => void, maxBytes: number): number {
    return this.format.writeSerialized!(sink, payload, offset, count, reject, maxBytes);
  }

  /** Queues formatted bytes holding `records` records on the file (opening it first if needed). */
  commit(chunks: Buffer[], records: number): LogFile {
    const file = this.file ?? this.open();
    file.append(chunks, records);
    return file;
  }

  private open(): LogFile {
    this.openTime = new Date();
    const open = this.openTime;
    const file = new LogFile(this.fileName, this.fileEvents, this.cfg.openFiles, () => this.format.header(open), this.cfg.file);
    this.file = file;
    if (this.rotating !== null) {
      file.hold();
      void this.rotating.then(() => file.unhold());
    }
    const header = this.format.header(open);
    if (header !== "") file.append([Buffer.from(header)], 0);
    return file;
  }

  /** Writes the close line and closes the file in place (shutdown without rotation). */
  async close(now = new Date()): Promise<LostOutput> {
    const file = this.file;
    if (file === null) return { bytes: 0, records: 0 };
    this.file = null;
    this.appendClose(file, now);
    return file.close();
  }

  private appendClose(file: LogFile, now: Date): void {
    const c = this.format.close(now);
    if (c !== "") file.append([Buffer.from(c)], 0);
  }

  /**
   * Rotation: close line, rename to `<path>.<open time>.<suffix>` (local time, Zeek's
   * default_rotation_date_format), close. New records go to a fresh `<path>.<suffix>`, opened
   * only once the rename is done.
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
    this.file = null;
    this.appendClose(file, now);
    const lost = await file.close();
    this.lost.bytes += lost.bytes;
    this.lost.records += lost.records;
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
