// Output formats of the file sink, chosen by name ("tsv", "json"; more can be registered): each
// turns one path's batches into bytes as header, records and close, so the writers never branch
// on a format. A formatter is made per (path, columns) and may precompute what its columns need.
import type { LogField, LogValue } from "../../codec/zeek-log/index.js";
import { ConfigError } from "../../errors.js";
import { AsciiRecordWriter } from "../ascii-records.js";
import { WireJsonWriter, WireTsvWriter } from "../wire-records.js";
import type { ByteSink } from "../sink.js";
import { AsciiLogFormat, type AsciiFormatOptions } from "./ascii.js";
import { formatJsonLogRecord, type JsonFormatOptions } from "./json.js";

/** The formatter of one path's file. */
export interface LogFormat {
  /** Bytes that start a file (TSV's meta header; "" for none), for a file opened at `open`. */
  header(open: Date): string;
  /**
   * Formats `records` into `sink` (whole lines). A record that cannot be formatted is skipped
   * and passed to `reject`. Returns the number of records written, or -1 once the output passes
   * `maxBytes` (the caller rolls the sink back and refuses the batch).
   */
  write(sink: ByteSink, records: LogValue[][], reject: (err: unknown, record: number) => void, maxBytes: number): number;
  /** Bytes that end a file (TSV's #close line; "" for none), closed at `at`. */
  close(at: Date): string;
  /**
   * Optional: formats the `count` records starting at byte `offset` of a serialized batch
   * (after decodeLogBatchHeader) straight from its bytes, with the same output, rejects and
   * limit as write() after decodeLogBatch. Throws the codec's DecodeError for malformed bytes
   * (the caller rolls the sink back). Formats without it are given decoded batches.
   */
  writeSerialized?(sink: ByteSink, payload: Uint8Array, offset: number, count: number, reject: (err: unknown, record: number) => void, maxBytes: number): number;
}

/** Options every format may read (each takes its own part). */
export interface LogFormatOptions {
  ascii?: AsciiFormatOptions;
  json?: JsonFormatOptions;
}

export interface LogFormatFactory {
  /** The name the CLI, layouts and LogWriterManagerOptions use, e.g. "tsv". */
  readonly name: string;
  /** One formatter for `path` with these columns. */
  create(path: string, fields: readonly LogField[], options: LogFormatOptions): LogFormat;
}

/** Zeek's ASCII writer in TSV form: meta header, escaped values, #close. */
class TsvFormat implements LogFormat {
  private readonly records: AsciiRecordWriter;
  constructor(
    private readonly ascii: AsciiLogFormat,
    private readonly path: string,
    private readonly fields: LogField[],
  ) {
    this.records = new AsciiRecordWriter(ascii, fields);
    if (WireTsvWriter.fits(ascii)) {
      const wire = new WireTsvWriter(ascii, fields);
      this.writeSerialized = (sink, payload, offset, count, reject, maxBytes) => wire.write(sink, payload, offset, count, reject, maxBytes);
    }
  }

  readonly writeSerialized?: LogFormat["writeSerialized"];
  header(open: Date): string {
    return this.ascii.header(this.path, this.fields, open);
  }

  write(sink: ByteSink, records: LogValue[][], reject: (err: unknown, record: number) => void, maxBytes: number): number {
    return this.records.write(sink, records, reject, maxBytes);
  }

  close(at: Date): string {
    return this.ascii.close(at);
  }
}

/** Zeek's ASCII writer with LogAscii::use_json: one object per line, no meta lines. */
class JsonFormat implements LogFormat {
  constructor(
    private readonly fields: LogField[],
    private readonly options: JsonFormatOptions,
  ) {
    if (WireJsonWriter.fits(options)) {
      const wire = new WireJsonWriter(fields, options);
      this.writeSerialized = (sink, payload, offset, count, reject, maxBytes) => wire.write(sink, payload, offset, count, reject, maxBytes);
    }
  }

  readonly writeSerialized?: LogFormat["writeSerialized"];
  header(): string {
    return "";
  }

  write(sink: ByteSink, records: LogValue[][], reject: (err: unknown, record: number) => void, maxBytes: number): number {
    const limit = sink.length + maxBytes;
    let n = 0;
    for (let r = 0; r < records.length; r++) {
      let line: string;
      try {
        line = formatJsonLogRecord(this.fields, records[r]!, undefined, this.options);
      } catch (err) {
        reject(err, r);
        continue;
      }
      sink.beginRecord();
      sink.writeString(line);
      sink.writeByte(0x0a);
      n++;
      if (sink.length > limit) return -1;
    }
    return n;
  }

  close(): string {
    return "";
  }
}

// AsciiLogFormat precomputes escapes; share one per options object.
const asciiCache = new WeakMap<AsciiFormatOptions, AsciiLogFormat>();
const DEFAULT_ASCII = new AsciiLogFormat();
function asciiFor(o: AsciiFormatOptions | undefined): AsciiLogFormat {
  if (o === undefined) return DEFAULT_ASCII;
  let a = asciiCache.get(o);
  if (a === undefined) asciiCache.set(o, (a = new AsciiLogFormat(o)));
  return a;
}

const BUILTIN: readonly LogFormatFactory[] = [
  { name: "tsv", create: (path, fields, o) => new TsvFormat(asciiFor(o.ascii), path, [...fields]) },
  { name: "json", create: (_path, fields, o) => new JsonFormat([...fields], o.json ?? {}) },
];
const formats = new Map<string, LogFormatFactory>(BUILTIN.map((f) => [f.name, f]));

/** True for the formats this module defines (every thread has them under the same name). */
export function isBuiltinLogFormat(f: LogFormatFactory): boolean {
  return BUILTIN.includes(f);
}

/** Adds (or replaces) a format under its name. */
export function registerLogFormat(factory: LogFormatFactory): void {
  formats.set(factory.name, factory);
}

/** The format registered as `name`; a ConfigError naming `option` and the known names otherwise. */
export function logFormat(name: string, option = "format"): LogFormatFactory {
  const f = formats.get(name);
  if (f === undefined) throw new ConfigError(option, `unknown log format ${JSON.stringify(name)}; known formats: ${[...formats.keys()].join(", ")}`);
  return f;
}

/** Names of the registered formats. */
export function logFormatNames(): string[] {
  return [...formats.keys()];
}
