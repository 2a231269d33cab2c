// Log streams on a node (Zeek's Log::create_stream / Log::write / Log::add_filter): columns are
// declared with `z` (a z.record), nested records are flattened to `a.b` columns as Zeek does,
// and records are type-checked and converted when written. Records are buffered per
// (stream, writer, filter, path) and handed to a sink (a LogSender) as one LogBatch every
// flush interval or when write_buffer_size records are buffered, like Zeek's WriterFrontend.
import type { JsOf, RecordField, ZType } from "../codec/broker/types.js";
import { LogAddr, LogPort, LogSubnet, TypeTag, type LogBatch, type LogField, type LogValue } from "../codec/zeek-log/index.js";
import { ConfigError, EncodeError } from "../errors.js";
import { WRITER_ASCII } from "./manager.js";
import { isV4Mapped } from "../codec/addr.js";

/** Where batches go; LogSender is one. */
export interface LogBatchSink {
  send(batch: LogBatch): boolean;
}

export interface LogOptions {
  sink: LogBatchSink;
  /** Log::flush_interval in seconds. @default 1 */
  flushInterval?: number;
  /** Log::write_buffer_size: records buffered per writer before a batch is sent at once. @default 1000 */
  writeBufferSize?: number;
}

export interface LogStreamSpec<T extends ZType> {
  /** The stream's Log::ID, e.g. "Conn::LOG". */
  id: string;
  /** The columns: a z.record, e.g. z.record({ ts: z.time, uid: z.string, id: z.record({...}) }). */
  columns: T;
  /** Path of the default filter. @default derived from the id like Zeek's Log::default_path_func ("Conn::LOG" -> "conn") */
  path?: string;
}

export interface LogFilterSpec<R> {
  /** Filter name (sent in every batch; a Zeek logger needs a filter of that name). */
  name: string;
  /** @default the stream's path */
  path?: string;
  /** Computes the path per record (Zeek's path_func). */
  pathFunc?: (record: R, path: string) => string;
  /** Only these (flattened) columns. */
  include?: readonly string[];
  /** All columns except these. */
  exclude?: readonly string[];
  /** Only records for which this is true (Zeek's filter policy hook). */
  pred?: (record: R) => boolean;
  /** Log::Writer name. @default "Log::WRITER_ASCII" */
  writer?: string;
}

/** Zeek's Log::default_path_func for an id without a path: "Conn::LOG" -> "conn", "AllTypes::LOG" -> "all_types". */
export function defaultPath(id: string): string {
  const snake = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
  const [mod, name] = id.split("::", 2);
  if (name === undefined) return snake(id);
  return name === "LOG" ? snake(mod!) : `${snake(mod!)}_${snake(name)}`;
}

type Convert = (v: unknown, path: string) => LogValue;

interface Column {
  field: LogField;
  /** Keys from the record to the value, e.g. ["id", "orig_h"]. */
  keys: string[];
  convert: Convert;
}

const TAGS: Partial<Record<string, number>> = {
  bool: TypeTag.bool, int: TypeTag.int, count: TypeTag.count, double: TypeTag.double, time: TypeTag.time, interval: TypeTag.interval,
  string: TypeTag.string, bytes: TypeTag.string, addr: TypeTag.addr, subnet: TypeTag.subnet, port: TypeTag.port, enum: TypeTag.enum,
};

function bad(path: string, want: string, v: unknown): never {
  throw new EncodeError(path, `expected ${want}, got ${v === null ? "null" : Array.isArray(v) ? "an array" : typeof v}`);
}

function toAddr(v: unknown, path: string): LogAddr {
  if (typeof v !== "string") bad(path, "an address string", v);
  let a: LogAddr;
  try {
    a = LogAddr.parse(v);
  } catch (e) {
    throw new EncodeError(path, (e as Error).message);
  }
  // Zeek sends v4-mapped IPv6 addresses as IPv4 (fixtures/zeek-8.2.2/logs README).
  if (a.family === 6 && isV4Mapped(a.bytes)) return new LogAddr(4, a.bytes.slice(12));
  return a;
}

function scalarConvert(kind: string): Convert {
  switch (kind) {
    case "bool":
      return (v, p) => (typeof v === "boolean" ? v : bad(p, "a boolean", v));
    case "int":
    case "count": {
      const [min, max] = kind === "count" ? [0n, (1n << 64n) - 1n] : [-(1n << 63n), (1n << 63n) - 1n];
      return (v, p) => {
        const b = typeof v === "bigint" ? v : typeof v === "number" && Number.isSafeInteger(v) ? BigInt(v) : bad(p, "a bigint", v);
        if (b < min || b > max) throw new EncodeError(p, `${b} is out of range for ${kind}`);
        return b;
      };
    }
    case "double":
    case "time":
    case "interval":
      return (v, p) => (typeof v === "number" ? v : bad(p, "a number", v));
    case "string":
    case "enum":
      return (v, p) => (typeof v === "string" ? v : bad(p, "a string", v));
    case "bytes":
      return (v, p) => (v instanceof Uint8Array ? v : bad(p, "a Uint8Array", v));
    case "addr":
      return toAddr;
    case "subnet":
      return (v, p) => {
        if (typeof v !== "string") bad(p, 'a subnet string "addr/len"', v);
        const slash = v.lastIndexOf("/");
        const len = Number(v.slice(slash + 1));
        if (slash < 0 || !Number.isInteger(len) || len < 0) throw new EncodeError(p, `not a subnet: ${JSON.stringify(v)}`);
        const a = toAddr(v.slice(0, slash), p);
        if (len > (a.family === 4 ? 32 : 128)) throw new EncodeError(p, `prefix length ${len} is too long in ${JSON.stringify(v)}`);
        return new LogSubnet(a, len);
      };
    case "port":
      return (v, p) => {
        const m = typeof v === "string" ? /^(\d{1,5})\/(tcp|udp|icmp|unknown)$/.exec(v) : null;
        if (m === null || Number(m[1]) > 65535) return bad(p, 'a port like "80/tcp"', v);
        return LogPort.of(Number(m[1]), m[2] as "tcp" | "udp" | "icmp" | "unknown");
      };
    default:
      throw new Error(`unreachable: ${kind}`);
  }
}

function columnsOf(fields: readonly RecordField[], prefix: string, keys: string[], optional: boolean, out: Column[]): void {
  for (const f of fields) {
    const name = prefix + f.name;
    const t = f.type;
    const opt = optional || f.optional;
    if (t.kind === "record") {
      columnsOf(t.fields, name + ".", [...keys, f.name], opt, out);
      continue;
    }
    let type: number | undefined;
    let subtype = 0;
    let convert: Convert;
    if (t.kind === "set" || t.kind === "vector") {
      const elem = t.kind === "set" ? (t.index.length === 1 ? t.index[0]! : undefined) : t.of;
      const et = elem ? TAGS[elem.kind] : undefined;
      if (elem === undefined || et === undefined)
        throw new ConfigError("columns", `column ${name}: ${t.kind === "set" ? "sets" : "vectors"} of ${elem ? elem.kind : "several indexes"} cannot be logged; use a set or vector of a basic type`);
      type = t.kind === "set" ? TypeTag.table : TypeTag.vector;
      subtype = et;
      const ec = scalarConvert(elem.kind);
      convert = (v, p) => {
        if (!Array.isArray(v)) bad(p, "an array", v);
        const arr: LogValue[] = new Array<LogValue>(v.length);
        for (let i = 0; i < v.length; i++) arr[i] = ec(v[i], `${p}[${i}]`);
        return arr;
      };
    } else {
      type = TAGS[t.kind];
      if (type === undefined) throw new ConfigError("columns", `column ${name}: type ${t.kind} cannot be logged`);
      convert = scalarConvert(t.kind);
    }
    out.push({ field: { name, type, subtype, optional: opt }, keys: [...keys, f.name], convert });
  }
}

interface Filter<R> {
  spec: LogFilterSpec<R>;
  writer: string;
  path: string;
  /** Indexes of the stream's columns this filter logs. */
  indexes: number[];
  fields: LogField[];
  all: boolean;
}

/** The records buffered for one (stream, writer, filter, path): Zeek's WriterFrontend buffer. */
interface WriteBuffer {
  batch: LogBatch;
}

export class LogStream<R> {
  private readonly columns: Column[] = [];
  private readonly filters: Filter<R>[] = [];
  readonly path: string;
  /** True once remove() was called. */
  private removed = false;

  /** @internal Created by Log.createStream. */
  constructor(
    readonly id: string,
    columns: ZType,
    path: string | undefined,
    private readonly log: Log,
  ) {
    if (columns.kind !== "record") throw new ConfigError("columns", `stream ${id}: columns must be a z.record({...}), got ${columns.kind}`);
    columnsOf(columns.fields, "", [], false, this.columns);
    if (this.columns.length === 0) throw new ConfigError("columns", `stream ${id} has no columns`);
    this.path = path ?? defaultPath(id);
    this.addFilter({ name: "default" });
  }

  /** The flattened columns, as sent in batches. */
  get fields(): LogField[] {
    return this.columns.map((c) => c.field);
  }

  /** Adds (or replaces, by name) a filter. */
  addFilter(spec: LogFilterSpec<R>): void {
    const names = this.columns.map((c) => c.field.name);
    for (const n of [...(spec.include ?? []), ...(spec.exclude ?? [])])
      if (!names.includes(n)) throw new ConfigError("filter", `filter ${spec.name} of ${this.id} names column ${JSON.stringify(n)}, which the stream does not have (columns: ${names.join(", ")})`);
    const indexes: number[] = [];
    names.forEach((n, i) => {
      if ((spec.include === undefined || spec.include.includes(n)) && !(spec.exclude ?? []).includes(n)) indexes.push(i);
    });
    if (indexes.length === 0) throw new ConfigError("filter", `filter ${spec.name} of ${this.id} leaves no column to log`);
    this.removeFilter(spec.name);
    this.filters.push({
      spec,
      writer: spec.writer ?? WRITER_ASCII,
      path: spec.path ?? this.path,
      indexes,
      fields: indexes.map((i) => this.columns[i]!.field),
      all: indexes.length === names.length,
    });
  }

  removeFilter(name: string): void {
    const i = this.filters.findIndex((f) => f.spec.name === name);
    if (i >= 0) this.filters.splice(i, 1);
  }

  /**
   * Logs a record (Zeek's Log::write). Throws EncodeError naming the column if a value does not
   * match its declared type or a non-optional column is missing; nothing is buffered then.
   */
  write(record: R): void {
    if (this.removed) throw new ConfigError("stream", `stream ${this.id} was removed`);
    const cols = this.columns;
    const values: LogValue[] = new Array<LogValue>(cols.length);
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i]!;
      let v: unknown = record;
      for (let k = 0; k < c.keys.length && v !== undefined && v !== null; k++) v = (v as Record<string, unknown>)[c.keys[k]!];
      if (v === undefined || v === null) {
        if (!c.field.optional) throw new EncodeError(c.field.name, `column ${c.field.name} of ${this.id} is not optional but has no value`);
        values[i] = null;
      } else values[i] = c.convert(v, c.field.name);
    }
    for (const f of this.filters) {
      if (f.spec.pred && !f.spec.pred(record)) continue;
      const path = f.spec.pathFunc ? f.spec.pathFunc(record, f.path) : f.path;
      this.log.buffer(this.id, f.writer, f.spec.name, path, f.fields).push(f.all ? values : f.indexes.map((i) => values[i]!));
    }
    this.log.sendFull();
  }

  /** Flushes and detaches the stream (Zeek's Log::remove_stream). */
  remove(): void {
    this.log.flush();
    this.removed = true;
  }
}

/**
 * A node's logging framework: streams, per-writer buffers and the flush timer. One per node;
 * `close()` flushes everything (call it before closing the sender).
 */
export class Log {
  private readonly buffers = new Map<string, WriteBuffer>();
  private readonly timer: NodeJS.Timeout;
  private readonly writeBufferSize: number;
  private readonly sink: LogBatchSink;
  private full: string[] = [];

  constructor(opts: LogOptions) {
    const interval = opts.flushInterval ?? 1;
    this.writeBufferSize = opts.writeBufferSize ?? 1000;
    if (!(interval > 0)) throw new ConfigError("flush_interval", `must be > 0 seconds, got ${interval}`);
    if (!Number.isInteger(this.writeBufferSize) || this.writeBufferSize < 1) throw new ConfigError("write_buffer_size", `must be an integer >= 1, got ${this.writeBufferSize}`);
    this.sink = opts.sink;
    this.timer = setInterval(() => this.flush(), interval * 1000);
    this.timer.unref();
  }

  /** Creates a stream whose write() takes records typed after `spec.columns`. */
  createStream<T extends ZType>(spec: LogStreamSpec<T>): LogStream<JsOf<T>> {
    return new LogStream<JsOf<T>>(spec.id, spec.columns, spec.path, this);
  }

  /** @internal The record list of a (stream, writer, filter, path) buffer. */
  buffer(stream: string, writer: string, filter: string, path: string, fields: LogField[]): LogValue[][] {
    const key = `${stream}\0${writer}\0${filter}\0${path}`;
    let b = this.buffers.get(key);
    if (b === undefined || b.batch.fields !== fields) {
      if (b !== undefined) this.send(b); // the filter changed: its columns may have
      b = { batch: { stream, writer, filter, path, fields, records: [] } };
      this.buffers.set(key, b);
    }
    if (b.batch.records.length + 1 >= this.writeBufferSize) this.full.push(key);
    return b.batch.records;
  }

  /** @internal After a write: send the buffers that reached write_buffer_size. */
  sendFull(): void {
    if (this.full.length === 0) return;
    for (const key of this.full) {
      const b = this.buffers.get(key);
      if (b !== undefined) this.send(b);
    }
    this.full = [];
  }

  private send(b: WriteBuffer): void {
    if (b.batch.records.length === 0) return;
    const batch = b.batch;
    b.batch = { ...batch, records: [] };
    this.sink.send(batch);
  }

  /** Sends every buffered record now (Zeek's Log::flush of all streams). */
  flush(): void {
    for (const b of this.buffers.values()) this.send(b);
  }

  /** Flushes and stops the flush timer. */
  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
